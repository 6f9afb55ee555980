import type { ServiceParts } from "../compose";
import type { DueConnection } from "../connections/store";
import type { Logger } from "../logger";
import { createHealthChecker, type CheckOutcome } from "./checker";
import { createOrgLimiter } from "./limiter";
import { createHealthRecorder } from "./recorder";
import { sweepDue } from "./sweep";

export interface HealthRuntimeOptions {
  intervalSeconds: number;
  concurrency: number;
  logger?: Logger;
  clock?: () => Date;
  /** How often sweeps run: each also takes what falls due before the next one. */
  sweepPeriodSeconds?: number;
}

/** The stack's schedule (infra/health.ts): a sweep every 5 minutes. */
export const AWS_SWEEP_PERIOD_S = 300;

/** Locally, a sweep every quarter interval, at most every 5 minutes. */
const EVERYTHING_S = 100 * 365 * 86_400;

export const localSweepPeriod = (intervalSeconds: number) => Math.max(1, Math.min(AWS_SWEEP_PERIOD_S, Math.floor(intervalSeconds / 4)));

/**
 * The health checks on the service's own ports (the same store and "authorize a request to
 * Okta" port as validate): a checker with one per-org limiter for the process, and the sweep.
 */
export function createHealthRuntime(parts: Pick<ServiceParts, "okta" | "store">, opts: HealthRuntimeOptions) {
  const clock = opts.clock ?? (() => new Date());
  const limiter = createOrgLimiter({ concurrency: opts.concurrency });
  const recorder = createHealthRecorder({ store: parts.store, intervalSeconds: opts.intervalSeconds });
  const lookaheadSeconds = opts.sweepPeriodSeconds ?? 0;
  const checker = createHealthChecker({ store: parts.store, okta: parts.okta, recorder, limiter, clock, logger: opts.logger, lookaheadSeconds });
  return {
    checker,
    limiter,
    /** A connection as stored now (the CLI's table). */
    read: (orgId: string, id: string) => parts.store.getById(orgId, id),
    /** One sweep that hands each page of due connections to `dispatch` (the queue, in AWS). */
    sweep: (dispatch: (batch: DueConnection[]) => Promise<void>) => sweepDue({ store: parts.store, dispatch, clock, lookaheadSeconds }),
    /**
     * One sweep whose due connections are checked right here (npm start, `npm run health`);
     * `all`: every connection of the due index, due or not (`npm run health -- --now`).
     */
    async sweepAndCheck(opts: { all?: boolean } = {}): Promise<(CheckOutcome & { orgId: string })[]> {
      // Each page is checked as soon as it is read: checks overlap the rest of the sweep instead of
      // waiting for its last page. The one limiter keeps every org within its slots and windows.
      const run = checker.startRun({ force: opts.all });
      const ahead = opts.all ? EVERYTHING_S : lookaheadSeconds;
      try {
        await sweepDue({ store: parts.store, clock, lookaheadSeconds: ahead, dispatch: async (page) => run.add(page) });
      } catch (error) {
        // A failed page read still lets the checks already started finish (none is left running).
        await run.finished();
        throw error;
      }
      return run.finished();
    },
  };
}

export type HealthRuntime = ReturnType<typeof createHealthRuntime>;
