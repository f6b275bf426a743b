import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Pool, PoolConfig } from 'pg';
import { ServerError } from '../../domain/errors.js';
import { knownSecrets, redactPasswords } from '../location.js';

/**
 * Team mode's connection: a pool of connections to a PostgreSQL server named by a
 * postgres:// URL, with libpq's conventions (what the URL leaves out comes from PGHOST,
 * PGPORT, PGUSER, PGDATABASE, PGPASSWORD, PGSSLMODE, PGOPTIONS, then ~/.pgpass).
 *
 * `pg` is loaded here with a dynamic import only, so that starting crm on a SQLite file never
 * pays for it. The pool is parsed from the URL by this module rather than by pg: pg lets a
 * URL's missing password override a password callback, applies its own (non-libpq) sslmode
 * meanings, and reads ~/.pgpass through a deprecated path that prints a warning on stderr.
 */

export { isPostgresUrl, redactPasswords } from '../location.js';

/** The parts of a URL that pg needs, plus what libpq's defaults and environment decide. */
export interface PgTarget {
  host?: string;
  port?: number;
  user?: string;
  database?: string;
  /** Only from the URL itself; PGPASSWORD and ~/.pgpass are read when the server asks. */
  password?: string;
  sslmode: SslMode;
  sslrootcert?: string;
  options?: string;
  applicationName?: string;
  connectTimeoutSeconds?: number;
}

const SSL_MODES = ['disable', 'allow', 'prefer', 'require', 'verify-ca', 'verify-full'] as const;
export type SslMode = (typeof SSL_MODES)[number];

/** The URL as it may be shown: user, host, port and database, never the password. */
export function describeTarget(target: PgTarget): string {
  const host = target.host ?? process.env.PGHOST ?? 'localhost';
  const port = target.port ?? (process.env.PGPORT ? Number(process.env.PGPORT) : 5432);
  const user = target.user ?? process.env.PGUSER ?? os.userInfo().username;
  const database = target.database ?? process.env.PGDATABASE ?? user;
  return `postgres://${user}@${host.startsWith('/') ? encodeURIComponent(host) : host}:${port}/${database}`;
}

