import { byId, h } from "./dom";

export interface MenuItem {
  label: string;
  /** Why the item is not available; it stays focusable and says so. */
  reason?: string;
  danger?: boolean;
  run: () => void;
}

let openFor: HTMLButtonElement | undefined;

const menu = () => byId("row-menu");
const items = () => [...menu().querySelectorAll<HTMLButtonElement>("[role=menuitem]")];

function focusItem(index: number) {
  const all = items();
  all[(index + all.length) % all.length]?.focus();
}

/** Closes the open menu; focus goes back to its button unless told otherwise. */
export function closeMenu(returnFocus = true) {
  const button = openFor;
  if (!button) return;
  openFor = undefined;
  menu().hidden = true;
  menu().replaceChildren();
  button.setAttribute("aria-expanded", "false");
  if (returnFocus) button.focus();
}

/** An ARIA menu button's menu: arrow keys, Home/End, Escape and Tab, click outside to close. */
export function openMenu(button: HTMLButtonElement, entries: MenuItem[]) {
  closeMenu(false);
  const el = menu();
  el.setAttribute("aria-label", button.getAttribute("aria-label") ?? "Actions");
  entries.forEach((entry, index) => {
    const reasonId = `row-menu-reason-${index}`;
    const item = h(
      "button",
      {
        type: "button",
        role: "menuitem",
        tabindex: -1,
        class: `menu-item${entry.danger ? " danger" : ""}`,
        "aria-disabled": entry.reason ? "true" : undefined,
        "aria-label": entry.reason ? entry.label : undefined,
        "aria-describedby": entry.reason ? reasonId : undefined,
      },
      h("span", { class: "menu-label" }, entry.label),
      entry.reason ? h("span", { class: "menu-reason", id: reasonId }, entry.reason) : null,
    );
    item.addEventListener("click", () => {
      if (entry.reason) return;
      closeMenu();
      entry.run();
    });
    el.append(item);
  });
  // Fixed position under the button (CSSOM, which the page's CSP allows; no style attributes).
  const rect = button.getBoundingClientRect();
  el.hidden = false;
  const width = el.offsetWidth;
  const height = el.offsetHeight;
  const below = rect.bottom + 4 + height <= window.innerHeight;
  el.style.top = `${Math.max(8, below ? rect.bottom + 4 : rect.top - height - 4)}px`;
  el.style.left = `${Math.max(8, Math.min(rect.right - width, window.innerWidth - width - 8))}px`;
  button.setAttribute("aria-expanded", "true");
  openFor = button;
  focusItem(0);
}

export function wireMenu() {
  const el = menu();
  el.addEventListener("keydown", (event) => {
    const all = items();
    const index = all.indexOf(document.activeElement as HTMLButtonElement);
    const keys: Record<string, () => void> = {
      ArrowDown: () => focusItem(index + 1),
      ArrowUp: () => focusItem(index - 1),
      Home: () => focusItem(0),
      End: () => focusItem(all.length - 1),
      Escape: () => closeMenu(),
      Tab: () => closeMenu(),
    };
    const action = keys[event.key];
    if (!action) return;
    event.preventDefault();
    action();
  });
  document.addEventListener("pointerdown", (event) => {
    if (openFor && !el.contains(event.target as Node) && event.target !== openFor) closeMenu(false);
  });
  window.addEventListener("resize", () => closeMenu(false));
  window.addEventListener("scroll", () => closeMenu(false), { capture: true, passive: true });
}

export const isMenuOpenFor = (button: HTMLButtonElement) => openFor === button;
