import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    root: new URL('..', import.meta.url).pathname,
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/global-setup.ts', 'test/pg/global-setup.ts'],
    // Day boundaries (today, +3d, overdue) are computed in local time; pin it for repeatable runs
    // (test/timezones.test.ts switches to other zones to cover DST and non-UTC days).
    env: { TZ: 'UTC', NO_COLOR: '' },
    testTimeout: 30_000,
    hookTimeout: 30_000,
  },
});
