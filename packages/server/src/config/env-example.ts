/**
 * The server's part of `.env.example`, written from the configuration's declaration:
 * `npm run env:example` rewrites it, and a test fails when the file differs. The part
 * above it (the journey's variables) is left as it is.
 */
import { CONFIG_DECLARATION } from '../config.js';
import { type OptionSpec, ROLES, type Requirement, optionsOf } from './declare.js';

/** How the first line of the server's part begins; from that line to the end of the file, all is generated. */
export const SERVER_PART_MARK = '# ── Server (packages/server)';

const WIDTH = 92;

/** The server's part of `.env.example`, from its first line to the end of the file. */
export function renderServerPart(): string {
  const lines: string[] = [
    `${SERVER_PART_MARK}: \`idsvc serve | identity | sidecar | clients | migrate\` ─────`,
    ...comment(
      'Generated from packages/server/src/config.ts by `npm run env:example`: change the declaration there, not these lines. ' +
        'A value shown is the default. "Used by" names the commands that read a variable; ' +
        'each command checks those at start and names every problem it finds, one line each.',
    ),
  ];
  let group: string | undefined;
  for (const { spec, group: title } of optionsOf(CONFIG_DECLARATION)) {
    lines.push('');
    if (title !== undefined && title !== group) lines.push(...comment(`── ${title}`), '');
    if (title === undefined && spec.heading !== undefined) lines.push(...comment(`── ${spec.heading}`), '');
    group = title;
    lines.push(...comment(spec.doc), ...comment(notes(spec)), `# ${spec.variable}=${shownDefault(spec)}`);
  }
  return `${lines.join('\n')}\n`;
}

/**
 * `.env.example` with its server part replaced by {@link renderServerPart}'s.
 * @throws Error when the file has no server part to replace.
 */
export function withServerPart(file: string): string {
  const start = file.startsWith(SERVER_PART_MARK) ? 0 : file.indexOf(`\n${SERVER_PART_MARK}`) + 1;
  if (start === 0 && !file.startsWith(SERVER_PART_MARK)) throw new Error(`.env.example has no line starting "${SERVER_PART_MARK}"`);
  return file.slice(0, start) + renderServerPart();
}

/** Who uses the option, when it is required, and its default when the value line cannot show it. */
function notes(spec: OptionSpec<unknown>): string {
  const parts = [`Used by: ${sorted(spec.roles).join(', ')}.`];
  if (spec.required !== undefined && spec.required.length > 0) {
    parts.push(`Required ${spec.required.map((r) => requiredBy(r, spec)).join('; ')}${spec.flag !== undefined ? ` (or pass ${spec.flag})` : ''}.`);
  }
  if (spec.defaultDoc !== undefined) parts.push(`Default: ${spec.defaultDoc}.`);
  else if (spec.default === undefined) parts.push(`No default${spec.example !== undefined ? ` (e.g. ${spec.example})` : ''}.`);
  return parts.join(' ');
}

function requiredBy(requirement: Requirement, spec: OptionSpec<unknown>): string {
  const words = [`by ${sorted(requirement.roles ?? spec.roles).join(', ')}`];
  if (requirement.mode !== undefined) words.push(`in ${requirement.mode} mode`);
  if (requirement.whenSet !== undefined) words.push(`when ${requirement.whenSet} is set`);
  return words.join(' ');
}

function shownDefault(spec: OptionSpec<unknown>): string {
  if (spec.defaultDoc !== undefined || spec.default === undefined || typeof spec.default === 'function') return '';
  return spec.type.format(spec.default);
}

function sorted(roles: readonly string[]): string[] {
  return ROLES.filter((r) => roles.includes(r));
}

/** `text` as comment lines of at most {@link WIDTH} characters, broken between words. */
function comment(text: string): string[] {
  const lines: string[] = [];
  let line = '#';
  for (const word of text.split(' ')) {
    if (line !== '#' && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = '#';
    }
    line += ` ${word}`;
  }
  lines.push(line);
  return lines;
}
