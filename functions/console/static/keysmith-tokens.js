// <keysmith-tokens>: a person's API keys (an admin: the tenant's), managed through Keysmith's API.
//
//   <script src="https://API/console/keysmith-tokens.js"></script>
//   <keysmith-tokens api-base="https://API" scopes="read,write"></keysmith-tokens>
//   element.getToken = async () => sessionToken;   // called before every request
//
// Attributes: api-base (default: this page's origin), scopes (the scopes a new key may carry,
// comma-separated; default "read,write"), admin (present: show the owner column and filters).
// Events: "keysmith-unauthenticated" when the API answers 401 (the token expired or was refused).
// The element never writes anything to storage, cookies or the URL; a new key's plaintext lives
// only in the copy-once dialog and leaves the DOM when that dialog closes.
(() => {
  "use strict";

  const SCRIPT_URL = document.currentScript ? document.currentScript.src : location.href;
  const STYLESHEET = "__KEYSMITH_TOKENS_CSS__"; // functions/console/app.py writes the hashed stylesheet's name here at cold start
  const PAGE_SIZE = 20;
  const STATUS_TEXT = { active: "Active", suspended: "Suspended", revoked: "Revoked", expired: "Expired" };
  const STATUS_MARK = { active: "●", suspended: "❚❚", revoked: "✕", expired: "⌛" };
  const EXPIRY_CHOICES = [
    ["", "Never"],
    ["604800", "In 7 days"],
    ["2592000", "In 30 days"],
    ["7776000", "In 90 days"],
    ["31536000", "In 1 year"],
  ];
  const FORMAT_CHOICES = [
    ["", "The deployment's default"],
    ["opaque", "Opaque key"],
    ["jwt", "JWT (can also be checked offline)"],
  ];
  const GRACE_CHOICES = [
    [0, "Now: the old key stops working at once"],
    [3600, "In 1 hour"],
    [86400, "In 24 hours"],
    [604800, "In 7 days"],
  ];
  const FIELD_LABELS = {
    "/name": "Name",
    "/description": "Description",
    "/scopes": "Scopes",
    "/expires_in_seconds": "Expiry",
    "/expires_at": "Expiry",
    "/environment_id": "Environment",
    "/format": "Format",
    "/service_account_id": "Service account",
    "/grace_period_seconds": "Grace period",
    "/status": "Status filter",
    "/owner_type": "Owner type filter",
    "/owner_id": "Owner filter",
    "/cursor": "Page",
  };

  let sequence = 0;
  const uid = (stem) => `ks-${stem}-${++sequence}`;

  // A small DOM builder: text is always set as text, never parsed as HTML.
  function h(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      if (name.startsWith("on")) node.addEventListener(name.slice(2), value);
      else if (name === "text") node.textContent = value;
      else if (name in node && name !== "list" && name !== "form") node[name] = value;
      else node.setAttribute(name, value === true ? "" : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined || child === false) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function when(value) {
    if (!value) return null;
    const date = new Date(value);
    if (Number.isNaN(date.getTime())) return value;
    return `${date.toISOString().slice(0, 16).replace("T", " ")} UTC`;
  }

  function timeCell(value, empty) {
    return value ? h("time", { datetime: value, text: when(value) }) : empty;
  }

  class ApiProblem extends Error {
    constructor(status, body) {
      const problem = body && typeof body === "object" ? body : {};
      super(problem.detail || `The API answered ${status}.`);
      this.status = status;
      this.title = problem.title || `Error ${status}`;
      this.detail = problem.detail || (status === 0 ? "" : `The API answered ${status}.`);
      this.errors = Array.isArray(problem.errors) ? problem.errors : [];
      this.requestId = problem.request_id || null;
    }
  }

  // The words a person reads for a problem+json answer: "Title: detail", then each field error.
  function problemText(problem) {
    const lines = [problem.detail ? `${problem.title}: ${problem.detail}` : problem.title];
    for (const error of problem.errors) {
      const pointer = String(error.pointer || "");
      const field = FIELD_LABELS[pointer] || FIELD_LABELS[pointer.replace(/\/\d+$/, "")] || pointer || "Request";
      lines.push(`${field}: ${error.detail}`);
    }
    return lines;
  }

  class KeysmithTokens extends HTMLElement {
    static get observedAttributes() {
      return ["api-base", "scopes", "admin"];
    }

    constructor() {
      super();
      this._getToken = null;
      this._cursors = [null]; // the cursor of each page seen so far; the last one is shown
      this._filters = {};
      this._items = [];
      this._nextCursor = null;
      this._loading = null;
      this.attachShadow({ mode: "open" });
    }

    /** A function returning the session token (or a promise of it); called before each request. */
    get getToken() {
      return this._getToken;
    }

    set getToken(provider) {
      this._getToken = typeof provider === "function" ? provider : null;
      if (this.isConnected && this._getToken) this.reload();
    }

    get apiBase() {
      return (this.getAttribute("api-base") || location.origin).replace(/\/+$/, "");
    }

    get allowedScopes() {
      const listed = (this.getAttribute("scopes") || "read,write").split(",").map((s) => s.trim());
      return [...new Set(listed.filter(Boolean))];
    }

    get isAdmin() {
      return this.hasAttribute("admin");
    }

    connectedCallback() {
      if (!this._root) this._render();
      if (this._getToken) this.reload();
    }

    attributeChangedCallback() {
      if (this._root) {
        this._render();
        if (this._getToken) this.reload();
      }
    }

    // ------------------------------------------------------------------ API
    async _api(method, path, body) {
      if (!this._getToken) throw new ApiProblem(401, { title: "Signed out", detail: "Sign in first." });
      const token = await this._getToken();
      const headers = { Authorization: `Bearer ${token}`, Accept: "application/json" };
      const init = { method, headers, cache: "no-store", credentials: "omit", referrerPolicy: "no-referrer" };
      if (body !== undefined) {
        headers["Content-Type"] = "application/json";
        init.body = JSON.stringify(body);
      }
      let response;
      try {
        response = await fetch(this.apiBase + path, init);
      } catch (error) {
        throw new ApiProblem(0, {
          title: "The API could not be reached",
          detail: "Check the connection and try again.",
        });
      }
      if (response.status === 204) return null;
      const text = await response.text();
      let data = null;
      try {
        data = text ? JSON.parse(text) : null;
      } catch (error) {
        data = null;
      }
      if (!response.ok) {
        const problem = new ApiProblem(response.status, data);
        if (response.status === 401) {
          this.dispatchEvent(new CustomEvent("keysmith-unauthenticated", { bubbles: true, composed: true }));
        }
        throw problem;
      }
      return data;
    }

    // ------------------------------------------------------------------ rendering
    _render() {
      const root = this.shadowRoot;
      root.replaceChildren();
      const stylesheet = new URL(STYLESHEET, SCRIPT_URL).href;
      root.append(h("link", { rel: "stylesheet", href: this.getAttribute("stylesheet") || stylesheet }));
      this._alert = h("div", { class: "alert", role: "alert", hidden: true });
      this._status = h("p", { class: "status-line", role: "status" });
      this._createButton = h("button", { type: "button", class: "primary", text: "Create key", onclick: () => this._openCreate() });
      this._tableBody = h("tbody");
      this._pageLabel = h("span", { class: "page-label" });
      this._previous = h("button", { type: "button", text: "Previous page", onclick: () => this._page(-1) });
      this._next = h("button", { type: "button", text: "Next page", onclick: () => this._page(1) });
      const headings = ["Name", "Prefix", "Scopes", "Status", "Expires", "Last used"];
      if (this.isAdmin) headings.push("Owner");
      headings.push("Actions");
      this._root = h(
        "section",
        { class: "tokens", "aria-labelledby": "ks-heading" },
        h("header", { class: "bar" }, h("h2", { id: "ks-heading", text: this.isAdmin ? "API keys of your tenant" : "Your API keys" }), this._createButton),
        this._filtersForm(),
        this._alert,
        this._status,
        h(
          "div",
          { class: "table-wrap" },
          h(
            "table",
            {},
            h("caption", { class: "visually-hidden", text: this.isAdmin ? "API keys of your tenant" : "Your API keys" }),
            h("thead", {}, h("tr", {}, headings.map((text) => h("th", { scope: "col", text })))),
            this._tableBody,
          ),
        ),
        h("nav", { class: "pager", "aria-label": "Pages" }, this._previous, this._pageLabel, this._next),
      );
      root.append(this._root);
      this._showItems();
    }

    /** Focus the button named `label` in the row of key `keyId`, else that row's first button,
     *  else "Create key" (the row is gone). */
    _refocus(place) {
      const row = place && [...this._tableBody.rows].find((r) => r.dataset.keyId === place.keyId);
      const buttons = row ? [...row.querySelectorAll("button")] : [];
      const same = buttons.find((b) => b.getAttribute("aria-label") === place.label);
      (same || buttons[0] || this._createButton).focus();
    }

    _filtersForm() {
      const status = h(
        "select",
        { id: "ks-filter-status", name: "status" },
        h("option", { value: "", text: "Any status" }),
        Object.entries(STATUS_TEXT).map(([value, text]) => h("option", { value, text })),
      );
      const environment = h("input", { id: "ks-filter-environment", name: "environment_id", type: "text", autocomplete: "off" });
      const fields = [
        h("div", { class: "field" }, h("label", { for: "ks-filter-status", text: "Status" }), status),
        h("div", { class: "field" }, h("label", { for: "ks-filter-environment", text: "Environment" }), environment),
      ];
      if (this.isAdmin) {
        const ownerType = h(
          "select",
          { id: "ks-filter-owner-type", name: "owner_type" },
          h("option", { value: "", text: "Any owner" }),
          h("option", { value: "user", text: "User" }),
          h("option", { value: "service_account", text: "Service account" }),
        );
        const ownerId = h("input", { id: "ks-filter-owner-id", name: "owner_id", type: "text", autocomplete: "off" });
        fields.push(
          h("div", { class: "field" }, h("label", { for: "ks-filter-owner-type", text: "Owner type" }), ownerType),
          h("div", { class: "field" }, h("label", { for: "ks-filter-owner-id", text: "Owner id" }), ownerId),
        );
      }
      const form = h(
        "form",
        { class: "filters", "aria-label": "Filter keys" },
        fields,
        h("div", { class: "field actions" }, h("button", { type: "submit", text: "Apply filters" })),
      );
      form.addEventListener("submit", (event) => {
        event.preventDefault();
        const filters = {};
        for (const [name, value] of new FormData(form)) if (String(value).trim()) filters[name] = String(value).trim();
        this._filters = filters;
        this._cursors = [null];
        this.reload();
      });
      return form;
    }

    _say(lines, { error = true } = {}) {
      this._alert.replaceChildren(...[].concat(lines).map((line) => h("p", { text: line })));
      this._alert.hidden = false;
      this._alert.classList.toggle("error", error);
    }

    _clearAlert() {
      this._alert.hidden = true;
      this._alert.replaceChildren();
    }

    /** Load the page being shown (the first one after a filter change). */
    async reload() {
      if (!this._root) return;
      const cursor = this._cursors[this._cursors.length - 1];
      const query = new URLSearchParams({ limit: String(PAGE_SIZE), ...this._filters });
      if (cursor) query.set("cursor", cursor);
      this._status.textContent = "Loading keys…";
      const loading = (this._loading = this._api("GET", `/v1/api-keys?${query}`));
      try {
        const page = await loading;
        if (loading !== this._loading) return;
        this._items = page.items || [];
        this._nextCursor = page.next_cursor || null;
        this._showItems();
      } catch (problem) {
        if (loading !== this._loading) return;
        this._status.textContent = "";
        this._say(problemText(problem));
      }
    }

    _page(step) {
      if (step > 0 && this._nextCursor) this._cursors.push(this._nextCursor);
      else if (step < 0 && this._cursors.length > 1) this._cursors.pop();
      else return;
      this._clearAlert();
      this.reload();
    }

    _showItems() {
      if (!this._tableBody) return;
      const columns = this.isAdmin ? 8 : 7;
      // Keep the keyboard's place: focus on a row's button moves to the same row once redrawn.
      const focused = this.shadowRoot.activeElement;
      const focusedRow = focused && this._tableBody.contains(focused) ? focused.closest("tr") : null;
      const place = focusedRow ? { keyId: focusedRow.dataset.keyId, label: focused.getAttribute("aria-label") } : null;
      const rows = this._items.map((item) => this._row(item));
      const filtered = Object.keys(this._filters).length || this._cursors.length > 1;
      const empty = filtered ? "No keys match these filters." : "No keys yet.";
      if (!rows.length) rows.push(h("tr", {}, h("td", { colspan: columns, class: "empty", text: empty })));
      this._tableBody.replaceChildren(...rows);
      if (place) this._refocus(place);
      const page = this._cursors.length;
      this._pageLabel.textContent = `Page ${page}`;
      this._previous.disabled = page <= 1;
      this._next.disabled = !this._nextCursor;
      this._status.textContent = this._getToken ? `${this._items.length} key${this._items.length === 1 ? "" : "s"} on page ${page}.` : "";
    }

    _row(item) {
      const actions = item.available_actions || {};
      const label = (verb) => `${verb} ${item.name}`;
      const buttons = [];
      if (item.status === "active" || item.status === "suspended") {
        buttons.push(h("button", { type: "button", text: "Edit", "aria-label": label("Edit"), onclick: (e) => this._openEdit(item, e.currentTarget) }));
      }
      if (actions.suspend) buttons.push(h("button", { type: "button", text: "Suspend", "aria-label": label("Suspend"), onclick: (e) => this._act(item, "suspend", e.currentTarget) }));
      if (actions.activate) buttons.push(h("button", { type: "button", text: "Activate", "aria-label": label("Activate"), onclick: (e) => this._act(item, "activate", e.currentTarget) }));
      if (actions.rotate) buttons.push(h("button", { type: "button", text: "Rotate", "aria-label": label("Rotate"), onclick: (e) => this._openRotate(item, e.currentTarget) }));
      if (actions.revoke) buttons.push(h("button", { type: "button", class: "danger", text: "Revoke", "aria-label": label("Revoke"), onclick: (e) => this._confirmRevoke(item, e.currentTarget) }));
      if (actions.delete) buttons.push(h("button", { type: "button", class: "danger", text: "Delete", "aria-label": label("Delete"), onclick: (e) => this._confirmDelete(item, e.currentTarget) }));
      const status = item.status in STATUS_TEXT ? item.status : "active";
      const cells = [
        h("th", { scope: "row" }, h("span", { class: "name", text: item.name }), item.description ? h("span", { class: "description", text: item.description }) : null, item.environment_id ? h("span", { class: "environment", text: `Environment: ${item.environment_id}` }) : null),
        h("td", {}, h("code", { text: `${item.prefix}…${item.last_four}` }), item.format === "jwt" ? h("span", { class: "format", text: " JWT" }) : null),
        h("td", { text: (item.scopes || []).join(", ") || "None" }),
        h("td", {}, h("span", { class: `badge ${status}` }, h("span", { "aria-hidden": "true", text: `${STATUS_MARK[status]} ` }), STATUS_TEXT[status])),
        h("td", {}, timeCell(item.expires_at, "Never")),
        h("td", {}, timeCell(item.last_used_at, "Never")),
      ];
      if (this.isAdmin) {
        const owner = item.owner || {};
        cells.push(h("td", { text: `${owner.type === "service_account" ? "Service account" : "User"} ${owner.id || ""}` }));
      }
      cells.push(h("td", { class: "row-actions" }, buttons.length ? buttons : h("span", { text: "None" })));
      return h("tr", { "data-key-id": item.id }, cells);
    }

    // ------------------------------------------------------------------ dialogs
    _dialog(title, build, opener) {
      const titleId = uid("dialog-title");
      const dialog = h("dialog", { "aria-labelledby": titleId }, h("h2", { id: titleId, text: title }));
      const alert = h("div", { class: "alert error", role: "alert", tabindex: "-1", hidden: true });
      const close = () => dialog.close();
      dialog.append(alert, ...[].concat(build({ dialog, alert, close })));
      const row = opener && opener.closest("tr");
      const place = row ? { keyId: row.dataset.keyId, label: opener.getAttribute("aria-label") } : null;
      dialog.addEventListener("close", () => {
        dialog.remove(); // nothing a dialog held (a new key's plaintext above all) stays in the DOM
        if (opener && opener.isConnected) opener.focus();
        else this._refocus(place);
      });
      this._root.append(dialog);
      dialog.showModal();
      return dialog;
    }

    _showProblemIn(alert, problem, form) {
      alert.replaceChildren(...problemText(problem).map((line) => h("p", { text: line })));
      alert.hidden = false;
      if (form) {
        for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
        for (const error of problem.errors) {
          const name = String(error.pointer || "").split("/")[1];
          const field = name && form.querySelector(`[data-field="${CSS.escape(name)}"]`);
          if (field) field.setAttribute("aria-invalid", "true");
        }
      }
    }

    _scopeBoxes(scopes, checked, legend) {
      return h(
        "fieldset",
        { "data-field": "scopes" },
        h("legend", { text: legend }),
        scopes.map((scope) => {
          const id = uid("scope");
          return h("div", { class: "check" }, h("input", { type: "checkbox", id, name: "scopes", value: scope, checked: checked.includes(scope) }), h("label", { for: id, text: scope }));
        }),
      );
    }

    _textField(label, attributes, hint) {
      const id = uid("field");
      const hintId = hint ? uid("hint") : null;
      const input = h(attributes.rows ? "textarea" : "input", { id, type: attributes.rows ? undefined : "text", "aria-describedby": hintId, ...attributes });
      return h("div", { class: "field" }, h("label", { for: id, text: label }), input, hint ? h("p", { class: "hint", id: hintId, text: hint }) : null);
    }

    _buttons(submitText, close, { danger = false } = {}) {
      return h(
        "div",
        { class: "dialog-buttons" },
        h("button", { type: "button", text: "Cancel", onclick: close }),
        h("button", { type: "submit", class: danger ? "danger" : "primary", text: submitText }),
      );
    }

    _openCreate() {
      this._dialog(
        "Create an API key",
        ({ alert, close }) => {
          const expiry = uid("expiry");
          const form = h(
            "form",
            { method: "dialog", novalidate: true },
            this._textField("Name", { name: "name", "data-field": "name", required: true, maxlength: 100, autocomplete: "off", autofocus: true }, "1 to 100 characters, e.g. where the key is used."),
            this._textField("Description (optional)", { name: "description", "data-field": "description", maxlength: 500, rows: 2 }),
            this._scopeBoxes(this.allowedScopes, this.allowedScopes.slice(0, 1), "Scopes"),
            h(
              "div",
              { class: "field" },
              h("label", { for: expiry, text: "Expires" }),
              h("select", { id: expiry, name: "expires_in_seconds", "data-field": "expires_in_seconds" }, EXPIRY_CHOICES.map(([value, text]) => h("option", { value, text }))),
            ),
            this._textField("Environment (optional)", { name: "environment_id", "data-field": "environment_id", autocomplete: "off" }, "Leave empty for a key valid in the whole tenant."),
            h(
              "div",
              { class: "field" },
              h("label", { for: `${expiry}-format`, text: "Format" }),
              h("select", { id: `${expiry}-format`, name: "format", "data-field": "format" }, FORMAT_CHOICES.map(([value, text]) => h("option", { value, text }))),
            ),
            this.isAdmin ? this._textField("Service account (optional)", { name: "service_account_id", "data-field": "service_account_id", autocomplete: "off" }, "Leave empty for a key of your own.") : null,
            this._buttons("Create key", close),
          );
          form.addEventListener("submit", async (event) => {
            event.preventDefault();
            const data = new FormData(form);
            const body = { name: String(data.get("name") || ""), scopes: data.getAll("scopes").map(String) };
            for (const name of ["description", "environment_id", "service_account_id", "format"]) {
              const value = String(data.get(name) || "").trim();
              if (value) body[name] = value;
            }
            const seconds = String(data.get("expires_in_seconds") || "");
            if (seconds) body.expires_in_seconds = Number(seconds);
            await this._submit(form, alert, async () => {
              const created = await this._api("POST", "/v1/api-keys", body);
              close();
              this._showSecret(created, "Your new API key");
              this._cursors = [null];
              this.reload();
            });
          });
          return form;
        },
        this._createButton,
      );
    }

    async _submit(form, alert, work) {
      const submit = form.querySelector('[type="submit"]');
      submit.disabled = true;
      alert.hidden = true;
      try {
        await work();
      } catch (problem) {
        this._showProblemIn(alert, problem, form);
        alert.focus();
        if (problem.status === 409 || problem.status === 404) this.reload();
      } finally {
        submit.disabled = false;
      }
    }

    // The copy-once dialog: the plaintext exists in the DOM only while this dialog is open.
    _showSecret(created, title, opener) {
      let secret = created.key;
      this._dialog(
        title,
        ({ close, dialog }) => {
          const fieldId = uid("secret");
          const warningId = uid("warning");
          const copied = h("p", { class: "status-line", role: "status" });
          const output = h("input", { id: fieldId, type: "text", readOnly: true, value: secret, class: "secret", "aria-describedby": warningId, spellcheck: false, autocomplete: "off" });
          const copy = h("button", {
            type: "button",
            class: "primary",
            text: "Copy key",
            onclick: async () => {
              try {
                await navigator.clipboard.writeText(output.value);
                copied.textContent = "Copied to the clipboard.";
              } catch (error) {
                output.select();
                copied.textContent = "Copying was refused here: the key is selected, copy it with your keyboard.";
              }
            },
          });
          dialog.addEventListener("close", () => {
            output.value = "";
            secret = null;
          });
          return [
            h("p", { class: "warning", id: warningId, text: "Copy this key now. It is shown only once: Keysmith keeps only a hash of it and cannot show it again." }),
            h("div", { class: "field" }, h("label", { for: fieldId, text: `Key for “${created.name}”` }), output),
            h("div", { class: "dialog-buttons" }, copy, h("button", { type: "button", text: "I have copied it, close", onclick: close })),
            copied,
          ];
        },
        opener,
      );
    }

    _openEdit(item, opener) {
      this._dialog(
        `Edit “${item.name}”`,
        ({ alert, close }) => {
          const form = h(
            "form",
            { method: "dialog", novalidate: true },
            this._textField("Name", { name: "name", "data-field": "name", required: true, maxlength: 100, value: item.name, autocomplete: "off" }),
            this._textField("Description (optional)", { name: "description", "data-field": "description", maxlength: 500, rows: 2, value: item.description || "" }),
            this._scopeBoxes(item.scopes || [], item.scopes || [], "Scopes (uncheck to narrow; a key's scopes never widen)"),
            this._buttons("Save changes", close),
          );
          form.addEventListener("submit", async (event) => {
            event.preventDefault();
            const data = new FormData(form);
            const body = {};
            const name = String(data.get("name") || "");
            if (name !== item.name) body.name = name;
            const description = String(data.get("description") || "");
            if (description !== (item.description || "")) body.description = description || null;
            const scopes = data.getAll("scopes").map(String);
            if (scopes.join(",") !== (item.scopes || []).join(",")) body.scopes = scopes;
            if (!Object.keys(body).length) {
              close();
              return;
            }
            await this._submit(form, alert, async () => {
              await this._api("PATCH", `/v1/api-keys/${encodeURIComponent(item.id)}`, body);
              close();
              this._announce(`Saved “${body.name || item.name}”.`);
              this.reload();
            });
          });
          return form;
        },
        opener,
      );
    }

    _openRotate(item, opener) {
      this._dialog(
        `Rotate “${item.name}”`,
        ({ alert, close }) => {
          const form = h(
            "form",
            { method: "dialog" },
            h("p", { text: "Rotation makes a new key with the same settings. Choose when the old key stops working." }),
            h(
              "fieldset",
              { "data-field": "grace_period_seconds" },
              h("legend", { text: "The old key stops working" }),
              GRACE_CHOICES.map(([seconds, text], index) => {
                const id = uid("grace");
                return h("div", { class: "check" }, h("input", { type: "radio", id, name: "grace", value: String(seconds), checked: index === 0, autofocus: index === 0 }), h("label", { for: id, text }));
              }),
            ),
            h("p", { class: "warning", "aria-live": "polite" }),
            this._buttons("Rotate key", close, { danger: true }),
          );
          // Rotating "now" revokes the old key at once: the dialog says so and the button names it.
          const warning = form.querySelector(".warning");
          const submit = form.querySelector('[type="submit"]');
          const describe = () => {
            const now = Number(new FormData(form).get("grace") || 0) === 0;
            warning.hidden = !now;
            warning.textContent = now ? "The old key is revoked as soon as you rotate: anything still using it stops working." : "";
            submit.textContent = now ? "Rotate and revoke the old key" : "Rotate key";
          };
          form.addEventListener("change", describe);
          describe();
          form.addEventListener("submit", async (event) => {
            event.preventDefault();
            const grace = Number(new FormData(form).get("grace") || 0);
            await this._submit(form, alert, async () => {
              const created = await this._api("POST", `/v1/api-keys/${encodeURIComponent(item.id)}/rotate`, { grace_period_seconds: grace });
              close();
              this._showSecret(created, "Your rotated API key", opener);
              this.reload();
            });
          });
          return form;
        },
        opener,
      );
    }

    _confirm(item, opener, { title, text, button, work }) {
      this._dialog(
        title,
        ({ alert, close }) => {
          const form = h("form", { method: "dialog" }, h("p", { text }));
          const buttons = this._buttons(button, close, { danger: true });
          buttons.firstChild.autofocus = true; // the safe choice has the focus
          form.append(buttons);
          form.addEventListener("submit", async (event) => {
            event.preventDefault();
            await this._submit(form, alert, async () => {
              await work();
              close();
              this.reload();
            });
          });
          return form;
        },
        opener,
      );
    }

    _confirmRevoke(item, opener) {
      this._confirm(item, opener, {
        title: `Revoke “${item.name}”?`,
        text: "Anything using this key stops working at once. Revoking cannot be undone.",
        button: "Revoke key",
        work: async () => {
          await this._api("POST", `/v1/api-keys/${encodeURIComponent(item.id)}/revoke`);
          this._announce(`Revoked “${item.name}”.`);
        },
      });
    }

    _confirmDelete(item, opener) {
      this._confirm(item, opener, {
        title: `Delete “${item.name}”?`,
        text: "The key disappears from the list for good. Deleting cannot be undone.",
        button: "Delete key",
        work: async () => {
          await this._api("DELETE", `/v1/api-keys/${encodeURIComponent(item.id)}`);
          this._announce(`Deleted “${item.name}”.`);
        },
      });
    }

    async _act(item, action, opener) {
      this._clearAlert();
      try {
        await this._api("POST", `/v1/api-keys/${encodeURIComponent(item.id)}/${action}`);
        this._announce(`${action === "suspend" ? "Suspended" : "Activated"} “${item.name}”.`);
      } catch (problem) {
        this._say(problemText(problem));
      }
      await this.reload(); // the focus stays in the key's row (see _showItems)
    }

    _announce(text) {
      this._say([text], { error: false });
    }
  }

  if (!customElements.get("keysmith-tokens")) customElements.define("keysmith-tokens", KeysmithTokens);
})();
