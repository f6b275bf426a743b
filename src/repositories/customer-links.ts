/**
 * Tables whose rows belong to one customer and go with it when duplicates are merged
 * (`crm customer merge`), besides interactions, which are immutable and move under their own
 * permit. A table another feature adds takes one line here, as the tags did. The adapters skip
 * a table the database does not have (yet), so the list may name tables of either backend.
 */
export interface CustomerLinkTable {
  table: string;
  /** The column naming the customer. */
  column: string;
  /**
   * The other columns of a unique key that includes the customer: a row the kept customer
   * already has in that key (the same tag) stays with the merged customer and goes with it.
   */
  uniqueWith: readonly string[];
}

export const CUSTOMER_LINK_TABLES: readonly CustomerLinkTable[] = [
  { table: 'customer_external_ids', column: 'customer_id', uniqueWith: [] },
  // A tag the kept customer has already stays with the merged one and is deleted with it.
  { table: 'customer_tags', column: 'customer_id', uniqueWith: ['tag'] },
];
