import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * A throwaway PostgreSQL cluster for the team-mode tests: initdb in a temporary folder, one
 * server listening on a Unix socket in that folder and on 127.0.0.1 (a free port), fsync off.
 * The folder is made by the global setup (test/pg/global-setup.ts), which also stops the
 * server and deletes the folder when the run ends, failed or not. The server itself is started
 * by the first test file that needs it (startServerOnce), so a run of SQLite tests alone never
 * pays for it; the other files wait for it to be ready.
 *
 * PostgreSQL refuses to run as root: as root the cluster belongs to the `postgres` user
 * (Debian's server package creates it) and its commands run through runuser.
 */

export interface ServerInfo {
  /** The folder holding the socket (host for Unix-socket URLs). */
  socketDir: string;
  port: number;
  /** The cluster's superuser; trusted on the socket, a password over TCP. */
  superuser: string;
  superuserPassword: string;
}

const SUPERUSER = 'postgres';

/** Where the server binaries are: PG_BINDIR, pg_config, Debian's versioned folders, then PATH. */
export function serverBinDir(): string | undefined {
  const candidates: string[] = [];
  if (process.env.PG_BINDIR) candidates.push(process.env.PG_BINDIR);
  const fromPgConfig = spawnSync('pg_config', ['--bindir'], { encoding: 'utf8' });
  if (fromPgConfig.status === 0) candidates.push(fromPgConfig.stdout.trim());
  const debian = '/usr/lib/postgresql';
  if (fs.existsSync(debian)) {
    const versions = fs.readdirSync(debian).filter((name) => /^\d+$/.test(name)).sort((a, b) => Number(b) - Number(a));
    candidates.push(...versions.map((version) => path.join(debian, version, 'bin')));
  }
  for (const folder of (process.env.PATH ?? '').split(path.delimiter)) if (folder) candidates.push(folder);
  return candidates.find((folder) => fs.existsSync(path.join(folder, 'initdb')) && fs.existsSync(path.join(folder, 'pg_ctl')));
}

const asRoot = () => process.getuid?.() === 0;

/** Runs a server binary as the user that owns the cluster. */
function runServerCommand(bin: string, command: string, args: string[]): void {
  const file = path.join(bin, command);
  const [program, programArgs] = asRoot() ? ['runuser', ['-u', 'postgres', '--', file, ...args]] : [file, args];
  execFileSync(program, programArgs, { stdio: ['ignore', 'pipe', 'pipe'], timeout: 120_000 });
}

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

/**
 * The run's folder, created by the global setup: readable by the cluster's owner. `at`: that
 * folder instead of a new temporary one (a bench's cluster kept between runs).
 */
export function createServerFolder(at?: string): string {
  const folder = at === undefined ? fs.mkdtempSync(path.join(os.tmpdir(), 'crm-pg-')) : (fs.mkdirSync(at, { recursive: true }), at);
  if (asRoot()) {
    const owner = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
    const group = spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' });
    if (owner.status === 0) fs.chownSync(folder, Number(owner.stdout), Number(group.stdout));
  }
  return folder;
}

/** Stops the server if one runs in the folder, and deletes the folder. Synchronous: also used at exit. */
export function destroyServer(folder: string): void {
  const data = path.join(folder, 'data');
  const bin = serverBinDir();
  if (bin && fs.existsSync(path.join(data, 'postmaster.pid'))) {
    try {
      runServerCommand(bin, 'pg_ctl', ['-D', data, '-m', 'immediate', '-w', 'stop']);
    } catch {
      // Already gone; nothing left to stop.
    }
  }
  fs.rmSync(folder, { recursive: true, force: true });
}

function requireBinDir(): string {
  const bin = serverBinDir();
  if (!bin) {
    throw new Error(
      'PostgreSQL server binaries (initdb, pg_ctl) not found: install the postgresql package (apt-get install -y postgresql) or set PG_BINDIR',
    );
  }
  return bin;
}

async function startServer(folder: string, extraSettings: readonly string[] = []): Promise<ServerInfo> {
  const bin = requireBinDir();
  const data = path.join(folder, 'data');
  const passwordFile = path.join(folder, 'superuser-password');
  const superuserPassword = `su-${Math.random().toString(36).slice(2)}`;
  fs.writeFileSync(passwordFile, superuserPassword, { mode: 0o644 });
  runServerCommand(bin, 'initdb', [
    '-D', data, '-U', SUPERUSER, '--pwfile', passwordFile, '-E', 'UTF8', '--locale', 'C',
    '--auth-local', 'trust', '--auth-host', 'scram-sha-256',
  ]);
  fs.rmSync(passwordFile);
  return launch(bin, folder, superuserPassword, extraSettings);
}

/** pg_ctl start on the folder's initialised cluster, on a free port. */
async function launch(bin: string, folder: string, superuserPassword: string, extraSettings: readonly string[]): Promise<ServerInfo> {
  const data = path.join(folder, 'data');
  const port = await freePort();
  const settings = [
    `-c port=${port}`,
    `-c unix_socket_directories=${folder}`,
    `-c listen_addresses=127.0.0.1`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=100',
    '-c shared_buffers=16MB',
    ...extraSettings.map((setting) => `-c ${setting}`),
  ].join(' ');
  runServerCommand(bin, 'pg_ctl', ['-D', data, '-l', path.join(folder, 'server.log'), '-o', settings, '-w', '-t', '120', 'start']);
  return { socketDir: folder, port, superuser: SUPERUSER, superuserPassword };
}

/**
 * Starts again a cluster that startServerOnce created in `folder` and stopServer stopped (a
 * bench's loaded cluster kept between runs), on a new port; `info` is what startServerOnce
 * returned for it (the superuser's password).
 */
export async function restartServer(folder: string, info: ServerInfo, extraSettings: readonly string[] = []): Promise<ServerInfo> {
  return launch(requireBinDir(), folder, info.superuserPassword, extraSettings);
}

/** Stops the folder's server (a clean shutdown), keeping its data for restartServer. */
export function stopServer(folder: string): void {
  const data = path.join(folder, 'data');
  if (!fs.existsSync(path.join(data, 'postmaster.pid'))) return;
  runServerCommand(requireBinDir(), 'pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '300', 'stop']);
}

/**
 * The run's server, started by whichever test file asks first (the `starting` folder is the
 * lock: mkdir is atomic); the others wait for `ready.json` (or `failed`, with the reason).
 * `extraSettings` (`name=value`) come after the tests' own and win: the bench (test/bench/
 * pg-data.ts) gives a million customers a cache larger than the tests' 16 MB.
 */
export async function startServerOnce(folder: string, extraSettings: readonly string[] = []): Promise<ServerInfo> {
  const ready = path.join(folder, 'ready.json');
  const failed = path.join(folder, 'failed');
  let starter = false;
  try {
    fs.mkdirSync(path.join(folder, 'starting'));
    starter = true;
  } catch {
    // Another test file is starting it.
  }
  if (starter) {
    try {
      const info = await startServer(folder, extraSettings);
      fs.writeFileSync(`${ready}.tmp`, JSON.stringify(info));
      fs.renameSync(`${ready}.tmp`, ready);
      return info;
    } catch (error) {
      const stderr = (error as { stderr?: Buffer }).stderr?.toString() ?? '';
      const reason = `${(error as Error).message}\n${stderr}`;
      fs.writeFileSync(failed, reason);
      throw new Error(`could not start the test PostgreSQL server: ${reason}`);
    }
  }
  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (fs.existsSync(ready)) return JSON.parse(fs.readFileSync(ready, 'utf8')) as ServerInfo;
    if (fs.existsSync(failed)) throw new Error(`could not start the test PostgreSQL server: ${fs.readFileSync(failed, 'utf8')}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error('the test PostgreSQL server was not ready after 180 s');
}
