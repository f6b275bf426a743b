import type { SettingKey } from '../../domain/settings.js';
import type { Setting, SettingsRepository } from '../ports.js';
import { policyRefusal } from './errors.js';
import type { PgSession } from './store.js';

const COLUMNS = 's.key, s.value, s.updated_at';

/** The team's settings (`crm config`), through row-level security: every member reads, managers write. */
export class PgSettingsRepository implements SettingsRepository {
  constructor(private readonly session: PgSession) {}

  async list(): Promise<Setting[]> {
    return this.session.query<Setting>(`SELECT ${COLUMNS} FROM crm.settings AS s ORDER BY s.key COLLATE "C"`);
  }

  async get(key: SettingKey): Promise<Setting | undefined> {
    return (await this.session.query<Setting>(`SELECT ${COLUMNS} FROM crm.settings AS s WHERE s.key = $1`, [key]))[0];
  }

  /** The team is the writer's (crm_assign_team); the key is unique within it. */
  async set(key: SettingKey, value: string, at: string): Promise<Setting> {
    const rows = await this.session.query<Setting>(
      `INSERT INTO crm.settings AS s (key, value, updated_at) VALUES ($1, $2, $3)
       ON CONFLICT (team_id, key) DO UPDATE SET value = excluded.value, updated_at = excluded.updated_at
       RETURNING ${COLUMNS}`,
      [key, value, at],
    );
    if (rows[0]) return rows[0];
    throw policyRefusal('settings', 'write');
  }

  async unset(key: SettingKey): Promise<boolean> {
    const rows = await this.session.query(`DELETE FROM crm.settings AS s WHERE s.key = $1 RETURNING s.key`, [key]);
    if (rows.length > 0) return true;
    if (await this.get(key)) throw policyRefusal('settings', 'delete');
    return false;
  }
}
