import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

/** `LIKE` treats % and _ as wildcards; user input is matched literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

export function startsWith(column: SQLWrapper, prefix: string): SQL {
  return sql`${column} LIKE ${`${escapeLike(prefix)}%`} ESCAPE '\\'`;
}

/** Case-insensitive equality in any script, as refs match names. */
export function equalsIgnoringCase(column: SQLWrapper, text: string): SQL {
  return sql`crm_fold(${column}) = crm_fold(${text})`;
}
