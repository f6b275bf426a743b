import { Option, type Command } from 'commander';
import { decimalAmount, formatMoney } from '../../../domain/money.js';
import { formatLocalDay, parseInstantOrAgo } from '../../../domain/time.js';
import type { CustomerStatus } from '../../../domain/vocabulary.js';
import type { PipelineReport, PipelineStage } from '../../../services/reports.js';
import { chooseFormat, FORMATS, type Column } from '../../output.js';
import { checkDateOption } from '../../parse.js';
import type { Paint } from '../../paint.js';
import type { Session } from '../../session.js';

export interface PipelineOptions {
  product?: string;
  owner?: string;
  since?: string;
  json?: boolean;
  format?: string;
}

const HELP = `
Customers per stage in pipeline order (archived ones left out), the total, and
the won/lost ratio with the win rate (won / (won + lost)). On a terminal each
stage gets a bar.

With deal values (customer add|edit --value), each stage shows its value, and a
table per currency gives the total, what is open, won and lost, and the forecast:
each stage's value weighted by its probability (crm config list; defaults lead 0.1,
qualified 0.25, proposal 0.5, negotiation 0.75, closed_won 1, closed_lost 0), summed.
Currencies are never added together. --since DATE adds the deals won since then
(by when crm closed them; a customer closed by another program counts from its
last update).

Piped, or with --format csv|tsv, one row per stage (status, count); with deal
values, one row per stage and currency: status, count, probability, currency,
value, weighted (decimal amounts, like 12000.00).

--json: {product_id, owner, stages: [{status, count, probability, values:
[{currency, count, value_minor, weighted_minor, value, weighted}]}], total, open,
won, lost, win_rate, won_lost_ratio, values: [{currency, value_minor, open_minor,
won_minor, lost_minor, forecast_minor, value, open, won, lost, forecast}],
won_since: null | {since, count, values: [{currency, count, value_minor, value}]}}.
*_minor are integers in the currency's minor units (cents); the others are the
same amounts as decimal text; weighted amounts are rounded to the minor unit.

Examples:
  $ crm pipeline
  $ crm pipeline --product "website audit" --owner alice
  $ crm pipeline --since 2026-10-01
  $ crm pipeline --since 90d --json | jq '.won_since'
  $ crm pipeline --format csv > pipeline.csv
  $ crm pipeline --json | jq .win_rate`;

const stageColumns: ReadonlyArray<Column<PipelineStage>> = [
  { header: 'status', value: (stage) => stage.status },
  { header: 'count', value: (stage) => stage.count },
];

interface StageCurrencyRow {
  stage: PipelineStage;
  value?: PipelineStage['values'][number];
}

const stageValueColumns: ReadonlyArray<Column<StageCurrencyRow>> = [
  { header: 'status', value: (row) => row.stage.status },
  { header: 'count', value: (row) => row.stage.count },
  { header: 'probability', value: (row) => row.stage.probability },
  { header: 'currency', value: (row) => row.value?.currency },
  { header: 'value', value: (row) => row.value && decimalAmount(row.value.value_minor, row.value.currency) },
  { header: 'weighted', value: (row) => row.value && decimalAmount(row.value.weighted_minor, row.value.currency) },
];

const BAR_WIDTH = 30;

export function registerPipeline(program: Command, session: Session): void {
  program
    .command('pipeline')
    .description('customers and deal values per pipeline stage, with totals, the won/lost ratio and a weighted forecast')
    .option('--product <ref>', 'only customers of this product')
    .option('--owner <owner>', 'only customers of this owner (case-insensitive)')
    .option('--since <date>', 'also report the deals won since then: a date (2026-10-01) or a duration ago (90d)')
    .addOption(new Option('--format <format>', 'output format (table: aligned lines, bars on a terminal)').choices(FORMATS))
    .option('--json', 'print the report as JSON (same as --format json)')
    .addHelpText('after', HELP)
    .action((options: PipelineOptions) => runPipeline(session, options));
}

export async function runPipeline(session: Session, options: PipelineOptions): Promise<void> {
  const format = chooseFormat(options, session.stdoutIsTTY);
  checkDateOption('--since', options.since, (text) => parseInstantOrAgo(text, session.ctx.clock.now()));
  const report = await (await session.services()).reports.pipeline({ product: options.product, owner: options.owner, since: options.since });
  if (format === 'json') session.out.json(pipelineJson(report));
  else if (format === 'table') renderPipeline(session, report);
  else if (report.values.length === 0) session.out.list(report.stages, stageColumns, format, () => report.stages);
  else {
    const rows = report.stages.flatMap((stage): StageCurrencyRow[] => (stage.values.length ? stage.values.map((value) => ({ stage, value })) : [{ stage }]));
    session.out.list(rows, stageValueColumns, format, () => []);
  }
}

