/**
 * `@idsvc/journey` as a library: the web app, the journey state machine and the terminal
 * runner, for embedding the demo elsewhere. The program itself is `main.ts`.
 */
export { createJourneyApp, JOURNEY_COOKIE, PUBLIC_DIR, type JourneyAppOptions } from './app.js';
export { runCli, type CliOptions } from './cli.js';
export {
  loadJourneyConfig,
  JourneyConfigError,
  BASIC_DEFAULTS,
  HMAC_DEFAULTS,
  JOURNEY_VARIABLES,
  type JourneyConfig,
} from './config.js';
export { explain, type Explanation } from './explain.js';
export {
  Journey,
  PreconditionError,
  STEPS,
  VERIFY_NAME,
  stepName,
  type JourneyDeps,
  type JourneyState,
  type StepId,
  type StepNumber,
} from './journey.js';
export type { AnyStepResult, SessionStepResult, StepResult } from './results.js';
export { JourneyStore, type JourneyStoreOptions } from './store.js';
