import type { CheckReport } from "../connections/check";
import type { CheckedConnection, ConnectionHealth } from "../connections/model";
import type { ConnectionStore } from "../connections/store";
import { nextCheckAt, nextHealth } from "./rules";

/** What a recorded check did: the health it wrote (or `superseded`: newer credentials or a delete won). */
export type RecordOutcome = { outcome: "recorded"; health: ConnectionHealth; nextCheckAt: string } | { outcome: "superseded" };

/**
 * Records checks (validate and the schedule alike): the section-8 rules applied to the health the
 * check started from, written only for the credentials that were checked.
 */
export function createHealthRecorder(deps: { store: Pick<ConnectionStore, "recordHealth">; intervalSeconds: number }) {
  return {
    async record(checked: CheckedConnection, report: CheckReport): Promise<RecordOutcome> {
      const health = nextHealth(checked.health, report.result);
      const next = nextCheckAt(report.result, health, deps.intervalSeconds, report.retryAfterSeconds);
      const write = { orgId: checked.orgId, id: checked.id, credentialsHash: checked.credentialsHash, health, nextCheckAt: next };
      const outcome = await deps.store.recordHealth(write);
      return outcome === "recorded" ? { outcome, health, nextCheckAt: next } : { outcome };
    },
  };
}

export type HealthRecorder = ReturnType<typeof createHealthRecorder>;
