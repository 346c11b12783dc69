/**
 * Command-line arguments of `main.ts`.
 */
import { parseArgs } from 'node:util';
import { JOURNEY_VARIABLES } from './config.js';

export interface Args {
  cli: boolean;
  json: boolean;
  help: boolean;
}

/** Parse argv (without node and the script); throws `TypeError` on an unknown option. */
export function parseCommandLine(argv: string[]): Args {
  const { values } = parseArgs({
    args: argv,
    options: {
      cli: { type: 'boolean', default: false },
      json: { type: 'boolean', default: false },
      help: { type: 'boolean', short: 'h', default: false },
    },
    strict: true,
    allowPositionals: false,
  });
  // --json is for machines reading the terminal journey, so it implies --cli.
  return { cli: values.cli || values.json, json: values.json, help: values.help };
}

/** The `--help` text. */
export function usage(): string {
  const vars = JOURNEY_VARIABLES.map(([name, text]) => `  ${name.padEnd(20)}${text}`).join('\n');
  return `Usage: npm start [-- --cli [--json]]
       node packages/journey/dist/main.js [--cli] [--json] [--help]

The 6-step identity journey: session init, token issue, introspection, authenticated
session, refresh with rotation, revocation; then verify: the revoked family is dead
(the step-5 access token is refused). Without SIDECAR_URL the identity API
(:8140) and the sidecar (:8141) start in this process, in development mode, with
SQLite under ./data and the development clients seeded.

Options:
  --cli        run the journey in the terminal instead of serving the web UI (:3506)
  --json       with --cli: print one JSON document (implies --cli)
  -h, --help   show this help

Environment (also read from .env):
${vars}
  NO_COLOR            disable colours (FORCE_COLOR=1 forces them when not a terminal)

Exit status (--cli): 0 when the six steps and verify succeeded, 1 when one failed,
2 on bad usage.
`;
}
