/**
 * A name shared by more customers than this is a common name ("John Smith" in a big file),
 * not a likely duplicate: `crm customer duplicates` leaves its group out, and never reads
 * its members. Duplicates by e-mail or phone have no such limit.
 */
export const MAX_NAME_GROUP = 10;
