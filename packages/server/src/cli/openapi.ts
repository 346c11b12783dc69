/** `idsvc openapi`: print (or write) the OpenAPI document of the identity API, admin API and sidecar surface. */
import { writeFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { formatOpenApiDocument, referenceOpenApiDocument } from '../identity/openapi-document.js';

/** Register `openapi` on `program`. */
export function registerOpenApiCommand(program: Command): void {
  program
    .command('openapi')
    .description('print the OpenAPI 3.1 document (the one committed as docs/openapi.json)')
    .option('--out <file>', 'write it to this file instead of standard output')
    .action(async (options: { out?: string }) => {
      const text = formatOpenApiDocument(await referenceOpenApiDocument());
      if (options.out === undefined) process.stdout.write(text);
      else await writeFile(options.out, text, 'utf8');
    });
}
