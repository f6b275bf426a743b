import type { TestProject } from 'vitest/node';
import { createServerFolder, destroyServer } from './server.js';

declare module 'vitest' {
  export interface ProvidedContext {
    /** The run's PostgreSQL folder (see test/pg/server.ts); the server starts on first use. */
    crmPgFolder: string;
  }
}

/**
 * Makes the folder for the run's throwaway PostgreSQL server and removes server and folder
 * when the run ends, whether tests failed or not, and also if the run is interrupted.
 */
export default function setup(project: TestProject): () => void {
  const folder = createServerFolder();
  project.provide('crmPgFolder', folder);
  let destroyed = false;
  const destroy = () => {
    if (destroyed) return;
    destroyed = true;
    destroyServer(folder);
  };
  process.once('exit', destroy);
  return destroy;
}
