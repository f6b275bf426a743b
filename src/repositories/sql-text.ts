/**
 * Pieces of SQL text both adapters build the same way. The names quoted here come from crm's
 * own table lists and row images, never from users; they are quoted all the same, so that no
 * name can end the identifier early.
 */
export function quotedIdentifier(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** `items` cut into runs of at most `size`: one statement each, under the driver's parameter limits. */
export function inBatches<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let start = 0; start < items.length; start += size) out.push(items.slice(start, start + size));
  return out;
}
