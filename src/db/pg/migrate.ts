import path from 'node:path';
import type { Pool, PoolClient } from 'pg';
import { SchemaTooNewError } from '../../domain/errors.js';
import { projectRoot } from '../../project-root.js';
import { knownMigrations, type MigrationSet } from '../connection.js';
import { serverError } from './connection.js';

export const PG_MIGRATIONS_FOLDER = path.join(projectRoot, 'drizzle', 'pg');
/** drizzle's own bookkeeping table, in its default schema `drizzle`. */
export const PG_MIGRATIONS_TABLE = 'drizzle.__drizzle_migrations';
/** Held while migrating, so two crm processes starting on a new server do not both migrate. */
const MIGRATION_LOCK = 'crm.migrate';

export function knownPgMigrations(folder: string = PG_MIGRATIONS_FOLDER): MigrationSet {
  return knownMigrations(folder);
}

async function appliedMillis(client: PoolClient): Promise<number[]> {
  const exists = await client.query<{ found: string | null }>(`SELECT to_regclass($1)::text AS found`, [PG_MIGRATIONS_TABLE]);
  if (!exists.rows[0]?.found) return [];
  const rows = await client.query<{ created_at: string | number }>(
    `SELECT created_at FROM ${PG_MIGRATIONS_TABLE} ORDER BY created_at`,
  );
  return rows.rows.map((row) => Number(row.created_at));
}

/**
 * Brings the server's schema up to the migrations this program knows, with drizzle's
 * node-postgres migrator (all pending migrations in one transaction: a failure leaves the
 * schema as it was). A session advisory lock serialises concurrent crm processes; the second
 * finds nothing left to do. Must be run by the role that is to own the schema (never a
 * member: an owner bypasses row-level security). Returns the tags it applied.
 */
export async function migratePg(pool: Pool, migrations: MigrationSet = knownPgMigrations()): Promise<string[]> {
  const [{ drizzle }, { migrate }] = await Promise.all([
    import('drizzle-orm/node-postgres'),
    import('drizzle-orm/node-postgres/migrator'),
  ]);
  const client = await pool.connect().catch((error: unknown) => {
    throw serverError(error);
  });
  try {
    await client.query(`SELECT pg_advisory_lock(hashtext($1))`, [MIGRATION_LOCK]);
    try {
      const before = new Set(await appliedMillis(client));
      const latestKnown = migrations.metas.at(-1)?.folderMillis ?? 0;
      const newest = Math.max(-1, ...before);
      if (newest > latestKnown) {
        throw new SchemaTooNewError(
          `the server's schema was written by a newer version of crm (schema migration ${before.size}, this program knows ${migrations.metas.length}); upgrade crm`,
        );
      }
      const pending = migrations.metas.flatMap((meta, index) =>
        meta.folderMillis > newest ? [migrations.tags[index]!] : [],
      );
      if (pending.length === 0) return [];
      await migrate(drizzle({ client }), { migrationsFolder: migrations.folder });
      return pending;
    } finally {
      await client.query(`SELECT pg_advisory_unlock(hashtext($1))`, [MIGRATION_LOCK]);
    }
  } catch (error) {
    if (error instanceof SchemaTooNewError) throw error;
    // drizzle wraps the server's error in "Failed query: <sql>"; the server's reason and
    // SQLSTATE are its cause.
    const cause = (error as { cause?: unknown }).cause;
    throw serverError(cause instanceof Error && 'code' in cause ? cause : error);
  } finally {
    client.release();
  }
}
