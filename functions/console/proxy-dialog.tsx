/**
 * The connection's Okta API proxy: its policy (view; edit for those who may) and a "Try it" GET
 * through the proxy. Filled in by client/proxy-panel.ts.
 */
export function ProxyDialog() {
  return (
    <dialog id="proxy-dialog" class="modal" aria-labelledby="proxy-dialog-title">
      <div class="dialog-head">
        <h2 id="proxy-dialog-title">Okta API proxy</h2>
        <button type="button" class="icon-btn" data-close aria-label="Close">
          ×
        </button>
      </div>
      <p class="lede">
        Callers reach Okta's API through <strong id="proxy-name"></strong> with their own bearer token; the stored token never leaves the service.
      </p>
      <form id="proxy-form" novalidate>
        <div id="proxy-alert" class="dialog-alert" role="alert" hidden></div>
        <div class="field" data-field="proxy-rules">
          <label for="proxy-rules">Policy: allowed calls, one rule per line</label>
          <textarea id="proxy-rules" rows={5} spellcheck={false} aria-describedby="proxy-rules-hint proxy-rules-error"></textarea>
          <p id="proxy-rules-hint" class="hint">
            METHOD /api/v1/path: '*' is one path segment, a final '**' any rest (GET /api/v1/users/**). At most 50 rules; an empty policy allows nothing.
          </p>
          <p id="proxy-rules-error" class="field-error" hidden></p>
          <p id="proxy-rules-reason" class="reason" hidden></p>
        </div>
        <div class="dialog-actions">
          <button type="submit" id="proxy-save" class="btn btn-primary" disabled>
            Save policy
          </button>
        </div>
      </form>
      <form id="proxy-try-form" class="proxy-try" novalidate>
        <div class="field" data-field="proxy-try-path">
          <label for="proxy-try-path">Try it: GET through the proxy</label>
          <input id="proxy-try-path" autocomplete="off" spellcheck={false} value="/api/v1/users?limit=5" aria-describedby="proxy-try-hint" />
          <p id="proxy-try-hint" class="hint">
            An Okta API path; the answer below is Okta's, as the proxy passed it on.
          </p>
          <p id="proxy-try-reason" class="reason" hidden></p>
        </div>
        <div class="dialog-actions">
          <button type="submit" id="proxy-try-send" class="btn btn-ghost">
            Send GET
          </button>
        </div>
        <div id="proxy-try-result" class="proxy-result" role="status" aria-live="polite" hidden>
          <p id="proxy-try-status" class="hint"></p>
          <pre id="proxy-try-body"></pre>
        </div>
      </form>
    </dialog>
  );
}
