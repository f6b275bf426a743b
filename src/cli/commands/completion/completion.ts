import { Argument, type Command } from 'commander';
import type { Session } from '../../session.js';
import { completionFor, completionTree, databaseOption, SHELLS, type Completion, type Shell } from './candidates.js';

/**
 * The scripts ask crm itself (`crm __complete -- WORDS...`) what may come next, so completion
 * follows the program's commands, options and data without being regenerated. A single line
 * `:files` asks the shell for its own file-name completion.
 */
const SCRIPTS: Record<Shell, string> = {
  bash: `# crm completion for bash: eval "$(crm completion bash)" in ~/.bashrc
_crm_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]} out
  out=$(crm __complete -- "\${COMP_WORDS[@]:1:COMP_CWORD}" 2>/dev/null) || return
  if [[ $out == ":files" ]]; then
    compopt -o filenames 2>/dev/null
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    return
  fi
  local IFS=$'\\n' candidate
  COMPREPLY=()
  for candidate in $out; do COMPREPLY+=("$(printf '%q' "$candidate")"); done
}
complete -F _crm_complete crm
`,
  zsh: `#compdef crm
# crm completion for zsh: eval "$(crm completion zsh)" in ~/.zshrc (after compinit)
_crm() {
  local out
  out=$(crm __complete -- "\${(@)words[2,CURRENT]}" 2>/dev/null) || return 1
  if [[ $out == ":files" ]]; then
    _files
    return
  fi
  local -a candidates
  candidates=("\${(@f)out}")
  compadd -- "\${candidates[@]}"
}
compdef _crm crm
`,
  fish: `# crm completion for fish: crm completion fish > ~/.config/fish/completions/crm.fish
function __crm_complete
  set -l typed (commandline -opc) (commandline -ct)
  set -l out (crm __complete -- $typed[2..-1] 2>/dev/null)
  if test "$out" = ":files"
    __fish_complete_path (commandline -ct)
    return
  end
  printf '%s\\n' $out
end
complete -c crm -f -a '(__crm_complete)'
`,
};

export function registerCompletion(program: Command, session: Session): void {
  program
    .command('completion')
    .description('print a shell completion script for bash, zsh or fish')
    .addArgument(new Argument('<shell>', 'bash, zsh or fish').choices(SHELLS))
    .addHelpText(
      'after',
      `
Completes commands, options, statuses, channels, table names, and customer, product
and company names from the database (the one --db or CRM_DB names when you press Tab).

Examples:
  $ echo 'eval "$(crm completion bash)"' >> ~/.bashrc
  $ echo 'eval "$(crm completion zsh)"' >> ~/.zshrc      # after compinit
  $ crm completion fish > ~/.config/fish/completions/crm.fish`,
    )
    .action((shell: Shell) => {
      session.out.write(SCRIPTS[shell]);
    });

  program
    .command('__complete', { hidden: true })
    .description('what may come next on a command line (used by the completion scripts)')
    // After `--` every word is an operand, options (--db, --) included, as typed.
    .argument('[words...]', 'after --: the words after crm, the last one being completed')
    .helpOption(false)
    .allowUnknownOption()
    .action((typed: string[]) => runComplete(session, program, typed.length > 0 ? typed : ['']));
}

/**
 * Candidates, one per line; a database that cannot be read offers no names rather than an
 * error. `bin/crm.js` answers the shell from src/cli/complete-fast.ts instead, for a SQLite
 * file; this path serves a team's server (and tests in-process), with the same tree and rules.
 */
export async function runComplete(session: Session, program: Command, typed: string[]): Promise<void> {
  const database = databaseOption(typed);
  if (database !== undefined) session.setGlobals({ db: database });
  const completion: Completion = completionFor(completionTree(program), typed);
  if (completion.kind === 'files') {
    session.out.line(':files');
    return;
  }
  let candidates = completion.words ?? [];
  if (completion.kind === 'names') {
    try {
      const services = await session.services();
      const named = { customer: services.customers, product: services.products, company: services.companies }[completion.of];
      candidates = [...candidates, ...(await named.namesStartingWith(completion.prefix))];
    } catch {
      // The words stand without names.
    }
  }
  for (const candidate of candidates) session.out.line(candidate);
}
