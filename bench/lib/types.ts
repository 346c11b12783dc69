/**
 * The contract between the bench runner and its suites.
 */

/** Options every suite receives. */
export interface BenchOptions {
  /** Short runs for a smoke check (CI, laptops); figures are noisier. */
  quick: boolean;
  /** Milliseconds each measured task runs in total (after warm-up), split over the rounds. */
  timeMs: number;
  /** How many times the tasks of one comparison run in turn; each keeps its median round. */
  rounds: number;
  /** Milliseconds of warm-up before each measured task. */
  warmupMs: number;
}

/** One measured task. */
export interface Figure {
  name: string;
  /** Operations per second: 1000 / mean latency. */
  opsPerSec: number;
  /** Mean latency in milliseconds. */
  meanMs: number;
  /** 99th percentile latency in milliseconds. */
  p99Ms: number;
  /** Relative margin of error of the mean, in percent (95%). */
  rmePct: number;
  /** Number of samples behind the figure. */
  samples: number;
}

/** A suite: `bench/<name>.ts` exports `name` and `run`. */
export interface BenchSuite {
  /** The suite's name; its results go to `bench/results/<name>.json`. */
  name: string;
  /** Run the benchmarks, print a readable summary, and return the JSON-serialisable results. */
  run(opts: BenchOptions): Promise<unknown>;
}
