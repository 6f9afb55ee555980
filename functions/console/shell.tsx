import type { Child } from "hono/jsx";
import { ProxyDialog } from "./proxy-dialog";
import type { ConsoleRules } from "./rules";
import { MethodSelect, ServiceAppFields } from "./service-app-fields";

/** One labelled control with its hint and its error line, tied together by ids. */
export function Field(props: { id: string; label: string; hint?: string; optional?: boolean; children: Child }) {
  return (
    <div class="field" data-field={props.id}>
      <label for={props.id}>
        {props.label}
        {props.optional ? <span class="optional"> (optional)</span> : null}
      </label>
      {props.children}
      {props.hint ? (
        <p id={`${props.id}-hint`} class="hint">
          {props.hint}
        </p>
      ) : null}
      <p id={`${props.id}-error`} class="field-error" hidden></p>
    </div>
  );
}

export const describedBy = (id: string, hint = true) => (hint ? `${id}-hint ${id}-error` : `${id}-error`);

/** A masked secret input with a show/hide toggle. */
function SecretInput(props: { id: string; placeholder?: string }) {
  return (
    <div class="secret">
      <input
        id={props.id}
        type="password"
        autocomplete="off"
        spellcheck={false}
        placeholder={props.placeholder}
        aria-describedby={describedBy(props.id)}
        required
      />
      <button type="button" class="btn btn-ghost btn-sm" data-toggle-secret={props.id} aria-controls={props.id} aria-pressed="false">
        Show
      </button>
    </div>
  );
}

function Dialog(props: { id: string; title: string; class?: string; children: Child }) {
  return (
    <dialog id={props.id} class={props.class ?? "modal"} aria-labelledby={`${props.id}-title`}>
      <div class="dialog-head">
        <h2 id={`${props.id}-title`}>{props.title}</h2>
        <button type="button" class="icon-btn" data-close aria-label="Close">
          ×
        </button>
      </div>
      {props.children}
    </dialog>
  );
}

/** A connection's fields, the same in the add panel and the edit dialogs (only ids and small details differ). */
const NameField = (props: { id: string; placeholder?: string }) => (
  <Field id={props.id} label="Name" hint="Lowercase letters, numbers and hyphens.">
    <input id={props.id} name="name" autocomplete="off" spellcheck={false} placeholder={props.placeholder} aria-describedby={describedBy(props.id)} required />
  </Field>
);

const DescriptionField = (props: { id: string; rows: number }) => (
  <Field id={props.id} label="Description" optional hint="At most 256 characters.">
    <textarea id={props.id} name="description" rows={props.rows} aria-describedby={describedBy(props.id)}></textarea>
  </Field>
);

const InstanceUrlField = (props: { id: string; hint: string }) => (
  <Field id={props.id} label="Instance URL" hint={props.hint}>
    <input
      id={props.id}
      name="instanceUrl"
      type="url"
      inputmode="url"
      autocomplete="off"
      spellcheck={false}
      placeholder="https://example.okta.com"
      aria-describedby={describedBy(props.id)}
      required
    />
  </Field>
);

/** Cancel, then the form's submit button (disabled until the form is ready). */
const FormActions = (props: { submitId: string; label: string; danger?: boolean }) => (
  <div class="dialog-actions">
    <button type="button" class="btn btn-ghost" data-close>
      Cancel
    </button>
    <button type="submit" id={props.submitId} class={props.danger ? "btn btn-danger" : "btn btn-primary"} disabled>
      {props.label}
    </button>
  </div>
);

/** The 412 explanation and other errors that belong to a dialog rather than to one field. */
const DialogAlert = (props: { id: string }) => <div id={props.id} class="dialog-alert" role="alert" hidden></div>;

function AddPanel() {
  return (
    <Dialog id="add-panel" title="Add Connection" class="panel">
      <section id="add-step-apps" aria-label="Choose an app">
        <p class="lede">Select an app to connect to.</p>
        <div class="field">
          <label for="app-search">Search apps</label>
          <input id="app-search" type="search" autocomplete="off" placeholder="Search apps..." />
        </div>
        <ul id="app-list" class="app-list"></ul>
        <p id="app-list-empty" class="hint" hidden>
          No apps match your search.
        </p>
      </section>
      <form id="add-form" novalidate hidden>
        <button type="button" id="add-back" class="btn btn-link">
          ← Back to apps
        </button>
        <p class="lede">
          <img src="/console/okta.svg" alt="" class="app-logo" width="20" height="20" /> Connect an Okta org with an API token. It is
          checked against Okta, then stored encrypted; it is never shown again.
        </p>
        <p id="add-scope" class="scope-note"></p>
        <NameField id="add-name" placeholder="my-okta-connection" />
        <DescriptionField id="add-description" rows={2} />
        <MethodSelect id="add-method" />
        <InstanceUrlField id="add-instance-url" hint="Your Okta org's API URL, e.g. https://example.okta.com (not the -admin console)." />
        <Field id="add-api-token" label="API Token" hint="Okta admin console → Security → API → Tokens.">
          <SecretInput id="add-api-token" placeholder="00..." />
        </Field>
        <ServiceAppFields prefix="add" keyHint="RSA (2048 bits or more) or EC P-256, as a PKCS#8 PEM. Checked against Okta, stored encrypted, never shown again." />
        <FormActions submitId="add-submit" label="Connect to Okta" />
      </form>
    </Dialog>
  );
}

