/**
 * `POST /steps/1` … `/steps/6`, `/steps/verify` (step 7, the family check) and
 * `/steps/reset`, each acting on the calling browser's own journey.
 */
import type { FastifyInstance } from 'fastify';
import type { JourneyResolver } from '../app-options.js';
import { PreconditionError, type StepNumber } from '../journey.js';
import type { AnyStepResult } from '../results.js';

const STEP_PATHS: Record<string, StepNumber> = { '1': 1, '2': 2, '3': 3, '4': 4, '5': 5, '6': 6, verify: 7 };

export function registerStepRoutes(app: FastifyInstance, journeyOf: JourneyResolver): void {
  app.post('/steps/reset', async (request, reply) => {
    await journeyOf(request, reply).reset();
    return { success: true, message: 'Journey reset' };
  });

  app.post<{ Params: { step: string } }>('/steps/:step', async (request, reply) => {
    const step = STEP_PATHS[request.params.step];
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
