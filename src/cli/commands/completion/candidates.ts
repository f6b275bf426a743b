import type { Command, Option } from 'commander';
import { CUSTOMER_STATUSES, INTERACTION_CHANNELS, TABLE_NAMES } from '../../../domain/vocabulary.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** What the word being completed can be. */
export type Completion =
  | { kind: 'words'; words: string[] }
  /** The shell's own file-name completion. */
  | { kind: 'files' }
  /** Names from the database (refs by name). */
  | { kind: 'names'; of: 'customer' | 'product'; prefix: string };

const FILE_OPTIONS = new Set(['db', 'out', 'dir', 'rejects', 'to']);
const FILE_ARGUMENTS = new Set(['file']);

function valuesOfKind(kind: string, prefix: string, noun: string | undefined): Completion {
  switch (kind) {
    case 'status':
      return words(CUSTOMER_STATUSES, prefix);
    case 'channel':
      return words(INTERACTION_CHANNELS, prefix);
    case 'table':
      return words(TABLE_NAMES, prefix);
    case 'shell':
      return words(SHELLS, prefix);
    case 'customer':
    case 'customer-ref':
      return { kind: 'names', of: 'customer', prefix };
    case 'product':
      return { kind: 'names', of: 'product', prefix };
    case 'ref':
      // `crm product show <ref>` names a product; every other <ref> a customer.
      return { kind: 'names', of: noun === 'product' ? 'product' : 'customer', prefix };
    default:
      return FILE_ARGUMENTS.has(kind) || FILE_OPTIONS.has(kind) ? { kind: 'files' } : words([], prefix);
  }
}

function words(candidates: readonly string[], prefix: string): Completion {
  return { kind: 'words', words: candidates.filter((candidate) => candidate.startsWith(prefix)) };
}

function optionsOf(command: Command): Option[] {
  const own = command.options as readonly Option[];
  const parent = command.parent;
  // Options of the root (--db, --no-color) may be given after any subcommand too.
  return parent ? [...own, ...optionsOf(parent).filter((option) => !own.some((o) => o.long === option.long))] : [...own];
}

function findOption(command: Command, word: string): Option | undefined {
  return optionsOf(command).find((option) => option.long === word || option.short === word);
}

function optionKind(option: Option): string {
  return option.attributeName().replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

/**
 * What may come in the last of `typed` (the words after `crm`, the last one being completed,
 * possibly empty), read from the program's own command tree, so the completions never
 * disagree with what the program accepts.
 */
export function completionFor(program: Command, typed: readonly string[]): Completion {
  const current = typed.at(-1) ?? '';
  let command = program;
  let position = 0;
  let awaitingValueOf: Option | undefined;
  for (const word of typed.slice(0, -1)) {
    if (awaitingValueOf) {
      awaitingValueOf = undefined;
      continue;
    }
    if (word.startsWith('-') && word !== '-') {
      const option = findOption(command, word.split('=')[0]!);
      if (option && (option.required || option.optional) && !word.includes('=')) awaitingValueOf = option;
      continue;
    }
    const sub = position === 0 ? command.commands.find((c) => c.name() === word || c.aliases().includes(word)) : undefined;
    if (sub) {
      command = sub;
      continue;
    }
    position += 1;
  }
  const noun = command.parent && command.parent !== program ? command.parent.name() : undefined;
  if (awaitingValueOf) {
    if (awaitingValueOf.argChoices) return words(awaitingValueOf.argChoices, current);
    return valuesOfKind(optionKind(awaitingValueOf), current, noun);
  }
  if (current.startsWith('-')) {
    const flags = optionsOf(command).flatMap((option) => (option.hidden || !option.long ? [] : [option.long]));
    return words([...flags, '--help'], current);
  }
  // Commander keeps a command's hidden flag private; hidden ones (__complete) are never offered.
  const visible = command.commands.filter((c) => !(c as Command & { _hidden?: boolean })._hidden);
  if (visible.length > 0 && position === 0) return words(visible.map((c) => c.name()), current);
  const parameters = command.registeredArguments;
  const parameter = parameters[Math.min(position, parameters.length - 1)];
  if (!parameter || (position >= parameters.length && !parameter.variadic)) return words([], current);
  if (parameter.argChoices) return words(parameter.argChoices, current);
  return valuesOfKind(parameter.name(), current, noun);
}
