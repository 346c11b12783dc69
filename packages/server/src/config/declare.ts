/**
 * How configuration is declared and read. `config.ts` declares every option once with
 * {@link option} and {@link group}; from that one declaration come the `Config` type
 * ({@link ConfigOf}), the reading and its problems ({@link readDeclaration}), the rules of
 * each command, and `.env.example` (`env-example.ts`).
 */
import type { ValueType } from './values.js';

/** The commands that read configuration. Each option names the ones that use it. */
export const ROLES = ['serve', 'identity', 'sidecar', 'clients', 'migrate'] as const;

/**
 * Which command the process runs: `serve` (identity API and sidecar in one process),
 * `identity` or `sidecar` (one part apart), `clients` (`idsvc clients ...`) or `migrate`.
 */
export type ProcessRole = (typeof ROLES)[number];

export type Mode = 'development' | 'production';

/** What a rule may look at besides the option's own value. */
export interface RuleContext {
  readonly role: ProcessRole;
  /** `undefined` when MODE itself is not valid: then no rule of a mode applies. */
  readonly mode: Mode | undefined;
  /** Whether the variable was given a (non-empty) value. */
  isSet(variable: string): boolean;
}

/**
 * When an unset option stops a command: for `roles` (default: every role that uses the
 * option), only in `mode` when given, only when `whenSet` is set when given.
 */
export interface Requirement {
  readonly roles?: readonly ProcessRole[];
  readonly mode?: Mode;
  readonly whenSet?: string;
  /** Why, after the word "required": `for a sidecar apart`. */
  readonly reason?: string;
}

/** One option, as declared. */
export interface OptionSpec<T> {
  /** The environment variable. */
  readonly variable: string;
  readonly type: ValueType<T>;
  /** The commands that read it: only these validate it and apply its rules. */
  readonly roles: readonly ProcessRole[];
  /** One line for `.env.example`. */
  readonly doc: string;
  /** The value when unset; a function when it depends on the mode. */
  readonly default?: T | ((context: RuleContext) => T);
  /** How to document a default that is a function, or that formats as nothing. */
  readonly defaultDoc?: string;
  /** An illustration for `.env.example` of an option without a default. */
  readonly example?: string;
  /** Never repeat its value in a message (a secret, or a URL that may carry a password). */
  readonly sensitive?: boolean;
  /** A command-line flag that gives the same value and wins over the variable. */
  readonly flag?: string;
  readonly required?: readonly Requirement[];
  /** A rule about the value beyond its type: the problem, or undefined when it is fine. */
  readonly check?: (value: T, context: RuleContext) => string | undefined;
  /** A title printed above it in `.env.example`, for options outside a group. */
  readonly heading?: string;
}

/** A declared option whose configured value has type `V`. */
export interface Option<V> {
  readonly kind: 'option';
  readonly spec: OptionSpec<unknown>;
  /** Never set: carries `V` for {@link ConfigOf}. */
  readonly value?: V;
}

/** Options read into one object of the configuration, under one title in `.env.example`. */
export interface Group<M extends Members = Members> {
  readonly kind: 'group';
  readonly title: string;
  readonly members: M;
}

/** The options and groups of a group, by their key in the configuration object. */
export type Members = { readonly [key: string]: Option<unknown> | Group };

/** The configuration a declaration produces: groups become read-only objects. */
export type ConfigOf<D> = D extends Option<infer V> ? V : D extends Group<infer M> ? { readonly [K in keyof M]: ConfigOf<M[K]> } : never;

/** The default and the check of an option, which must not decide its type. */
interface WithDefault<T> {
  readonly default: NoInfer<T> | ((context: RuleContext) => NoInfer<T>);
  readonly check?: (value: NoInfer<T>, context: RuleContext) => string | undefined;
}

/** Declare an option with a default: its value is always there. Its type comes from `type` alone. */
export function option<T>(spec: Omit<OptionSpec<T>, 'default' | 'check'> & WithDefault<T>): Option<T>;
/** Declare an option without a default: its value is `undefined` when unset. */
export function option<T>(spec: OptionSpec<T>): Option<T | undefined>;
export function option<T>(spec: OptionSpec<T>): Option<T | undefined> {
  return { kind: 'option', spec: spec as OptionSpec<unknown> };
}

/** Declare options read together into one object. */
export function group<M extends Members>(title: string, members: M): Group<M> {
  return { kind: 'group', title, members };
}

