import type { BackendCli } from './backends.js';

/**
 * The checks of `crm db check --json` that failed, by name and detail. A database in memory
 * cannot use WAL, so its journal_mode check is left out: the others are what a test asserts.
 */
export async function failedChecks(cli: BackendCli): Promise<Array<{ name: string; detail: string }>> {
  const result = await cli.run(['db', 'check', '--json']);
  const report = JSON.parse(result.stdout) as { checks: Array<{ name: string; ok: boolean; detail: string }> };
  return report.checks.filter((check) => !check.ok && check.name !== 'journal_mode').map(({ name, detail }) => ({ name, detail }));
}
