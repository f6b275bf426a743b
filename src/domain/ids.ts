/** The first 8 characters of an id: enough to tell records apart on screen, and a valid ref. */
export function shortId(id: string): string {
  return id.slice(0, 8);
}
