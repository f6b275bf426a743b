/**
 * How names, owners and tags are compared: SQLite's lower() and LIKE fold ASCII only, so
 * "ZOË" would never find "Zoë". NFKC makes composed and decomposed accents one text; the
 * upper-then-lower round trip folds what lower-casing alone leaves apart (ß and SS, final
 * and medial sigma). Pure JavaScript, so services and either backend's repositories can use it;
 * the SQLite connection registers it as crm_fold() (src/db/connection.ts).
 */
export function foldCase(text: string): string {
  return text.normalize('NFKC').toUpperCase().toLowerCase().normalize('NFKC');
}