/** Thrown with one line per problem, every problem of the configuration at once. */
export class ConfigError extends Error {
  readonly problems: readonly string[];
  constructor(problems: string[]) {
    super(`invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
    this.problems = problems;
  }
}

/** One option with where its value goes in the configuration object. */
export interface DeclaredOption {
  readonly path: readonly string[];
  readonly spec: OptionSpec<unknown>;
  /** The title of the group it belongs to, if any. */
  readonly group?: string;
}

/** Every option of a declaration, in declaration order. */
export function optionsOf(declaration: Group): DeclaredOption[] {
  const found: DeclaredOption[] = [];
  const walk = (members: Members, path: string[], title: string | undefined): void => {
    for (const [key, member] of Object.entries(members)) {
      if (member.kind === 'option') found.push({ path: [...path, key], spec: member.spec, ...(title !== undefined ? { group: title } : {}) });
      else walk(member.members, [...path, key], member.title);
    }
  };
  walk(declaration.members, [], undefined);
  return found;
}

/** What {@link readDeclaration} reads: the environment, and values given as flags. */
export interface ReadInput {
  env: Record<string, string | undefined>;
  /** Values from command-line flags, by variable; they win over the environment. */
  flags?: Record<string, string | undefined>;
  /** Validate and apply the rules of this command only; `undefined`: validate every option, with the rules of `serve`. */
  role: ProcessRole | undefined;
  /** The variable whose value is the mode. */
  modeVariable: string;
}

/**
 * Read every option of `declaration`, collect every problem in one pass, and throw them
 * together; otherwise return the configuration object, deeply frozen.
 *
 * Empty and blank values count as unset. An option that the command does not use is
 * neither validated nor required: its value is taken when it is valid, its default
 * otherwise, and the command never reads it.
 */
export function readDeclaration<D extends Group>(declaration: D, input: ReadInput): ConfigOf<D> {
  const options = optionsOf(declaration);
  const role = input.role ?? 'serve';
  const validates = (spec: OptionSpec<unknown>): boolean => input.role === undefined || spec.roles.includes(input.role);

  // Pass 1: every value given, where it came from, and what its type makes of it.
  const given = new Map<string, { text: string; from: string; value: unknown }>();
  for (const { spec } of options) {
    const fromFlag = spec.flag !== undefined ? clean(input.flags?.[spec.variable]) : undefined;
    const text = fromFlag ?? clean(input.env[spec.variable]);
    if (text === undefined) continue;
    given.set(spec.variable, { text, from: fromFlag !== undefined ? (spec.flag as string) : spec.variable, value: spec.type.parse(text) });
  }
  const modeValue = given.get(input.modeVariable);
  const context: RuleContext = {
    role,
    mode: modeValue === undefined ? defaultMode(options, input.modeVariable) : (modeValue.value as Mode | undefined),
    isSet: (variable) => given.has(variable),
  };

  // Pass 2: defaults, and the problems of the options this command uses.
  const problems: string[] = [];
  const config: Record<string, unknown> = {};
  for (const { path, spec } of options) {
    const entry = given.get(spec.variable);
    const checked = validates(spec);
    let value = entry?.value;
    if (entry !== undefined && value === undefined && checked) {
      problems.push(`${entry.from}: must be ${spec.type.expects} (got ${spec.sensitive ? describeLength(entry.text) : JSON.stringify(entry.text)})`);
    }
    if (value === undefined) value = typeof spec.default === 'function' ? (spec.default as (c: RuleContext) => unknown)(context) : spec.default;
    if (entry === undefined && checked) {
      const requirement = spec.required?.find((r) => applies(r, spec, context));
      if (requirement !== undefined) problems.push(`${spec.variable}: ${describeRequirement(requirement, spec)}`);
    }
    if (entry?.value !== undefined && checked && spec.check !== undefined) {
      const problem = spec.check(entry.value, context);
      if (problem !== undefined) problems.push(`${entry.from}: ${problem}`);
    }
    setAt(config, path, value);
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config) as ConfigOf<D>;
}

/** Whether `requirement` holds for the command and mode in `context`. */
function applies(requirement: Requirement, spec: OptionSpec<unknown>, context: RuleContext): boolean {
  if (!(requirement.roles ?? spec.roles).includes(context.role)) return false;
  if (requirement.mode !== undefined && context.mode !== requirement.mode) return false;
  return requirement.whenSet === undefined || context.isSet(requirement.whenSet);
}

/** `required in production mode when REDIS_URL is set`, `required for a sidecar apart (or pass --identity-url)`. */
function describeRequirement(requirement: Requirement, spec: OptionSpec<unknown>): string {
  const words = ['required'];
  if (requirement.reason !== undefined) words.push(requirement.reason);
  if (requirement.mode !== undefined) words.push(`in ${requirement.mode} mode`);
  if (requirement.whenSet !== undefined) words.push(`when ${requirement.whenSet} is set`);
  if (spec.flag !== undefined) words.push(`(or pass ${spec.flag})`);
  return words.join(' ');
}

function defaultMode(options: DeclaredOption[], variable: string): Mode | undefined {
  return options.find((o) => o.spec.variable === variable)?.spec.default as Mode | undefined;
}

function clean(value: string | undefined): string | undefined {
  const trimmed = value?.trim();
  return trimmed === undefined || trimmed === '' ? undefined : trimmed;
}

function describeLength(text: string): string {
  return `${text.length} character${text.length === 1 ? '' : 's'}, not shown`;
}

function setAt(target: Record<string, unknown>, path: readonly string[], value: unknown): void {
  let node = target;
  for (const key of path.slice(0, -1)) node = (node[key] ??= {}) as Record<string, unknown>;
  node[path[path.length - 1] as string] = value;
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Buffer.isBuffer(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}