/** The report with each amount also as decimal text, so a script needs no table of currency digits. */
export function pipelineJson(report: PipelineReport): unknown {
  const decimal = (minor: number, currency: string) => decimalAmount(minor, currency);
  return {
    ...report,
    stages: report.stages.map((stage) => ({
      ...stage,
      values: stage.values.map((value) => ({
        ...value,
        value: decimal(value.value_minor, value.currency),
        weighted: decimal(value.weighted_minor, value.currency),
      })),
    })),
    values: report.values.map((total) => ({
      ...total,
      value: decimal(total.value_minor, total.currency),
      open: decimal(total.open_minor, total.currency),
      won: decimal(total.won_minor, total.currency),
      lost: decimal(total.lost_minor, total.currency),
      forecast: decimal(total.forecast_minor, total.currency),
    })),
    won_since: report.won_since && {
      ...report.won_since,
      values: report.won_since.values.map((value) => ({ ...value, value: decimal(value.value_minor, value.currency) })),
    },
  };
}

function paintBar(status: CustomerStatus, bar: string, paint: Paint): string {
  if (status === 'closed_won') return paint.green(bar);
  if (status === 'closed_lost') return paint.red(bar);
  return paint.cyan(bar);
}

function percent(fraction: number): string {
  return `${Math.round(fraction * 100)}%`;
}

/** "12,000.00 EUR, 500.00 USD" for a stage's values (they come in currency order). */
function stageValue(stage: PipelineStage): string {
  return stage.values.map((value) => formatMoney(value.value_minor, value.currency)).join(', ');
}

/** Aligned lines that read well and grep well; bars only when a person is looking. */
function renderPipeline(session: Session, report: PipelineReport): void {
  const { out } = session;
  const paint = out.paint;
  const withValues = report.values.length > 0;
  const labelWidth = Math.max('won/lost'.length, ...report.stages.map((stage) => stage.status.length));
  const countWidth = Math.max(5, String(report.total).length);
  const valueWidth = withValues ? Math.max('value'.length, ...report.stages.map((stage) => stageValue(stage).length)) : 0;
  const largest = Math.max(...report.stages.map((stage) => stage.count));
  // Value and probability columns only when some customer has a value: otherwise they are noise.
  const valueCells = (value: string, probability: string) => (withValues ? `  ${value.padEnd(valueWidth)}  ${probability.padStart(4)}` : '');
  out.line(paint.bold(`${'stage'.padEnd(labelWidth)}  ${'count'.padStart(countWidth)}  ${'share'.padStart(5)}${valueCells('value', 'p')}`));
  for (const stage of report.stages) {
    const share = report.total === 0 ? '-' : percent(stage.count / report.total);
    let line = `${stage.status.padEnd(labelWidth)}  ${String(stage.count).padStart(countWidth)}  ${share.padStart(5)}`;
    line += valueCells(stageValue(stage), percent(stage.probability));
    if (session.stdoutIsTTY && stage.count > 0) {
      const length = Math.max(1, Math.round((stage.count / largest) * BAR_WIDTH));
      line += `  ${paintBar(stage.status, '█'.repeat(length), paint)}`;
    }
    out.line(line.trimEnd());
  }
  out.line(`${'total'.padEnd(labelWidth)}  ${String(report.total).padStart(countWidth)}`);
  const rate = report.win_rate === null ? 'nothing closed yet' : `${percent(report.win_rate)} won`;
  out.line(`${'won/lost'.padEnd(labelWidth)}  ${`${report.won}/${report.lost}`.padStart(countWidth)}  ${rate}`);
  if (withValues) renderCurrencyTotals(session, report);
  if (report.won_since) {
    const { since, count, values } = report.won_since;
    const amounts = values.map((value) => formatMoney(value.value_minor, value.currency)).join(', ');
    out.line();
    out.line(`won since ${formatLocalDay(since)}: ${count} customer${count === 1 ? '' : 's'}${amounts ? `, ${amounts}` : ''}`);
  }
}

/** One line per currency: the whole pipeline's value, what is open, won and lost, and the forecast. */
function renderCurrencyTotals(session: Session, report: PipelineReport): void {
  const { out } = session;
  const headers = ['currency', 'total', 'open', 'won', 'lost', 'forecast'];
  const rows = report.values.map((total) => [
    total.currency,
    ...[total.value_minor, total.open_minor, total.won_minor, total.lost_minor, total.forecast_minor].map((minor) =>
      formatMoney(minor, total.currency).slice(0, -' XXX'.length),
    ),
  ]);
  const widths = headers.map((header, index) => Math.max(header.length, ...rows.map((row) => row[index]!.length)));
  const line = (cells: readonly string[]) => cells.map((cell, index) => (index === 0 ? cell.padEnd(widths[0]!) : cell.padStart(widths[index]!))).join('  ');
  out.line();
  out.line(out.paint.bold(line(headers)));
  for (const row of rows) out.line(line(row));
}
