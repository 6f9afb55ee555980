/** Tiny DOM helpers: elements are built with properties and text nodes, never from HTML strings. */

export const byId = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id);
  if (!el) throw new Error(`#${id} is missing from the page`);
  return el as T;
};

type Attrs = Record<string, string | number | boolean | undefined | null>;
type ChildNode = Node | string | number | null | undefined | false;

/** `h("td", { class: "mono" }, text)`; `true` sets an empty attribute, `false`/`null` leaves it out. */
export function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Attrs = {}, ...children: ChildNode[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    el.setAttribute(name, value === true ? "" : String(value));
  }
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    el.append(typeof child === "object" ? child : String(child));
  }
  return el;
}

export const show = (el: HTMLElement, visible: boolean) => {
  el.hidden = !visible;
};

/** Sets aria-disabled (the control stays focusable so its reason can be read) and the reason. */
export function setDisabledReason(control: HTMLElement, reasonEl: HTMLElement | null, reason: string | undefined) {
  if (reason) control.setAttribute("aria-disabled", "true");
  else control.removeAttribute("aria-disabled");
  if (reasonEl) {
    reasonEl.textContent = reason ?? "";
    reasonEl.hidden = !reason;
  }
}

export const isAriaDisabled = (el: Element) => el.getAttribute("aria-disabled") === "true";

const dateFormat = new Intl.DateTimeFormat(undefined, { year: "numeric", month: "short", day: "numeric" });
const timeFormat = new Intl.DateTimeFormat(undefined, { dateStyle: "medium", timeStyle: "medium" });
export const formatDate = (iso: string) => dateFormat.format(new Date(iso));
export const formatDateTime = (iso: string) => timeFormat.format(new Date(iso));
