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
}

/**
 * The health checks on the service's own ports (the same store and "authorize a request to
 * Okta" port as validate): a checker with one per-org limiter for the process, and the sweep.
 */
export function createHealthRuntime(parts: Pick<ServiceParts, "okta" | "store">, opts: HealthRuntimeOptions) {
  const clock = opts.clock ?? (() => new Date());
  const limiter = createOrgLimiter({ concurrency: opts.concurrency });
  const recorder = createHealthRecorder({ store: parts.store, intervalSeconds: opts.intervalSeconds });
  const checker = createHealthChecker({ store: parts.store, okta: parts.okta, recorder, limiter, clock, logger: opts.logger });
  return {
    checker,
    limiter,
    /** One sweep that hands each page of due connections to `dispatch` (the queue, in AWS). */
    sweep: (dispatch: (batch: DueConnection[]) => Promise<void>) => sweepDue({ store: parts.store, dispatch, clock }),
    /** One sweep whose due connections are checked right here (npm start, `npm run health -- --now`). */
    async sweepAndCheck(): Promise<CheckOutcome[]> {
      const due: DueConnection[] = [];
      await sweepDue({ store: parts.store, clock, dispatch: async (batch) => void due.push(...batch) });
      return checker.checkAll(due);
    },
  };
}

export type HealthRuntime = ReturnType<typeof createHealthRuntime>;
