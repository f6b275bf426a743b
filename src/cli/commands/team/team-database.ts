import { UsageError } from '../../../domain/errors.js';
import { loadedServices } from '../../layers.js';
import type { Session } from '../../session.js';

/** Refused before any file is opened: a SQLite file has no members, and none would be created. */
export function requireTeamDatabase(session: Session): void {
  if (!session.onServer) throw new UsageError(loadedServices().noTeamsMessage(session.databasePath));
}

/** `team "Acme Consulting"`, as messages name it. */
export function teamLabel(name: string): string {
  return `team "${name}"`;
}
