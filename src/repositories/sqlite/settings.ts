import { asc, eq } from 'drizzle-orm';
import type { Drizzle } from '../../db/connection.js';
import { settings } from '../../db/schema.js';
import type { SettingKey } from '../../domain/settings.js';
import type { Setting, SettingsRepository } from '../ports.js';

export class SqliteSettingsRepository implements SettingsRepository {
  constructor(private readonly orm: Drizzle) {}

  async list(): Promise<Setting[]> {
    return this.orm.select().from(settings).orderBy(asc(settings.key)).all() as Setting[];
  }

  async get(key: SettingKey): Promise<Setting | undefined> {
    return this.orm.select().from(settings).where(eq(settings.key, key)).get() as Setting | undefined;
  }

  async set(key: SettingKey, value: string, at: string): Promise<Setting> {
    return this.orm
      .insert(settings)
      .values({ key, value, updated_at: at })
      .onConflictDoUpdate({ target: settings.key, set: { value, updated_at: at } })
      .returning()
      .get() as Setting;
  }

  async unset(key: SettingKey): Promise<boolean> {
    return this.orm.delete(settings).where(eq(settings.key, key)).run().changes > 0;
  }
}
