import { ValidationError } from '../domain/errors.js';
import { CUSTOMER_STATUSES, invalidStatusMessage, type CustomerStatus } from '../domain/vocabulary.js';

type Schemas = typeof import('../domain/schemas.js');

let schemas: Schemas | undefined;

/**
 * zod and the input schemas (src/domain/schemas.ts), loaded by the first service call that
 * validates input rather than imported: loading them cost every command, even a list that
 * validates nothing, about 6 ms of CPU.
 */
export async function loadSchemas(): Promise<Schemas> {
  schemas ??= await import('../domain/schemas.js');
  return schemas;
}

/** statusSchema's check and message, without zod, for the calls that need no other schema. */
export function validStatus(value: unknown): CustomerStatus {
  if ((CUSTOMER_STATUSES as readonly unknown[]).includes(value)) return value as CustomerStatus;
  throw new ValidationError(invalidStatusMessage(value));
}
