import {
  canonicalSettingValue,
  defaultSetting,
  DEFAULT_PROBABILITIES,
  SETTING_DESCRIPTIONS,
  SETTING_KEYS,
  stageOf,
  type SettingKey,
  type StageProbabilityKey,
} from '../domain/settings.js';
import { nowIso, type Clock } from '../domain/types.js';
import type { CustomerStatus } from '../domain/vocabulary.js';
import type { SettingsRepository, Store } from '../repositories/ports.js';

/** One key as `crm config list|get` shows it (the --json shape). */
export interface ConfigEntry {
  key: SettingKey;
  /** What crm uses: the value set, else the default (null: none). */
  value: string | null;
  /** Whether the value was set (`set`) or is the default (`default`). */
  source: 'set' | 'default';
  default: string | null;
  description: string;
  /** When it was set; null for a default. */
  updated_at: string | null;
}

export interface ConfigChange {
  entry: ConfigEntry;
  changed: boolean;
}

/** `crm config`: settings kept in the database, so they travel with the data (and, on a server, belong to the team). */
export class SettingsService {
  private readonly settings: SettingsRepository;

  constructor(
    private readonly store: Store,
    private readonly clock: Clock,
  ) {
    this.settings = store.repositories.settings;
  }

  async list(): Promise<ConfigEntry[]> {
    const stored = new Map((await this.settings.list()).map((setting) => [setting.key, setting]));
    return SETTING_KEYS.map((key) => entry(key, stored.get(key)));
  }

  async get(key: SettingKey): Promise<ConfigEntry> {
    return entry(key, await this.settings.get(key));
  }

  /** Stores the value in its canonical form; the same value again changes nothing (and logs nothing). */
  set(key: SettingKey, value: string): Promise<ConfigChange> {
    const canonical = canonicalSettingValue(key, value);
    return this.store.write(async () => {
      const current = await this.settings.get(key);
      if (current?.value === canonical) return { entry: entry(key, current), changed: false };
      return { entry: entry(key, await this.settings.set(key, canonical, nowIso(this.clock))), changed: true };
    });
  }

  /** Back to the default. */
  unset(key: SettingKey): Promise<ConfigChange> {
    return this.store.write(async () => ({ changed: await this.settings.unset(key), entry: entry(key, undefined) }));
  }

  /** The default currency of deal values, when one is set. */
  async currency(): Promise<string | undefined> {
    return (await this.settings.get('currency'))?.value;
  }

  /** Each stage's probability for the forecast: the value set, else the default. */
  async probabilities(): Promise<Record<CustomerStatus, number>> {
    const probabilities = { ...DEFAULT_PROBABILITIES };
    for (const setting of await this.settings.list()) {
      if (setting.key === 'currency') continue;
      const value = Number(setting.value);
      // A row written outside crm that the database's check let through but is no number keeps the default.
      if (Number.isFinite(value) && value >= 0 && value <= 1) probabilities[stageOf(setting.key as StageProbabilityKey)] = value;
    }
    return probabilities;
  }
}

function entry(key: SettingKey, stored: { value: string; updated_at: string } | undefined): ConfigEntry {
  const fallback = defaultSetting(key);
  return {
    key,
    value: stored?.value ?? fallback,
    source: stored ? 'set' : 'default',
    default: fallback,
    description: SETTING_DESCRIPTIONS[key],
    updated_at: stored?.updated_at ?? null,
  };
}