function EditDialogs() {
  return (
    <>
      <Dialog id="details-dialog" title="Edit details">
        <form id="details-form" novalidate>
          <DialogAlert id="details-alert" />
          <NameField id="details-name" />
          <DescriptionField id="details-description" rows={3} />
          <FormActions submitId="details-submit" label="Save details" />
        </form>
      </Dialog>
      <Dialog id="credentials-dialog" title="Edit credentials">
        <form id="credentials-form" novalidate>
          <DialogAlert id="credentials-alert" />
          <p class="lede">New credentials are checked against Okta before they replace the stored ones.</p>
          <InstanceUrlField id="credentials-instance-url" hint="Your Okta org's API URL, e.g. https://example.okta.com." />
          <Field id="credentials-api-token" label="API Token" hint="Required: the stored token is never shown.">
            <SecretInput id="credentials-api-token" placeholder="00..." />
          </Field>
          <ServiceAppFields prefix="credentials" keyHint="Required: the stored key is never shown. A PKCS#8 PEM, or choose a JWK file." />
          <FormActions submitId="credentials-submit" label="Save credentials" />
        </form>
      </Dialog>
      <Dialog id="delete-dialog" title="Delete connection">
        <form id="delete-form" novalidate>
          <DialogAlert id="delete-alert" />
          <p>
            This permanently deletes <strong id="delete-name"></strong>. Anything that uses it stops working.
          </p>
          <Field id="delete-confirm" label="Type the connection's name to confirm">
            <input id="delete-confirm" autocomplete="off" spellcheck={false} aria-describedby={describedBy("delete-confirm", false)} />
          </Field>
          <FormActions submitId="delete-submit" label="Delete" danger />
        </form>
      </Dialog>
      <Dialog id="validate-dialog" title="Validate connection">
        <div id="validate-result" class="validate-result" role="status" aria-live="polite"></div>
        <div class="dialog-actions">
          <button type="button" class="btn btn-primary" data-close>
            Close
          </button>
        </div>
      </Dialog>
      <dialog id="discard-dialog" class="modal modal-sm" role="alertdialog" aria-labelledby="discard-title" aria-describedby="discard-text">
        <h2 id="discard-title">Discard this connection?</h2>
        <p id="discard-text">What you typed in the form will be lost.</p>
        <div class="dialog-actions">
          <button type="button" id="discard-keep" class="btn btn-ghost">
            Keep editing
          </button>
          <button type="button" id="discard-confirm" class="btn btn-danger">
            Discard
          </button>
        </div>
      </dialog>
    </>
  );
}

const COLUMNS = [
  ["app", "App"],
  ["name", "Name"],
  ["method", "Method"],
  ["instanceUrl", "Instance URL"],
  ["createdAt", "Created"],
] as const;

