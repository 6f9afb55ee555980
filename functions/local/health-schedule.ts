import type { HealthRuntime } from "../core/health/runtime";
import { describeError, type Logger } from "../core/logger";

/**
 * `npm start`'s stand-in for the stack's schedule: one sweep (and its checks, in process) every
 * `periodSeconds`, never two at once. The first runs right away: what fell due while the service
 * was stopped is checked at start.
 */
export function startHealthSchedule(runtime: HealthRuntime, opts: { periodSeconds: number; logger?: Logger }) {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();
  const tick = () => {
    running = runtime
      .sweepAndCheck()
      .then((outcomes) => {
        if (outcomes.length > 0) opts.logger?.info("health sweep", { checked: outcomes.filter((o) => o.outcome === "recorded").length, due: outcomes.length });
      })
      .catch((error) => opts.logger?.error("health sweep failed", describeError(error)))
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, opts.periodSeconds * 1000);
      });
  };
  tick();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await running;
    },
  };
}
