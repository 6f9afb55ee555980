import type { RateLimit } from "../okta/transport";

/**
 * Fairness towards each Okta org (one `instanceUrl`): at most `concurrency` checks in flight,
 * nothing before a 429's `Retry-After`, and spacing when `X-Rate-Limit-Remaining` runs low.
 * Orgs are independent: a throttled or slow org never holds back another.
 */
export interface OrgLimiter {
  /** Waits for a slot of `org`; `false` (and no slot) if its window opens later than `maxWaitMs` from now. */
  acquire(org: string, maxWaitMs?: number): Promise<boolean>;
  release(org: string): void;
  /** Waits until `org` may be called (a holder of a slot, right before its request); `false` if that is later than `maxWaitMs` from now. */
  awaitWindow(org: string, maxWaitMs?: number): Promise<boolean>;
  /** Nothing goes to `org` for the next `ms` milliseconds (a 429's `Retry-After`). */
  pauseFor(org: string, ms: number): void;
  /** Okta's rate-limit headers of an answer: paces `org` when few calls are left before the reset. */
  observe(org: string, rateLimit: RateLimit): void;
  /** Milliseconds until `org` may be called again (0: now). */
  waitFor(org: string): number;
  concurrency: number;
}

interface OrgState {
  inFlight: number;
  openAt: number;
  waiters: (() => void)[];
}

/** `now` is wall-clock time (Okta's windows are), not a schedule's clock. */
export function createOrgLimiter(opts: { concurrency: number; now?: () => number; lowRemaining?: number }): OrgLimiter {
  const now = opts.now ?? Date.now;
  const orgs = new Map<string, OrgState>();
  const state = (org: string) => {
    let s = orgs.get(org);
    if (!s) orgs.set(org, (s = { inFlight: 0, openAt: 0, waiters: [] }));
    return s;
  };
  const wakeNext = (s: OrgState) => s.waiters.shift()?.();
  const pauseUntil = (org: string, untilMs: number) => {
    const s = state(org);
    s.openAt = Math.max(s.openAt, untilMs);
  };
  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  const limiter: OrgLimiter = {
    concurrency: opts.concurrency,
    async acquire(org, maxWaitMs = Number.POSITIVE_INFINITY) {
      const s = state(org);
      for (;;) {
        const wait = s.openAt - now();
        if (wait > 0) {
          if (wait > maxWaitMs) return (wakeNext(s), false);
          await sleep(wait);
          continue;
        }
        if (s.inFlight < opts.concurrency) {
          s.inFlight++;
          return true;
        }
        await new Promise<void>((resolve) => s.waiters.push(resolve));
      }
    },
    async awaitWindow(org, maxWaitMs = Number.POSITIVE_INFINITY) {
      const s = state(org);
      for (let wait = s.openAt - now(); wait > 0; wait = s.openAt - now()) {
        if (wait > maxWaitMs) return false;
        await sleep(wait);
      }
      return true;
    },
    release(org) {
      const s = state(org);
      s.inFlight = Math.max(0, s.inFlight - 1);
      wakeNext(s);
    },
    pauseFor(org, ms) {
      pauseUntil(org, now() + ms);
    },
    observe(org, { limit, remaining, resetAt }) {
      const resetMs = resetAt * 1000;
      const low = opts.lowRemaining ?? Math.max(opts.concurrency, Math.ceil(limit * 0.1));
      if (remaining <= 0) return pauseUntil(org, resetMs);
      // Few calls left: spread them until the reset instead of spending them at once.
      if (remaining <= low) pauseUntil(org, now() + Math.max(0, resetMs - now()) / remaining);
    },
    waitFor: (org) => Math.max(0, state(org).openAt - now()),
  };
  return limiter;
}
