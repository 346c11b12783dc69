/**
 * How every command gets its configuration: from the environment and `.env`, validated by
 * the rules of the command's role, so that a command asks only for what it uses.
 */
import dotenv from 'dotenv';
import { type Config, type ProcessRole, type RawEnv, loadConfig, variablesOf } from '../config.js';

/**
 * The configuration of a command of `role`. `env` unset means the process's own
 * environment, with `.env` loaded into it first; `flags` are values given on the command line.
 *
 * @throws ConfigError with every problem of the variables the role uses.
 */
export function commandConfig(env: RawEnv | undefined, role: ProcessRole, flags: RawEnv = {}): Config {
  if (env !== undefined) return loadConfig(env, { role, flags });
  dotenv.config({ quiet: true });
  return loadConfig(process.env, { role, flags });
}

/** The `--help` paragraph naming the variables a command reads. */
export function readsHelp(role: ProcessRole): string {
  const words = variablesOf(role);
  const lines: string[] = [];
  let line = '';
  for (const word of words) {
    if (line !== '' && line.length + word.length + 2 > 88) {
      lines.push(`${line},`);
      line = '';
    }
    line = line === '' ? `  ${word}` : `${line}, ${word}`;
  }
  lines.push(line);
  return `\nConfiguration (environment or .env; see .env.example):\n${lines.join('\n')}\n`;
}
