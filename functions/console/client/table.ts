import type { AppConnection } from "./api";
import { byId, formatDate, h } from "./dom";
import { bindHealthFilter, healthCell, matchesHealth, type HealthFilter } from "./health";
import { closeMenu, isMenuOpenFor } from "./menu";
import { METHOD_NAMES } from "./service-app";

export type SortKey = "app" | "name" | "method" | "instanceUrl" | "createdAt";
export type SortDir = "ascending" | "descending";

const APP_NAMES: Record<string, string> = { okta: "Okta" };
const LABELS: Record<SortKey, string> = { app: "App", name: "Name", method: "Method", instanceUrl: "Instance URL", createdAt: "Created" };
const PAGE_SIZE_KEY = "oac.pageSize";
const PAGE_SIZES = [10, 25, 50, 100];

const appName = (c: AppConnection) => APP_NAMES[c.app] ?? c.app;
const methodName = (c: AppConnection) => (METHOD_NAMES as Record<string, string>)[c.method] ?? c.method;

function sortValue(c: AppConnection, key: SortKey): string {
  if (key === "app") return appName(c);
  if (key === "method") return methodName(c);
  if (key === "instanceUrl") return c.credentials.instanceUrl;
  return c[key];
}

export interface TableEvents {
  onMenu(button: HTMLButtonElement, connection: AppConnection): void;
  emptyHint(): string;
}

/**
 * The connections list: search (name, app, method), sorting by any column with aria-sort, a page
 * size kept in localStorage, placeholder rows while loading, and the two empty states.
 */
export class ConnectionsTable {
  private items: AppConnection[] = [];
  private loading = false;
  private search = "";
  private sort: { key: SortKey; dir: SortDir } = { key: "name", dir: "ascending" };
  private page = 0;
  private pageSize: number;
  private highlightId: string | undefined;
  private health: HealthFilter = "";
  private readonly resetHealth: () => void;

  constructor(private readonly events: TableEvents) {
    const saved = Number(localStorage.getItem(PAGE_SIZE_KEY));
    this.pageSize = PAGE_SIZES.includes(saved) ? saved : 10;
    const size = byId<HTMLSelectElement>("page-size");
    size.value = String(this.pageSize);
    size.addEventListener("change", () => {
      this.pageSize = Number(size.value);
      localStorage.setItem(PAGE_SIZE_KEY, size.value);
      this.page = 0;
      this.render();
    });
    byId<HTMLInputElement>("search").addEventListener("input", (event) => {
      this.search = (event.target as HTMLInputElement).value;
      this.page = 0;
      this.render();
    });
    for (const button of document.querySelectorAll<HTMLButtonElement>("[data-sort]")) {
      button.addEventListener("click", () => this.sortBy(button.dataset.sort as SortKey));
    }
    this.resetHealth = bindHealthFilter((filter) => {
      this.health = filter;
      this.page = 0;
      this.render();
    });
    byId("page-prev").addEventListener("click", () => this.goto(this.page - 1));
    byId("page-next").addEventListener("click", () => this.goto(this.page + 1));
  }

  setLoading() {
    this.loading = true;
    this.render();
  }

  setItems(items: AppConnection[], highlightId?: string) {
    this.loading = false;
    this.items = items;
    this.highlightId = highlightId;
    if (highlightId) {
      const index = this.visible().findIndex((c) => c.id === highlightId);
      if (index >= 0) this.page = Math.floor(index / this.pageSize);
    }
    this.render();
  }

  find(id: string) {
    return this.items.find((c) => c.id === id);
  }

  menuButton(id: string) {
    return document.querySelector<HTMLButtonElement>(`button[data-menu-for="${CSS.escape(id)}"]`);
  }

  reset() {
    this.items = [];
    this.search = "";
    byId<HTMLInputElement>("search").value = "";
    this.resetHealth();
    this.page = 0;
    this.highlightId = undefined;
  }

  private sortBy(key: SortKey) {
    const dir: SortDir = this.sort.key === key && this.sort.dir === "ascending" ? "descending" : "ascending";
    this.sort = { key, dir };
    this.page = 0;
    byId("sort-status").textContent = `Sorted by ${LABELS[key]}, ${dir}`;
    this.render();
  }

  private goto(page: number) {
    const pages = Math.max(1, Math.ceil(this.visible().length / this.pageSize));
    this.page = Math.min(Math.max(0, page), pages - 1);
    this.render();
  }

  private visible(): AppConnection[] {
    const needle = this.search.trim().toLowerCase();
    const matches = (
      needle
        ? this.items.filter((c) => [c.name, c.app, appName(c), c.method, methodName(c)].some((field) => field.toLowerCase().includes(needle)))
        : [...this.items]
    ).filter((c) => matchesHealth(c, this.health));
    const sign = this.sort.dir === "ascending" ? 1 : -1;
    return matches.sort(
      (a, b) => sign * (sortValue(a, this.sort.key).localeCompare(sortValue(b, this.sort.key)) || a.name.localeCompare(b.name)),
    );
  }

