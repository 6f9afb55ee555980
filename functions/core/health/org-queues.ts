import type { CheckedConnection } from "../connections/model";

interface OrgQueue {
  waiting: CheckedConnection[];
  workers: number;
}

/**
 * One queue of connections per Okta org (`instanceUrl`), each worked by at most `concurrency`
 * workers, which start as connections arrive: a slow or throttled org holds back only its own.
 * `onStart` hears of each connection that leaves its queue for its check.
 */
export function createOrgQueues(check: (record: CheckedConnection) => Promise<void>, concurrency: number, onStart: () => void) {
  const queues = new Map<string, OrgQueue>();
  const running = new Set<Promise<void>>();
  const work = async (org: string, queue: OrgQueue) => {
    for (let record = queue.waiting.shift(); record; record = queue.waiting.shift()) {
      onStart();
      await check(record);
    }
    // Only orgs with work keep a queue: the read-ahead's shares are split among them.
    if (--queue.workers === 0) queues.delete(org);
  };
  return {
    push(record: CheckedConnection) {
      const org = record.instanceUrl;
      let queue = queues.get(org);
      if (!queue) queues.set(org, (queue = { waiting: [], workers: 0 }));
      queue.waiting.push(record);
      if (queue.workers >= concurrency) return;
      queue.workers++;
      const worker = work(org, queue).finally(() => running.delete(worker));
      running.add(worker);
    },
    /**
     * The connections waiting for a check, as a read-ahead of `budget` counts them: `counted` only
     * those of orgs that may be called now (a paused org's backlog is no work for now), and of each
     * org at most twice its even share of the budget, so one slow org cannot stop the reading
     * alone; `held`, every one of them (what the run holds in memory).
     */
    waiting(budget: number, isOpen: (org: string) => boolean): { counted: number; held: number } {
      const share = Math.ceil((2 * budget) / Math.max(queues.size + 1, 4));
      let counted = 0;
      let held = 0;
      for (const [org, queue] of queues) {
        held += queue.waiting.length;
        if (isOpen(org)) counted += Math.min(queue.waiting.length, share);
      }
      return { counted, held };
    },
    /** Resolves when every pushed connection is checked. */
    async drained() {
      while (running.size > 0) await Promise.all(running);
    },
  };
}
