/**
 * `POST /steps/1` … `/steps/6`, `/steps/verify` (the check that the family is dead) and
 * `/steps/reset`, and `GET /steps` (where the journey stands), each acting on the
 * caller's journey: its own by cookie, or the shared one without a cookie.
 */
import type { FastifyInstance } from 'fastify';
import type { JourneyResolver } from '../app-options.js';
import { PreconditionError, type JourneyState, type StepId } from '../journey.js';
import type { AnyStepResult } from '../results.js';

// A Map, not an object: `/steps/constructor` must not find Object.prototype's members.
const STEP_PATHS = new Map<string, StepId>([
  ['1', 1],
  ['2', 2],
  ['3', 3],
  ['4', 4],
  ['5', 5],
  ['6', 6],
  ['verify', 'verify'],
]);

export function registerStepRoutes(app: FastifyInstance, journeyOf: JourneyResolver): void {
  // What the UI reads on load, so a reload shows the journey as the server has it.
  app.get('/steps', async (request, reply): Promise<JourneyState> => journeyOf(request, reply).state());

  app.post('/steps/reset', async (request, reply) => {
    await journeyOf(request, reply).reset();
    return { success: true, message: 'Journey reset' };
  });

  app.post<{ Params: { step: string } }>('/steps/:step', async (request, reply) => {
    const step = STEP_PATHS.get(request.params.step);
    if (step === undefined) {
      return reply.code(404).send({ error: 'not_found', error_description: 'Steps are 1 to 6, verify and reset.' });
    }
    try {
      const result = await journeyOf(request, reply).run(step);
      return reply.code(httpStatusOf(result)).send(result);
    } catch (err) {
      if (!(err instanceof PreconditionError)) throw err;
      return reply.code(400).send({
        error: 'step_out_of_order',
        error_description: err.message,
        step,
        success: false,
      });
    }
  });
}

/**
 * A step that ran answers 200 whether it succeeded or not (the result says which); a
 * sidecar that cannot be reached is a 502, one that does not answer in time a 504.
 */
function httpStatusOf(result: AnyStepResult): number {
  if (result.errorCode === 'network_error') return 502;
  if (result.errorCode === 'timeout') return 504;
  return 200;
}
