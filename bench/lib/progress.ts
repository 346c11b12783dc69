/**
 * The progress display, on stderr so that stdout keeps only the report: one line that
 * rewrites itself on a terminal, one line per step otherwise (CI logs).
 */

/** Where a run reports how far it got. */
export interface Progress {
  /** A new step starts (a load run, a preparation). */
  step(label: string): void;
  /** One more second of the current load run, and the requests answered in it. */
  tick(second: number, ofSeconds: number, answered: number): void;
  /** A line that stays (a warning, a finished step). */
  note(text: string): void;
  /** Clear the live line. */
  done(): void;
}

/** Progress on a stream, numbered against the total number of steps when known. */
export function stderrProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  const live = stream.isTTY === true;
  const started = Date.now();
  let label = '';
  const elapsed = (): string => {
    const s = Math.round((Date.now() - started) / 1000);
    return `${Math.floor(s / 60)}:${String(s % 60).padStart(2, '0')}`;
  };
  const write = (text: string): void => {
    if (live) stream.write(`\r\x1b[2K${text}`);
    else stream.write(`${text}\n`);
  };
  return {
    step(next) {
      label = next;
      write(`[${elapsed()}] ${label}`);
    },
    tick(second, ofSeconds, answered) {
      // Without a terminal only the step lines are written: a line per second is noise in a log.
      if (live) write(`[${elapsed()}] ${label}  ${second}/${ofSeconds} s  ${answered.toLocaleString('en-US')} answers/s`);
    },
    note(text) {
      if (live) stream.write('\r\x1b[2K');
      stream.write(`${text}\n`);
      if (live && label !== '') write(`[${elapsed()}] ${label}`);
    },
    done() {
      if (live) stream.write('\r\x1b[2K');
    },
  };
}
