/**
 * `idsvc clients ...`: client administration from the command line, straight on the
 * database the configuration names (no running server needed). Every command prints JSON.
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import { ClientAdminService } from '../identity/admin/service.js';
import type { RawEnv } from '../config.js';
import { systemClock } from '../lib/clock.js';
import { resolveMasterKey } from '../lib/master-key.js';
import { OAuthError } from '../lib/oauth-error.js';
import { SecretBox } from '../lib/secret-box.js';
import { openDatabase } from '../storage/database.js';
import { migrate } from '../storage/migrate.js';
import { commandConfig, readsHelp } from './command-config.js';

/** Where the commands read configuration and write output; the defaults are the process's. */
export interface ClientCommandsIo {
  /** Environment to configure from. Default: `.env` loaded into `process.env`. */
  env?: RawEnv;
  /** Default: process.stdout. */
  stdout?: (text: string) => void;
  /** Warnings (e.g. the development master key). Default: process.stderr. */
  stderr?: (text: string) => void;
  /** Reads a secret for `--secret-stdin`. Default: all of process.stdin. */
  readSecret?: () => Promise<string>;
}

function list(value: string): string[] {
  return value.split(/[\s,]+/).filter((s) => s !== '');
}

/** `--refresh-grace`: seconds, or `default` for the server's REFRESH_GRACE_SECONDS. */
function refreshGrace(value: string): number | 'default' {
  if (value === 'default') return value;
  if (!/^\d+$/.test(value)) throw new InvalidArgumentError('seconds (an integer), or "default"');
  return Number(value);
}

/** The admin service's form of `--refresh-grace`: `null` for the server's default. */
function graceSeconds(value: number | 'default' | undefined): number | null | undefined {
  return value === 'default' ? null : value;
}

async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
  return Buffer.concat(chunks).toString('utf8').replace(/\r?\n$/, '');
}

/** Register `clients create|list|show|update|rotate-secret|disable` on `program`. */
export function registerClientCommands(program: Command, io: ClientCommandsIo = {}): void {
  const out = io.stdout ?? ((text: string) => void process.stdout.write(text));
  const err = io.stderr ?? ((text: string) => void process.stderr.write(text));
  const readSecret = io.readSecret ?? readStdin;

  /** Open the configured database, run `work` with the admin service, print its result as JSON. */
  const run = async (work: (admin: ClientAdminService) => Promise<unknown>): Promise<void> => {
    const config = commandConfig(io.env, 'clients');
    const db = openDatabase(config);
    const warn = (a: object | string, b?: string): void => err(`warning: ${typeof a === 'string' ? a : (b ?? '')}\n`);
    let box: SecretBox | undefined;
    try {
      await migrate(db);
      const masterKey = await resolveMasterKey(config, { warn });
      box = new SecretBox(masterKey);
      masterKey.fill(0);
      const result = await work(new ClientAdminService({ db, secretBox: box, clock: systemClock }));
      out(`${JSON.stringify(result, null, 2)}\n`);
    } catch (e) {
      // Admin errors carry a public description that is the useful message here.
      if (e instanceof OAuthError) throw new Error(`${e.toBody().error}: ${e.message}`);
      throw e;
    } finally {
      box?.destroy();
      await db.destroy();
    }
  };

  const clients = program
    .command('clients')
    .description('manage registered clients directly in the database (JSON output)')
    .addHelpText('after', readsHelp('clients'));

  clients
    .command('create')
    .description('register a client; its secret is printed once')
    .requiredOption('--name <name>', 'display name')
    .addOption(new Option('--auth-method <method>', 'how it authenticates at token issue').choices(['basic', 'hmac']).makeOptionMandatory())
    .requiredOption('--scopes <scopes>', 'allowed scopes, space- or comma-separated', list)
    .requiredOption('--audiences <audiences>', 'allowed audiences, space- or comma-separated', list)
    .option('--id <clientId>', 'client id (default: generated)')
    .option('--secret-stdin', 'read the secret from stdin instead of generating 256 random bits')
    .option('--refresh-grace <seconds>', 'refresh grace window in seconds, or "default" for REFRESH_GRACE_SECONDS', refreshGrace)
    .action(
      async (opts: { name: string; authMethod: 'basic' | 'hmac'; scopes: string[]; audiences: string[]; id?: string; secretStdin?: boolean; refreshGrace?: number | 'default' }) => {
        const secret = opts.secretStdin === true ? await readSecret() : undefined;
        await run((admin) =>
          admin.create({
            clientId: opts.id,
            name: opts.name,
            authMethod: opts.authMethod,
            scopes: opts.scopes,
            audiences: opts.audiences,
            secret,
            refreshGraceSec: graceSeconds(opts.refreshGrace),
          }),
        );
      },
    );

  clients
    .command('list')
    .description('list every client (no secrets)')
    .action(async () => {
      await run(async (admin) => ({ clients: await admin.list() }));
    });

  clients
    .command('show')
    .description('show one client (no secret)')
    .argument('<clientId>')
    .action(async (clientId: string) => {
      await run((admin) => admin.get(clientId));
    });

  clients
    .command('update')
    .description("change a client's name, scopes, audiences, status or refresh grace window")
    .argument('<clientId>')
    .option('--name <name>', 'new display name')
    .option('--scopes <scopes>', 'new allowed scopes, space- or comma-separated', list)
    .option('--audiences <audiences>', 'new allowed audiences, space- or comma-separated', list)
    .addOption(new Option('--status <status>', 'active or disabled').choices(['active', 'disabled']))
    .option('--refresh-grace <seconds>', 'refresh grace window in seconds, or "default" for REFRESH_GRACE_SECONDS', refreshGrace)
    .action(
      async (clientId: string, opts: { name?: string; scopes?: string[]; audiences?: string[]; status?: 'active' | 'disabled'; refreshGrace?: number | 'default' }) => {
        if (Object.values(opts).every((v) => v === undefined)) {
          throw new Error('nothing to update: give --name, --scopes, --audiences, --status or --refresh-grace');
        }
        const { refreshGrace, ...rest } = opts;
        await run((admin) => admin.update(clientId, { ...rest, refreshGraceSec: graceSeconds(refreshGrace) }));
      },
    );

  clients
    .command('rotate-secret')
    .description("replace a client's secret; the new one is printed once and the old one stops working")
    .argument('<clientId>')
    .option('--secret-stdin', 'read the new secret from stdin instead of generating one')
    .action(async (clientId: string, opts: { secretStdin?: boolean }) => {
      const secret = opts.secretStdin === true ? await readSecret() : undefined;
      await run((admin) => admin.rotateSecret(clientId, secret));
    });

  clients
    .command('disable')
    .description('disable a client: its authentication and its bearers are refused from now on')
    .argument('<clientId>')
    .action(async (clientId: string) => {
      await run((admin) => admin.disable(clientId));
    });
}
