/**
 * Runs a whole process the way a user does and measures what the OS saw: wall time, CPU time
 * and peak resident memory (VmHWM, polled from /proc/<pid>/status: the high-water mark only
 * grows, so the last reading before exit is the peak up to a few milliseconds).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';

export interface ProcessMeasure {
  seconds: number;
  /** User + system CPU seconds: less sensitive than wall time to a busy machine. */
  cpuSeconds: number;
  peakRssKb: number;
}

const CLOCK_TICKS = 100;

function readProc(pid: number): { hwmKb: number; cpuSeconds: number } | undefined {
  try {
    const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
    const stat = fs.readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Fields after the command name (which may hold spaces), counted from state = field 3.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return {
      hwmKb: Number(/VmHWM:\s+(\d+)/.exec(status)?.[1] ?? 0),
      cpuSeconds: (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS,
    };
  } catch {
    return undefined; // exited in between
  }
}

export async function measureProcess(
  command: string,
  args: readonly string[],
  options: { stdoutFile?: string; env?: NodeJS.ProcessEnv; pollMs?: number } = {},
): Promise<ProcessMeasure> {
  if (!fs.existsSync('/proc/self/status')) throw new Error('measuring peak memory needs Linux /proc');
  const stdout = options.stdoutFile ? fs.openSync(options.stdoutFile, 'w') : 'ignore';
  const started = process.hrtime.bigint();
  const child = spawn(command, args, { stdio: ['ignore', stdout, 'pipe'], env: options.env ?? process.env });
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  let peakRssKb = 0;
  let cpuSeconds = 0;
  const sample = () => {
    const reading = readProc(child.pid!);
    if (!reading) return;
    peakRssKb = Math.max(peakRssKb, reading.hwmKb);
    cpuSeconds = Math.max(cpuSeconds, reading.cpuSeconds);
  };
  const poll = setInterval(sample, options.pollMs ?? 10);
  const [code] = (await once(child, 'exit')) as [number | null];
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  clearInterval(poll);
  if (typeof stdout === 'number') fs.closeSync(stdout);
  if (code !== 0) throw new Error(`${command} ${args.join(' ')} failed (exit ${code}):\n${stderr}`);
  return { seconds, cpuSeconds, peakRssKb };
}
