/**
 * Terminal colours, off unless wanted: `NO_COLOR` (any non-empty value) always turns them
 * off; otherwise `FORCE_COLOR` (non-empty, not `0`) turns them on; otherwise they follow
 * whether the output is a terminal (and `TERM` is not `dumb`).
 */

/** Whether to colour output written to a stream with this `isTTY`, given the environment. */
export function useColor(env: Record<string, string | undefined>, isTTY: boolean | undefined): boolean {
  if (env.NO_COLOR) return false;
  if (env.FORCE_COLOR !== undefined && env.FORCE_COLOR !== '' && env.FORCE_COLOR !== '0') return true;
  return isTTY === true && env.TERM !== 'dumb';
}

/** Styling functions; each is the identity when colour is off. */
export interface Palette {
  bold(text: string): string;
  dim(text: string): string;
  red(text: string): string;
  green(text: string): string;
  yellow(text: string): string;
  blue(text: string): string;
  cyan(text: string): string;
}

/** The palette for `enabled`. */
export function palette(enabled: boolean): Palette {
  const style =
    (open: number, close: number) =>
    (text: string): string =>
      enabled ? `\u001b[${open}m${text}\u001b[${close}m` : text;
  return {
    bold: style(1, 22),
    dim: style(2, 22),
    red: style(31, 39),
    green: style(32, 39),
    yellow: style(33, 39),
    blue: style(34, 39),
    cyan: style(36, 39),
  };
}
