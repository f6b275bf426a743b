import { sql, type SQL, type SQLWrapper } from 'drizzle-orm';

/** `LIKE` treats % and _ as wildcards; user input is matched literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (char) => `\\${char}`);
}

export function startsWith(column: SQLWrapper, prefix: string): SQL {
  return sql`${column} LIKE ${`${escapeLike(prefix)}%`} ESCAPE '\\'`;
}

/** Case-insensitive (for ASCII, as SQLite's LIKE is) substring match. */
export function containsText(column: SQLWrapper, text: string): SQL {
  return sql`${column} LIKE ${`%${escapeLike(text)}%`} ESCAPE '\\'`;
}

export function equalsIgnoringCase(column: SQLWrapper, text: string): SQL {
  return sql`lower(${column}) = lower(${text})`;
}
