import { confirm, editor, input, select } from '@inquirer/prompts';
import type { Readable, Writable } from 'node:stream';

export interface Choice<T> {
  name: string;
  value: T;
}

/** The questions a command may ask; injected so tests can answer them without a terminal. */
export interface Prompter {
  input(question: { message: string; default?: string; required?: boolean; validate?: (value: string) => true | string }): Promise<string>;
  select<T>(question: { message: string; choices: Array<Choice<T>>; default?: T }): Promise<T>;
  confirm(question: { message: string; default?: boolean }): Promise<boolean>;
  editor(question: { message: string; default?: string }): Promise<string>;
}

/** Prompts are drawn on stderr so that stdout carries only the command's result. */
export function inquirerPrompter(stdin: Readable, stderr: Writable): Prompter {
  const streams = { input: stdin, output: stderr };
  return {
    input: (question) => input(question, streams),
    select: (question) => select(question, streams),
    confirm: (question) => confirm(question, streams),
    editor: (question) => editor(question, streams),
  };
}
