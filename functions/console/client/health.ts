import type { AppConnection } from "./api";
import { byId, formatDateTime, h } from "./dom";

/** The Health column and its filter (contract section 8): a badge, the reason on hover or focus, the last check. */
export type HealthFilter = "" | AppConnection["health"]["status"];

const LABELS: Record<AppConnection["health"]["status"], string> = { healthy: "Healthy", unhealthy: "Unhealthy", unknown: "Unknown" };
/** The validate dialog's colours: green for healthy, red for unhealthy. */
const TONES: Record<AppConnection["health"]["status"], string> = { healthy: "status-valid", unhealthy: "status-invalid", unknown: "" };

export const matchesHealth = (c: AppConnection, filter: HealthFilter) => filter === "" || c.health.status === filter;

/** Why the badge says what it says: the last check's error (a transient one keeps the status), and when. */
function reason(c: AppConnection): string {
  const { checkedAt, error, lastHealthyAt } = c.health;
  const checked = checkedAt ? `Last checked ${formatDateTime(checkedAt)}.` : "Not checked yet.";
  if (!error) return `${checked} Okta accepted the stored credentials.`;
  const healthy = lastHealthyAt && c.health.status !== "healthy" ? ` Last healthy ${formatDateTime(lastHealthyAt)}.` : "";
  return `${error.error}: ${error.message} ${checked}${healthy}`;
}

export function healthCell(c: AppConnection): HTMLTableCellElement {
  const tipId = `health-${c.id}`;
  const status = c.health.status;
  return h(
    "td",
    { class: "col-health" },
    h(
      "span",
      { class: "health has-desc" },
      h(
        "span",
        { class: `health-badge health-${status} ${TONES[status]}${c.health.error ? " health-with-error" : ""}`, tabindex: 0, "aria-describedby": tipId, "data-health": status },
        h("span", { class: "status-dot", "aria-hidden": "true" }),
        LABELS[status],
      ),
      h("span", { class: "tooltip", role: "tooltip", id: tipId }, reason(c)),
    ),
    c.health.checkedAt ? h("time", { class: "health-checked hint", datetime: c.health.checkedAt }, formatDateTime(c.health.checkedAt)) : null,
  );
}

/** Calls `onChange` with the chosen status whenever the filter changes. */
export function bindHealthFilter(onChange: (filter: HealthFilter) => void) {
  const select = byId<HTMLSelectElement>("health-filter");
  select.addEventListener("change", () => onChange(select.value as HealthFilter));
  return () => void ((select.value = ""), onChange(""));
}