/** Parses postgres://user:password@host:port/database?sslmode=...&host=/socket/dir. */
export function parsePostgresUrl(url: string): PgTarget {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new ServerError(`not a valid postgres URL: ${redactPasswords(url)}`);
  }
  const query = parsed.searchParams;
  const decode = (text: string) => (text ? decodeURIComponent(text) : undefined);
  const target: PgTarget = { sslmode: 'prefer' };
  const host = query.get('host') ?? decode(parsed.hostname.replace(/^\[(.+)\]$/, '$1'));
  if (host) target.host = host;
  const port = query.get('port') ?? parsed.port;
  if (port) {
    if (!/^\d+$/.test(port)) throw new ServerError(`invalid port "${port}" in ${redactPasswords(url)}`);
    target.port = Number(port);
  }
  const user = query.get('user') ?? decode(parsed.username);
  if (user) target.user = user;
  const password = query.get('password') ?? decode(parsed.password);
  if (password) target.password = password;
  const database = query.get('dbname') ?? decode(parsed.pathname.replace(/^\//, ''));
  if (database) target.database = database;
  const sslmode = query.get('sslmode') ?? process.env.PGSSLMODE ?? 'prefer';
  if (!(SSL_MODES as readonly string[]).includes(sslmode)) {
    throw new ServerError(`invalid sslmode "${sslmode}": use one of ${SSL_MODES.join(', ')}`);
  }
  target.sslmode = sslmode as SslMode;
  const rootCert = query.get('sslrootcert') ?? process.env.PGSSLROOTCERT;
  if (rootCert) target.sslrootcert = rootCert;
  const options = query.get('options') ?? process.env.PGOPTIONS;
  if (options) target.options = options;
  target.applicationName = query.get('application_name') ?? process.env.PGAPPNAME ?? 'crm';
  const timeout = query.get('connect_timeout') ?? process.env.PGCONNECT_TIMEOUT;
  if (timeout && /^\d+$/.test(timeout) && Number(timeout) > 0) target.connectTimeoutSeconds = Number(timeout);
  return target;
}

interface PgpassQuery {
  host: string;
  port: number;
  database: string;
  user: string;
}

/**
 * The password ~/.pgpass (or PGPASSFILE) holds for this connection, as libpq reads it: lines
 * host:port:database:user:password, `*` matching anything, `\` escaping `:` and `\`, the first
 * match winning; a Unix socket matches the host name "localhost". Like libpq, a file that
 * others can read is ignored.
 */
export function pgpassPassword(query: PgpassQuery, file = process.env.PGPASSFILE ?? path.join(os.homedir(), '.pgpass')): string | undefined {
  let text: string;
  try {
    const stat = fs.statSync(file);
    if (!stat.isFile() || (process.platform !== 'win32' && (stat.mode & 0o077) !== 0)) return undefined;
    text = fs.readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
  const host = query.host.startsWith('/') ? 'localhost' : query.host;
  const wanted = [host, String(query.port), query.database, query.user];
  for (const line of text.split(/\r?\n/)) {
    if (!line || line.startsWith('#')) continue;
    const fields: string[] = [];
    let current = '';
    for (let index = 0; index < line.length; index++) {
      const char = line[index]!;
      if (char === '\\' && index + 1 < line.length) current += line[++index];
      else if (char === ':' && fields.length < 4) {
        fields.push(current);
        current = '';
      } else current += char;
    }
    fields.push(current);
    if (fields.length < 5) continue;
    if (wanted.every((value, index) => fields[index] === '*' || fields[index] === value)) return fields[4];
  }
  return undefined;
}

/**
 * The node TLS options for a libpq sslmode: require encrypts without checking the
 * certificate (unless a root certificate is given, then it is checked like verify-ca);
 * verify-ca checks the chain, verify-full the host name too. allow and prefer encrypt when the
 * server can (see openPgPool for the fallback). Unix sockets never use TLS, as in libpq.
 */
function tlsOptions(target: PgTarget, host: string | undefined): PoolConfig['ssl'] {
  if (target.sslmode === 'disable' || host?.startsWith('/')) return false;
  const ca = target.sslrootcert ? fs.readFileSync(target.sslrootcert, 'utf8') : undefined;
  switch (target.sslmode) {
    case 'verify-full':
      return ca ? { ca } : {};
    case 'verify-ca':
      return { ...(ca ? { ca } : {}), checkServerIdentity: () => undefined };
    case 'require':
      return ca ? { ca, checkServerIdentity: () => undefined } : { rejectUnauthorized: false };
    default:
      return { rejectUnauthorized: false };
  }
}

const TIMESTAMPTZ_OID = 1184;
const TIMESTAMP_OID = 1114;
const DATE_OID = 1082;
const INT8_OID = 20;

/**
 * timestamptz text in DateStyle ISO ("2026-12-01 04:00:00.12+00", "... +05:30") as the ISO
 * text SQLite stores ("2026-12-01T04:00:00.120Z"). What does not fit a JavaScript Date
 * (infinity, BC, years past 9999) is returned as the server wrote it rather than lost.
 */
export function isoInstant(text: string, assumeUtc = false): string {
  const match =
    /^(\d{4})-(\d\d)-(\d\d) (\d\d):(\d\d):(\d\d)(\.\d+)?(?:([+-])(\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/.exec(text);
  if (!match || (!match[8] && !assumeUtc)) return text;
  const [, year, month, day, hour, minute, second, fraction, sign, offsetHours, offsetMinutes, offsetSeconds] = match;
  const date = new Date(0);
  date.setUTCFullYear(Number(year), Number(month) - 1, Number(day));
  date.setUTCHours(Number(hour), Number(minute), Number(second), Math.floor(Number(fraction ?? 0) * 1000));
  const offset = (Number(offsetHours ?? 0) * 3600 + Number(offsetMinutes ?? 0) * 60 + Number(offsetSeconds ?? 0)) * 1000;
  return new Date(date.getTime() - (sign === '-' ? -offset : offset)).toISOString();
}

/** int8 (counts, audit ids) as numbers like better-sqlite3 gives, unless too big to be exact. */
function int8Value(text: string): number | string {
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : text;
}

/**
 * Values come back as SQLite's: instants as ISO text, dates as written, int8 as numbers. For a
 * pg.Client or Pool's `types` option (openPgPool uses them; so do tests that connect alone).
 */
export async function sqliteCompatibleTypes(): Promise<NonNullable<PoolConfig['types']>> {
  const { default: pg } = await import('pg');
  return {
    getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
      if (format === 'binary') return pg.types.getTypeParser(oid, format);
      switch (oid) {
        case TIMESTAMPTZ_OID:
          return (text: string) => isoInstant(text);
        case TIMESTAMP_OID:
          return (text: string) => isoInstant(text, true);
        case DATE_OID:
          return (text: string) => text;
        case INT8_OID:
          return int8Value;
        default:
          return pg.types.getTypeParser(oid, 'text');
      }
    }) as NonNullable<PoolConfig['types']>['getTypeParser'],
  };
}

export interface PgDatabase {
  readonly pool: Pool;
  /** The server and database as they may be shown (no password). */
  readonly description: string;
  /** Ends every connection of the pool; until then the process would not exit. */
  close(): Promise<void>;
}

export interface PgOpenOptions {
  /** Connections the pool may open at once (crm needs few: one command, one transaction). */
  maxConnections?: number;
  /** Where ~/.pgpass is, for tests; libpq's PGPASSFILE otherwise. */
  pgpassFile?: string;
}

/** Any error from pg or the network, as a ServerError whose message holds no password. */
export function serverError(error: unknown, target?: PgTarget): ServerError {
  if (error instanceof ServerError) return error;
  const code = (error as { code?: unknown }).code;
  const message = error instanceof Error ? error.message : String(error);
  return new ServerError(
    redactPasswords(message, knownSecrets(target)),
    typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined,
  );
}

/**
 * Opens a pool on the server the URL names and checks that one connection can be made, so a
 * wrong host or password fails here with one clear line. Session settings make the server
 * write instants in ISO form and in UTC whatever its configuration.
 */
export async function openPgPool(url: string, options: PgOpenOptions = {}): Promise<PgDatabase> {
  const target = parsePostgresUrl(url);
  const { default: pg } = await import('pg');
  const types = await sqliteCompatibleTypes();
  const host = target.host ?? process.env.PGHOST;
  const description = describeTarget(target);

  const password = (parameters: { host: string; port: number; database: string; user: string }) => {
    // As in libpq, an empty PGPASSWORD counts as unset.
    const found = target.password || process.env.PGPASSWORD || pgpassPassword(parameters, options.pgpassFile);
    if (found === undefined) {
      throw new ServerError(
        `${description} asks for a password: set PGPASSWORD, or add a line for it to ~/.pgpass`,
        '28P01',
      );
    }
    return found;
  };

  const makePool = (ssl: PoolConfig['ssl']) => {
    const config: PoolConfig = {
      ...(target.host !== undefined && { host: target.host }),
      ...(target.port !== undefined && { port: target.port }),
      ...(target.user !== undefined && { user: target.user }),
      ...(target.database !== undefined && { database: target.database }),
      password: password as unknown as string,
      ssl,
      options: [target.options, '-c DateStyle=ISO -c TimeZone=UTC -c IntervalStyle=iso_8601']
        .filter(Boolean)
        .join(' '),
      ...(target.applicationName !== undefined && { application_name: target.applicationName }),
      ...(target.connectTimeoutSeconds !== undefined && {
        connectionTimeoutMillis: target.connectTimeoutSeconds * 1000,
      }),
      max: options.maxConnections ?? 4,
      types,
    };
    const pool = new pg.Pool(config);
    // An idle connection that the server drops must not crash the process; the next query
    // opens a fresh one and reports its own error.
    pool.on('error', () => undefined);
    return pool;
  };

  const connect = async (ssl: PoolConfig['ssl']) => {
    const pool = makePool(ssl);
    try {
      const client = await pool.connect();
      client.release();
      return pool;
    } catch (error) {
      await pool.end().catch(() => undefined);
      throw error;
    }
  };

  let pool: Pool;
  const tls = tlsOptions(target, host);
  try {
    pool = await connect(tls);
  } catch (error) {
    const noTls = /does not support SSL/i.test((error as Error).message ?? '');
    // libpq's allow and prefer settle for a plain connection when the server offers no TLS.
    if (!(noTls && (target.sslmode === 'prefer' || target.sslmode === 'allow'))) {
      const reason = serverError(error, target);
      throw new ServerError(`cannot connect to ${description}: ${reason.message}`, reason.sqlState);
    }
    try {
      pool = await connect(false);
    } catch (retryError) {
      const reason = serverError(retryError, target);
      throw new ServerError(`cannot connect to ${description}: ${reason.message}`, reason.sqlState);
    }
  }
  let closed: Promise<void> | undefined;
  return {
    pool,
    description,
    close: () => (closed ??= pool.end()),
  };
}
