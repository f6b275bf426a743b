/**
 * Up to this many rows to write, `--audit auto` keeps one audit entry per row; above it, one
 * summary entry. Per-row entries made bulk inserts ×2.7-3.5 slower (npm run bench:audit) and
 * the 1M-customer `crm import` ×1.25-1.59 with a 2.5 GB peak (npm run bench): a second or
 * two and a few MB at this size, but minutes and gigabytes on a million-row restore.
 *
 * A module of its own so that `crm import --help` can quote it without loading the CSV code.
 */
export const AUDIT_ROWS_LIMIT = 10_000;
