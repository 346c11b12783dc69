#!/usr/bin/env node
/**
 * The operator CLI: `idsvc <command>`. Each group of commands lives in its own module.
 */
import { Command } from 'commander';
import { registerClientCommands } from './clients.js';
import { registerOpenApiCommand } from './openapi.js';
import { registerServerCommands } from './serve.js';

const program = new Command()
  .name('idsvc')
  .description('Identity API and encrypting sidecar')
  .showHelpAfterError()
  .configureHelp({ sortSubcommands: true });

registerServerCommands(program);
registerClientCommands(program);
registerOpenApiCommand(program);

program.parseAsync(process.argv).catch((err: unknown) => {
  process.stderr.write(`error: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 1;
});
