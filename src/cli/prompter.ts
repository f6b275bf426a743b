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
  /** The same questions drawn without colour or bold: for --no-color and NO_COLOR. */
  plain(): Prompter;
}

const unstyled = (text: string) => text;

/**
 * Inquirer styles with node's styleText, which looks only at NO_COLOR and stdout, never at
 * --no-color: this theme replaces every style it would apply (core, select and confirm).
 */
const PLAIN_THEME = {
  prefix: { idle: '?', done: '✔' },
  spinner: { interval: 80, frames: ['-', '\\', '|', '/'] },
  style: {
    answer: unstyled,
    message: unstyled,
    error: (text: string) => `> ${text}`,
    defaultAnswer: (text: string) => `(${text})`,
    help: unstyled,
    highlight: unstyled,
    key: (text: string) => `<${text}>`,
    disabled: unstyled,
    description: unstyled,
    confirmDefault: unstyled,
    keysHelpTip: (keys: Array<[string, string]>) => keys.map(([key, action]) => `${key} ${action}`).join(' • '),
  },
};

/** Loaded with the first question: most commands never ask one, and inquirer is slow to load. */
const inquirer = () => import('@inquirer/prompts');

/** Prompts are drawn on stderr so that stdout carries only the command's result. */
export function inquirerPrompter(stdin: Readable, stderr: Writable, color = true): Prompter {
  const streams = { input: stdin, output: stderr };
  const theme = color ? {} : { theme: PLAIN_THEME };
  return {
    input: async (question) => (await inquirer()).input({ ...question, ...theme }, streams),
    select: async (question) => (await inquirer()).select({ ...question, ...theme }, streams),
    confirm: async (question) => (await inquirer()).confirm({ ...question, ...theme }, streams),
    editor: async (question) => (await inquirer()).editor({ ...question, ...theme }, streams),
    plain: () => inquirerPrompter(stdin, stderr, false),
  };
}
