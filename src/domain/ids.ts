/** The first 8 characters of an id: enough to tell records apart on screen, and a valid ref. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}

/**
 * A new random id (a UUID). node:crypto is loaded on the first call rather than imported: loading
 * it costs about 4 ms of CPU, which the commands that only read (most of them) need not pay.
 */
export function newId(): string {
  return process.getBuiltinModule('node:crypto').randomUUID();
}