function ConnectionsView() {
  return (
    <section id="connections-view" aria-labelledby="page-title" hidden>
      <div class="page-head">
        <div>
          <h1 id="page-title">App Connections</h1>
          <p class="lede" id="scope-lede">
            Okta orgs this scope can use.
          </p>
        </div>
        <div class="head-actions">
          <button type="button" id="add-connection" class="btn btn-primary" aria-describedby="add-reason">
            + Add Connection
          </button>
          <p id="add-reason" class="reason" hidden></p>
        </div>
      </div>
      <div class="card">
        <div class="toolbar">
          <label for="search" class="sr-only">
            Search connections
          </label>
          <input id="search" type="search" autocomplete="off" placeholder="Search by name, app or method..." />
          <label for="health-filter" class="sr-only">
            Health
          </label>
          <select id="health-filter">
            <option value="">Any health</option>
            <option value="healthy">Healthy</option>
            <option value="unhealthy">Unhealthy</option>
            <option value="unknown">Unknown</option>
          </select>
        </div>
        <div class="table-wrap">
          <table id="connections-table" aria-labelledby="page-title" aria-describedby="sort-status">
            <thead>
              <tr>
                {COLUMNS.map(([key, label]) => (
                  <th scope="col" class={`col-${key}`} aria-sort="none" data-col={key}>
                    <button type="button" class="sort-btn" data-sort={key}>
                      {label}
                      <span class="sort-icon" aria-hidden="true"></span>
                    </button>
                  </th>
                ))}
                <th scope="col" class="col-health">
                  Health
                </th>
                <th scope="col" class="col-actions">
                  <span class="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody id="rows"></tbody>
          </table>
        </div>
        <div id="empty" class="empty" hidden>
          <img src="/console/okta.svg" alt="" width="40" height="40" />
          <p id="empty-title" class="empty-title"></p>
          <p id="empty-text" class="hint"></p>
        </div>
        <div id="pager" class="pager">
          <label for="page-size">Rows per page</label>
          <select id="page-size">
            {[10, 25, 50, 100].map((n) => (
              <option value={String(n)}>{n}</option>
            ))}
          </select>
          <span id="page-range" class="page-range" aria-live="polite"></span>
          <button type="button" id="page-prev" class="btn btn-ghost btn-sm" aria-label="Previous page">
            ‹ Prev
          </button>
          <button type="button" id="page-next" class="btn btn-ghost btn-sm" aria-label="Next page">
            Next ›
          </button>
        </div>
      </div>
      <p id="sort-status" class="sr-only" aria-live="polite"></p>
    </section>
  );
}

function SignInView() {
  return (
    <section id="signin-view" class="signin" aria-labelledby="signin-title" hidden>
      <div class="card signin-card">
        <h1 id="signin-title">Sign in</h1>
        <p class="lede">
          Paste a bearer token for this service (a JWT from your identity provider, or <code>npm run token</code> locally).
        </p>
        <div id="signin-alert" class="dialog-alert" role="alert" hidden></div>
        <form id="signin-form" novalidate>
          <Field id="signin-token" label="Bearer token" hint="Kept in this browser tab only (sessionStorage). Signing out or closing the tab forgets it.">
            <input id="signin-token" type="password" autocomplete="off" spellcheck={false} aria-describedby={describedBy("signin-token")} required />
          </Field>
          <button type="submit" class="btn btn-primary">
            Sign in
          </button>
        </form>
        <p class="hint">
          Running it locally? <code>npm start</code> prints a one-click sign-in link.
        </p>
      </div>
    </section>
  );
}

/** The console's page: static structure only; /console/app.js fills it in through the public API. */
export function ConsolePage(props: { rules: ConsoleRules; assetVersion: string }) {
  const v = `?v=${props.assetVersion}`;
  return (
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <meta name="color-scheme" content="dark" />
        <title>App Connections · Okta App Connections</title>
        <link rel="icon" href="/console/okta.svg" type="image/svg+xml" />
        <link rel="stylesheet" href={`/console/app.css${v}`} />
        <script type="module" src={`/console/app.js${v}`}></script>
      </head>
      <body data-rules={JSON.stringify(props.rules)}>
        <a class="skip-link" href="#main">
          Skip to content
        </a>
        <header class="topbar">
          <a class="brand" href="/console">
            <img src="/console/okta.svg" alt="" width="22" height="22" />
            <span>Okta App Connections</span>
          </a>
          <div id="session-bar" class="session-bar" hidden>
            <label for="scope-select" class="sr-only">
              Scope
            </label>
            <select id="scope-select"></select>
            <form id="project-form" class="project-form" novalidate hidden>
              <label for="project-input" class="sr-only">
                Open a project by id
              </label>
              <input
                id="project-input"
                list="recent-projects"
                autocomplete="off"
                spellcheck={false}
                placeholder="Open project id…"
                aria-describedby="project-input-error"
              />
              <datalist id="recent-projects"></datalist>
              <button type="submit" class="btn btn-ghost btn-sm">
                Open
              </button>
              <p id="project-input-error" class="field-error" hidden></p>
            </form>
            <span id="whoami" class="whoami"></span>
            <button type="button" id="sign-out" class="btn btn-ghost btn-sm">
              Sign out
            </button>
          </div>
        </header>
        <main id="main" tabindex={-1}>
          <noscript>
            <p class="card">The console needs JavaScript. The API reference is at /docs.</p>
          </noscript>
          <SignInView />
          <ConnectionsView />
        </main>
        <div id="toasts" class="toasts" aria-live="polite"></div>
        <div id="row-menu" class="menu" role="menu" hidden></div>
        <AddPanel />
        <EditDialogs />
        <ProxyDialog />
      </body>
    </html>
  );
}
