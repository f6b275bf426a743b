import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

/** `LIKE` treats % and _ as wildcards; user input is matched literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

export function startsWith(column: SQLWrapper, prefix: string): SQL {
  return sql`${column} LIKE ${`${escapeLike(prefix)}%`} ESCAPE '\\'`;
}

/**
 * Case-insensitive substring match in any script (crm_fold, see foldCase in
 * src/db/connection.ts); instr rather than LIKE, so % and _ in the text are plain characters.
 */
export function containsText(column: SQLWrapper, text: string): SQL {
  return sql`instr(crm_fold(${column}), crm_fold(${text})) > 0`;
}

/** Case-insensitive equality in any script, as refs match names. */
export function equalsIgnoringCase(column: SQLWrapper, text: string): SQL {
  return sql`crm_fold(${column}) = crm_fold(${text})`;
}
