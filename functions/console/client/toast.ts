import { byId, h } from "./dom";

export type ToastKind = "success" | "error" | "info";

/** One message in the corner; errors stay longer and are announced assertively. */
export function toast(message: string, kind: ToastKind = "info") {
  const close = h("button", { type: "button", class: "icon-btn", "aria-label": "Dismiss" }, "×");
  const item = h(
    "div",
    { class: `toast toast-${kind}`, role: kind === "error" ? "alert" : "status" },
    h("span", { class: "toast-dot", "aria-hidden": "true" }),
    h("p", {}, message),
    close,
  );
  const remove = () => item.remove();
  close.addEventListener("click", remove);
  rehomeToasts();
  byId("toasts").append(item);
  setTimeout(remove, kind === "error" ? 12_000 : 6_000);
}

/**
 * A modal dialog makes the rest of the page inert and covers it with its backdrop, so the toast
 * region lives in the topmost open dialog while there is one (and in the body otherwise).
 */
export function rehomeToasts() {
  const region = byId("toasts");
  const host = [...document.querySelectorAll<HTMLDialogElement>("dialog[open]")].at(-1) ?? document.body;
  if (region.parentElement !== host) host.append(region);
}
