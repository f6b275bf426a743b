import type { SingleBar } from 'cli-progress';
import type { TransferProgress } from '../services/transfer.js';
import type { Session } from './session.js';

export interface ProgressDisplay {
  /** Undefined without a terminal on stderr, so services skip the bookkeeping entirely. */
  onProgress?: (progress: TransferProgress) => void;
  stop(): void;
}

const PHASE_WORDS: Record<TransferProgress['phase'], string> = {
  read: 'reading',
  write: 'writing',
  export: 'exporting',
};

/**
 * A progress bar on stderr when it is a terminal; nothing at all otherwise (logs stay clean).
 * cli-progress is loaded only then.
 */
export async function progressDisplay(session: Session): Promise<ProgressDisplay> {
  const stderr = session.stderr;
  if (!stderr.isTTY) return { stop: () => {} };
  const { default: cliProgress } = await import('cli-progress');
  let bar: SingleBar | undefined;
  let current = '';
  const stop = () => {
    bar?.stop();
    bar = undefined;
  };
  return {
    onProgress: (progress) => {
      const key = `${progress.phase} ${progress.label}`;
      if (key !== current) {
        stop();
        current = key;
        bar = new cliProgress.SingleBar(
          {
            stream: stderr,
            format: `${PHASE_WORDS[progress.phase]} ${progress.label} [{bar}] {percentage}% {eta_formatted}`,
            clearOnComplete: true,
            hideCursor: true,
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(progress.total ?? 0, 0);
      }
      if (progress.total !== undefined) bar!.setTotal(progress.total);
      bar!.update(progress.done);
    },
    stop,
  };
}
