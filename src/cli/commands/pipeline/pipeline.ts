import { Option, type Command } from 'commander';
import type { CustomerStatus } from '../../../domain/vocabulary.js';
import type { PipelineReport, PipelineStage } from '../../../services/reports.js';
import { chooseFormat, FORMATS, type Column } from '../../output.js';
import type { Paint } from '../../paint.js';
import type { Session } from '../../session.js';

export interface PipelineOptions {
  product?: string;
  owner?: string;
  json?: boolean;
  format?: string;
}

const HELP = `
Customers per stage in pipeline order (archived ones left out), the total, and
the won/lost ratio with the win rate (won / (won + lost)). On a terminal each
stage gets a bar. Piped, or with --format csv|tsv, one row per stage (status,
count) for scripts; --json has the totals and rates too.

Examples:
  $ crm pipeline
  $ crm pipeline --product "website audit" --owner alice
  $ crm pipeline --format csv > pipeline.csv
  $ crm pipeline --json | jq .win_rate`;

const stageColumns: ReadonlyArray<Column<PipelineStage>> = [
  { header: 'status', value: (stage) => stage.status },
  { header: 'count', value: (stage) => stage.count },
];

const BAR_WIDTH = 30;

export function registerPipeline(program: Command, session: Session): void {
  program
    .command('pipeline')
    .description('customers per pipeline stage, with totals and the won/lost ratio')
    .option('--product <ref>', 'only customers of this product')
    .option('--owner <owner>', 'only customers of this owner (case-insensitive)')
    .addOption(new Option('--format <format>', 'output format (table: aligned lines, bars on a terminal)').choices(FORMATS))
    .option('--json', 'print the report as JSON (same as --format json)')
    .addHelpText('after', HELP)
    .action((options: PipelineOptions) => runPipeline(session, options));
}

export async function runPipeline(session: Session, options: PipelineOptions): Promise<void> {
  const format = chooseFormat(options, session.stdoutIsTTY);
  const report = await (await session.services()).reports.pipeline({ product: options.product, owner: options.owner });
  if (format === 'json') session.out.json(report);
  else if (format === 'table') renderPipeline(session, report);
  else session.out.list(report.stages, stageColumns, format, () => report.stages);
}

function paintBar(status: CustomerStatus, bar: string, paint: Paint): string {
  if (status === 'closed_won') return paint.green(bar);
  if (status === 'closed_lost') return paint.red(bar);
  return paint.cyan(bar);
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** Aligned lines that read well and grep well; bars only when a person is looking. */
function renderPipeline(session: Session, report: PipelineReport): void {
  const { out } = session;
  const paint = out.paint;
  const labelWidth = Math.max('won/lost'.length, ...report.stages.map((stage) => stage.status.length));
  const countWidth = Math.max(5, String(report.total).length);
  const largest = Math.max(...report.stages.map((stage) => stage.count));
  out.line(paint.bold(`${'stage'.padEnd(labelWidth)}  ${'count'.padStart(countWidth)}  ${'share'.padStart(5)}`));
  for (const stage of report.stages) {
    const share = report.total === 0 ? '-' : percent(stage.count / report.total);
    let line = `${stage.status.padEnd(labelWidth)}  ${String(stage.count).padStart(countWidth)}  ${share.padStart(5)}`;
    if (session.stdoutIsTTY && stage.count > 0) {
      const length = Math.max(1, Math.round((stage.count / largest) * BAR_WIDTH));
      line += `  ${paintBar(stage.status, '█'.repeat(length), paint)}`;
    }
    out.line(line);
  }
  out.line(`${'total'.padEnd(labelWidth)}  ${String(report.total).padStart(countWidth)}`);
  const rate = report.win_rate === null ? 'nothing closed yet' : `${percent(report.win_rate)} won`;
  out.line(`${'won/lost'.padEnd(labelWidth)}  ${`${report.won}/${report.lost}`.padStart(countWidth)}  ${rate}`);
}