  render() {
    const focusedMenu = (document.activeElement as HTMLElement | null)?.dataset?.menuFor;
    for (const th of document.querySelectorAll<HTMLElement>("th[data-col]")) {
      th.setAttribute("aria-sort", th.dataset.col === this.sort.key ? this.sort.dir : "none");
    }
    const table = byId("connections-table");
    const tbody = byId("rows");
    table.setAttribute("aria-busy", String(this.loading));
    // Placeholders only when there is nothing to show yet; a refresh keeps the rows (and focus).
    if (this.loading && this.items.length === 0) {
      tbody.replaceChildren(...Array.from({ length: 4 }, () => placeholderRow()));
      this.showEmpty(undefined);
      this.renderPager(0);
      return;
    }
    const visible = this.visible();
    const pages = Math.max(1, Math.ceil(visible.length / this.pageSize));
    this.page = Math.min(this.page, pages - 1);
    const slice = visible.slice(this.page * this.pageSize, (this.page + 1) * this.pageSize);
    tbody.replaceChildren(...slice.map((c) => this.row(c)));
    this.showEmpty(
      this.items.length === 0
        ? { title: "No App Connections have been configured", text: this.events.emptyHint() }
        : visible.length === 0
          ? { title: "No App Connections match search", text: "Try another name, app, method or health." }
          : undefined,
    );
    this.renderPager(visible.length);
    if (focusedMenu) this.menuButton(focusedMenu)?.focus();
  }

  private row(c: AppConnection) {
    const menu = h(
      "button",
      {
        type: "button",
        class: "icon-btn row-menu-btn",
        "aria-haspopup": "menu",
        "aria-expanded": "false",
        "aria-controls": "row-menu",
        "aria-label": `Actions for ${c.name}`,
        "data-menu-for": c.id,
      },
      h("span", { "aria-hidden": "true" }, "⋮"),
    );
    menu.addEventListener("click", () => (isMenuOpenFor(menu) ? closeMenu() : this.events.onMenu(menu, c)));
    const descId = `desc-${c.id}`;
    // Long names and URLs are cut with an ellipsis; the whole value is the title (hover) and is
    // shown in full while the cell has focus (it is focusable for that).
    const name = c.description
      ? h(
          "span",
          { class: "name has-desc" },
          h("span", { class: "name-text truncate", tabindex: 0, title: c.name, "aria-describedby": descId }, c.name),
          h("span", { class: "tooltip", role: "tooltip", id: descId }, c.description),
        )
      : h("span", { class: "name" }, h("span", { class: "name-text truncate", tabindex: 0, title: c.name }, c.name));
    const url = c.credentials.instanceUrl;
    return h(
      "tr",
      { "data-id": c.id, class: c.id === this.highlightId ? "row-new" : undefined },
      h("td", { class: "col-app" }, h("span", { class: "app" }, h("img", { src: "/console/okta.svg", alt: "", class: "app-logo", width: 20, height: 20 }), h("span", { class: "app-name" }, appName(c)))),
      h(
        "td",
        { class: "col-name" },
        name,
        c.id === this.highlightId ? h("span", { class: "badge" }, "New") : null,
        // Shown instead of the Instance URL column on phone widths (display: none otherwise).
        h("span", { class: "name-url mono" }, url),
      ),
      h("td", { class: "col-method" }, h("span", { class: "chip" }, methodName(c))),
      h("td", { class: "col-instanceUrl mono" }, h("span", { class: "url-text truncate", tabindex: 0, title: url }, url)),
      h("td", { class: "col-createdAt" }, h("time", { datetime: c.createdAt }, formatDate(c.createdAt))),
      healthCell(c),
      h("td", { class: "col-actions" }, menu),
    );
  }

  private showEmpty(state: { title: string; text: string } | undefined) {
    byId("empty").hidden = !state;
    byId("connections-table").classList.toggle("is-empty", Boolean(state));
    byId("empty-title").textContent = state?.title ?? "";
    byId("empty-text").textContent = state?.text ?? "";
  }

  private renderPager(total: number) {
    const first = total === 0 ? 0 : this.page * this.pageSize + 1;
    const last = Math.min(total, (this.page + 1) * this.pageSize);
    const placeholders = this.loading && this.items.length === 0;
    byId("pager").hidden = !placeholders && total === 0;
    byId("page-range").textContent = placeholders ? "Loading…" : `${first}–${last} of ${total}`;
    byId<HTMLButtonElement>("page-prev").disabled = placeholders || this.page === 0;
    byId<HTMLButtonElement>("page-next").disabled = placeholders || last >= total;
  }
}

function placeholderRow() {
  const bar = (width: string) => h("span", { class: `skeleton ${width}` });
  return h(
    "tr",
    { class: "placeholder-row", "aria-hidden": "true" },
    h("td", {}, bar("w-60")),
    h("td", {}, bar("w-80")),
    h("td", { class: "col-method" }, bar("w-60")),
    h("td", { class: "col-instanceUrl" }, bar("w-80")),
    h("td", { class: "col-createdAt" }, bar("w-60")),
    h("td", { class: "col-health" }, bar("w-60")),
    h("td", {}, ""),
  );
}
