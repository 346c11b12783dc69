/**
 * Feeders of encrypted calls with requests sealed ahead: one slot per session (a session,
 * the plaintext it sends, its extra headers), requests taken from the slots in turn, each
 * sealed with a fresh idempotency key. Every answer's status is checked; one in 32 is
 * opened and its plaintext checked by the scenario.
 */
import { randomBytes } from 'node:crypto';
import { kidFromSessionId, newSessionId } from '@idsvc/protocol';
import { preparedPlan, type LoadPlan } from '../lib/load.js';
import { openAnswer, sealRequest, type ClientSession, type WireRequest } from '../lib/wire.js';
import type { Environment, Feeder } from './types.js';

const SAMPLE_EVERY = 32;

/** What one session sends in a scenario. */
export interface SealedSlot {
  session: ClientSession;
  plaintext: string;
  extra: Record<string, string>;
}

interface SealedRequest extends WireRequest {
  slot: SealedSlot;
}

/**
 * A feeder over `slots`, answering on `path` at `origin`. `checkAnswer` gets the opened
 * answer of sampled requests and returns why it is wrong, or `undefined`.
 */
export function sealedFeeder(origin: string, path: string, slots: SealedSlot[], checkAnswer: (value: unknown, slot: SealedSlot) => string | undefined): Feeder {
  let made = 0;
  const build = (): SealedRequest => {
    const slot = slots[made++ % slots.length] as SealedSlot;
    return { ...sealRequest(slot.session, path, slot.plaintext, slot.extra), slot };
  };
  let answered = 0;
  return {
    plan(expected: number): LoadPlan {
      const prepared = Array.from({ length: expected }, build);
      return preparedPlan(origin, prepared, build, (answer, request, tally) => {
        if (answer.status !== 200) return tally.fail(`HTTP ${answer.status}`);
        if (answered++ % SAMPLE_EVERY !== 0) return tally.ok();
        try {
          const problem = checkAnswer(openAnswer(request.slot.session, answer.body, answer.headers), request.slot);
          tally.sampled();
          if (problem === undefined) tally.ok();
          else tally.fail(problem);
        } catch (err) {
          tally.fail(err instanceof Error ? err.message : String(err));
        }
      });
    },
  };
}

/**
 * Sessions with the ceiling route: the route has one key for every kid, so these are
 * made up locally, one per connection, like the stack's.
 */
export function ceilingSessions(env: Environment, clientId: string): ClientSession[] {
  const ceiling = env.ceiling;
  if (ceiling === undefined) throw new Error('ceiling is not running');
  return Array.from({ length: env.connections }, () => ({ clientId, kid: kidFromSessionId(newSessionId()), key: ceiling.key }));
}

/** The ceiling route echoes the plaintext: a sampled answer must be what was sent. */
export function echoed(value: unknown, slot: SealedSlot): string | undefined {
  return JSON.stringify(value) === slot.plaintext ? undefined : 'the ceiling answered another plaintext';
}

/** A token-shaped string as long as `like`, for ceiling bodies when no stack is running. */
export function tokenLike(like: number): string {
  return randomBytes(Math.ceil((like * 3) / 4)).toString('base64url').slice(0, like);
}
