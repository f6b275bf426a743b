import { openDatabase, type OpenOptions } from '../db/connection.js';
import { isPostgresUrl } from '../db/location.js';
import type { Store } from './ports.js';
import { SqliteStore } from './sqlite/store.js';

export type StoreOptions = Pick<OpenOptions, 'create' | 'busyTimeoutMs'>;

/**
 * Opens the database a location names: a postgres:// URL is a team's server (its driver is
 * loaded only then, so SQLite commands never pay for it); anything else is a SQLite file.
 */
export async function openStore(location: string, options: StoreOptions = {}): Promise<Store> {
  if (isPostgresUrl(location)) {
    const { openPgStore } = await import('./pg/store.js');
    return openPgStore(location, options);
  }
  return new SqliteStore(openDatabase(location, options));
}
