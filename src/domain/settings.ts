import { UsageError, ValidationError } from './errors.js';
import { currencyCode } from './money.js';
import { CUSTOMER_STATUSES, type CustomerStatus } from './vocabulary.js';

/**
 * What `crm config` keeps in the database (the settings table), so that it travels with the
 * data (a backup, an export, a team's server) instead of living in one person's home folder.
 */
export type StageProbabilityKey = `stage.${CustomerStatus}.probability`;
export type SettingKey = 'currency' | StageProbabilityKey;

export const probabilityKey = (status: CustomerStatus): StageProbabilityKey => `stage.${status}.probability`;

export const SETTING_KEYS: readonly SettingKey[] = ['currency', ...CUSTOMER_STATUSES.map(probabilityKey)];

/**
 * The chance that a customer at each stage becomes a won deal, for the weighted forecast
 * (`crm pipeline`). Common CRM defaults; closed stages are certain either way.
 */
export const DEFAULT_PROBABILITIES: Readonly<Record<CustomerStatus, number>> = {
  lead: 0.1,
  qualified: 0.25,
  proposal: 0.5,
  negotiation: 0.75,
  closed_won: 1,
  closed_lost: 0,
};

export const SETTING_DESCRIPTIONS: Readonly<Record<SettingKey, string>> = {
  currency: 'currency of --value amounts given without one (CRM_CURRENCY overrides it)',
  ...(Object.fromEntries(
    CUSTOMER_STATUSES.map((status) => [probabilityKey(status), `probability that a ${status} customer is won (forecast weight)`]),
  ) as Record<StageProbabilityKey, string>),
};

/** The value a key has when nobody set it; none for the currency. */
export function defaultSetting(key: SettingKey): string | null {
  if (key === 'currency') return null;
  return String(DEFAULT_PROBABILITIES[stageOf(key)]);
}

export function stageOf(key: StageProbabilityKey): CustomerStatus {
  return key.slice('stage.'.length, -'.probability'.length) as CustomerStatus;
}

/** Stage words people use for the closed stages. */
const STAGE_ALIASES: Record<string, CustomerStatus> = { won: 'closed_won', lost: 'closed_lost' };

/**
 * A key as typed: case, `-` for `_`, and `won`/`lost` for the closed stages do not matter
 * (`stage.Won.probability` is `stage.closed_won.probability`). Unknown keys are a usage error.
 */
export function parseSettingKey(text: string): SettingKey {
  const typed = text.trim().toLowerCase().replace(/-/g, '_');
  if (typed === 'currency') return 'currency';
  const stage = /^stage\.([a-z_]+)\.probability$/.exec(typed)?.[1];
  const status = stage === undefined ? undefined : (STAGE_ALIASES[stage] ?? CUSTOMER_STATUSES.find((s) => s === stage));
  if (status === undefined) {
    throw new UsageError(`unknown setting "${text.trim()}": use currency or stage.<stage>.probability (${CUSTOMER_STATUSES.join(', ')})`);
  }
  return probabilityKey(status);
}

/** The value in the one form it is stored in: a currency code, or a probability like 0.4 (40% is read too). */
export function canonicalSettingValue(key: SettingKey, text: string): string {
  if (key === 'currency') return currencyCode(text);
  const typed = text.trim();
  const percent = typed.endsWith('%');
  const number = /^\d+(\.\d+)?%?$|^\.\d+%?$/.test(typed) ? Number(percent ? typed.slice(0, -1) : typed) : NaN;
  const probability = percent ? number / 100 : number;
  if (!Number.isFinite(probability) || probability < 0 || probability > 1) {
    throw new ValidationError(`invalid probability "${typed}" for ${key}: use a number from 0 to 1, like 0.4 (or 40%)`);
  }
  // At most 4 decimals: a forecast weight needs no more, and 1/3 has a readable form.
  return String(Math.round(probability * 10_000) / 10_000);
}
