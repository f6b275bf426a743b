import type { Command, Option } from 'commander';
import { CUSTOMER_STATUSES, INTERACTION_CHANNELS, TABLE_NAMES } from '../../../domain/vocabulary.js';

export const SHELLS = ['bash', 'zsh', 'fish'] as const;
export type Shell = (typeof SHELLS)[number];

/** Records a ref can name, whose names completion reads from the database. */
export type NamedRecord = 'customer' | 'product' | 'company';

/** What the word being completed can be. */
export type Completion =
  | { kind: 'words'; words: string[] }
  /** The shell's own file-name completion. */
  | { kind: 'files' }
  /** Names from the database (refs by name), after the `words` that may come there too (`crm tag list`). */
  | { kind: 'names'; of: NamedRecord; prefix: string; words?: string[] };

/**
 * The program's commands, options and arguments as plain data: what completion reads. The
 * in-process `crm __complete` takes it from the live commander program; the build writes the
 * same data to a file (src/build/bundle.mjs), so `bin/crm.js` answers a Tab without loading
 * commander or the program (src/cli/complete-fast.ts).
 */
export interface CompletionNode {
  name: string;
  aliases: string[];
  hidden: boolean;
  options: CompletionOption[];
  arguments: CompletionArgument[];
  commands: CompletionNode[];
}

export interface CompletionOption {
  long?: string;
  short?: string;
  takesValue: boolean;
  /** What its value is (its attribute name in kebab case: `company`, `out`, `status`). */
  kind: string;
  choices?: string[];
  hidden: boolean;
}

export interface CompletionArgument {
  kind: string;
  choices?: string[];
  variadic: boolean;
}

const FILE_KINDS = new Set(['db', 'out', 'dir', 'rejects', 'to', 'file']);

function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`);
}

function optionNode(option: Option): CompletionOption {
  return {
    ...(option.long && { long: option.long }),
    ...(option.short && { short: option.short }),
    takesValue: option.required || option.optional,
    kind: kebab(option.attributeName()),
    ...(option.argChoices && { choices: [...option.argChoices] }),
    hidden: option.hidden,
  };
}

/** The tree of a commander program (or command). */
export function completionTree(command: Command): CompletionNode {
  return {
    name: command.name(),
    aliases: command.aliases(),
    // Commander keeps a command's hidden flag private; hidden ones (__complete) are never offered.
    hidden: Boolean((command as Command & { _hidden?: boolean })._hidden),
    options: (command.options as readonly Option[]).map(optionNode),
    arguments: command.registeredArguments.map((argument) => ({
      kind: argument.name(),
      ...(argument.argChoices && { choices: [...argument.argChoices] }),
      variadic: argument.variadic,
    })),
    commands: command.commands.map(completionTree),
  };
}

/** The tables, and for import and export an address book too. */
const TRANSFERABLE = [...TABLE_NAMES, 'vcard'];

function valuesOfKind(kind: string, prefix: string, noun: string | undefined, isArgument = false): Completion {
  switch (kind) {
    case 'status':
      return words(CUSTOMER_STATUSES, prefix);
    case 'channel':
      return words(INTERACTION_CHANNELS, prefix);
    case 'table':
      // `crm watch --table` takes a table; the argument of import and export a vCard file too.
      return words(isArgument ? TRANSFERABLE : TABLE_NAMES, prefix);
    case 'shell':
      return words(SHELLS, prefix);
    case 'customer':
    case 'customer-ref':
    case 'keep':
    case 'other':
      return { kind: 'names', of: 'customer', prefix };
    case 'product':
      return { kind: 'names', of: 'product', prefix };
    case 'company':
      return { kind: 'names', of: 'company', prefix };
    case 'ref':
      // `crm product show <ref>` names a product, `crm company show <ref>` a company; every other <ref> a customer.
      return { kind: 'names', of: noun === 'product' || noun === 'company' ? noun : 'customer', prefix };
    default:
      return FILE_KINDS.has(kind) ? { kind: 'files' } : words([], prefix);
  }
}

function words(candidates: readonly string[], prefix: string): Extract<Completion, { kind: 'words' }> {
  return { kind: 'words', words: candidates.filter((candidate) => candidate.startsWith(prefix)) };
}

/** A command's options, then those of the commands above it (--db, --no-color may come after any subcommand). */
function optionsOf(path: readonly CompletionNode[]): CompletionOption[] {
  const found: CompletionOption[] = [];
  for (const node of [...path].reverse()) {
    for (const option of node.options) if (!found.some((o) => o.long === option.long)) found.push(option);
  }
  return found;
}

/**
 * What may come in the last of `typed` (the words after `crm`, the last one being completed,
 * possibly empty), read from the program's own command tree, so the completions never
 * disagree with what the program accepts.
 */
export function completionFor(program: CompletionNode, typed: readonly string[]): Completion {
  const current = typed.at(-1) ?? '';
  const path: CompletionNode[] = [program];
  let position = 0;
  let awaitingValueOf: CompletionOption | undefined;
  for (const word of typed.slice(0, -1)) {
    if (awaitingValueOf) {
      awaitingValueOf = undefined;
      continue;
    }
    const command = path.at(-1)!;
    if (word.startsWith('-') && word !== '-') {
      const flag = word.split('=')[0]!;
      const option = optionsOf(path).find((o) => o.long === flag || o.short === flag);
      if (option?.takesValue && !word.includes('=')) awaitingValueOf = option;
      continue;
    }
    const sub = position === 0 ? command.commands.find((c) => c.name === word || c.aliases.includes(word)) : undefined;
    if (sub) {
      path.push(sub);
      continue;
    }
    position += 1;
  }
  const command = path.at(-1)!;
  const noun = path.length > 2 ? path.at(-2)!.name : undefined;
  if (awaitingValueOf) {
    if (awaitingValueOf.choices) return words(awaitingValueOf.choices, current);
    return valuesOfKind(awaitingValueOf.kind, current, noun);
  }
  if (current.startsWith('-')) {
    const flags = optionsOf(path).flatMap((option) => (option.hidden || !option.long ? [] : [option.long]));
    return words([...flags, '--help'], current);
  }
  const visible = command.commands.filter((c) => !c.hidden);
  if (visible.length > 0 && position === 0) {
    const subcommands = words(visible.map((c) => c.name), current);
    // `crm tag <customer-ref> add …` beside `crm tag list`: both may come first.
    const first = command.arguments[0];
    const value = first && !first.choices ? valuesOfKind(first.kind, current, noun, true) : undefined;
    return value?.kind === 'names' ? { ...value, words: subcommands.words } : subcommands;
  }
  const parameters = command.arguments;
  const parameter = parameters[Math.min(position, parameters.length - 1)];
  if (!parameter || (position >= parameters.length && !parameter.variadic)) return words([], current);
  if (parameter.choices) return words(parameter.choices, current);
  return valuesOfKind(parameter.kind, current, noun, true);
}

/** `--db FILE` or `--db=FILE` among the words already typed: names come from that database. */
export function databaseOption(typed: readonly string[]): string | undefined {
  const complete = typed.slice(0, -1);
  let found: string | undefined;
  complete.forEach((word, index) => {
    if (word === '--db' && index + 1 < complete.length) found = complete[index + 1];
    else if (word.startsWith('--db=')) found = word.slice('--db='.length);
  });
  return found?.trim() ? found : undefined;
}
