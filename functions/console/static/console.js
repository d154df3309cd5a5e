// The console page: sign-in around <keysmith-tokens>.
//
// Local development (data-mode="local"): a form asks the local server for a session
// (POST /_local/sessions). Deployed (data-mode="oidc"): OpenID Connect authorization code with PKCE
// against the issuer, as a public client. Either way the session token lives in this closure only:
// never in localStorage, sessionStorage, a cookie or the URL. Only the PKCE verifier and the state
// sit in sessionStorage, for the redirect round trip, and are removed when the page comes back.
(() => {
  "use strict";

  const PENDING = "keysmith.console.oidc"; // sessionStorage: {state, verifier} during the redirect
  const main = document.getElementById("console");
  const config = main.dataset;
  const problemBox = document.getElementById("signin-problem");
  const signedIn = document.getElementById("signed-in");
  const who = document.getElementById("who");
  const slot = document.getElementById("tokens-slot");
  let session = null; // {token, label, admin}: memory only
  // Only one way to sign in is ever on the page: the local form never exists deployed.
  document.getElementById(config.mode === "local" ? "signin-oidc" : "signin-local").remove();

  function showProblem(lines) {
    problemBox.replaceChildren(
      ...[].concat(lines).map((line) => {
        const p = document.createElement("p");
        p.textContent = line;
        return p;
      }),
    );
    problemBox.hidden = false;
  }

  async function problemLines(response) {
    let body = null;
    try {
      body = await response.json();
    } catch (error) {
      body = null;
    }
    if (!body || typeof body !== "object") return [`Sign-in failed: the server answered ${response.status}.`];
    const lines = [`${body.title || "Sign-in failed"}: ${body.detail || body.error_description || body.error || response.status}`];
    for (const error of Array.isArray(body.errors) ? body.errors : []) {
      const field = { "/user_id": "User id", "/tenant_id": "Tenant" }[error.pointer] || error.pointer;
      lines.push(`${field}: ${error.detail}`);
    }
    return lines;
  }

  function claims(token) {
    try {
      const part = token.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
      return JSON.parse(atob(part + "=".repeat((4 - (part.length % 4)) % 4)));
    } catch (error) {
      return {};
    }
  }

  function startSession(token, label, admin) {
    session = { token, label, admin };
    problemBox.hidden = true;
    for (const section of main.querySelectorAll("section")) section.hidden = true;
    who.textContent = label;
    signedIn.hidden = false;
    const element = document.createElement("keysmith-tokens");
    element.setAttribute("scopes", config.scopes || "read");
    if (admin) element.setAttribute("admin", "");
    element.getToken = () => (session ? session.token : "");
    element.addEventListener("keysmith-unauthenticated", () => {
      endSession();
      showProblem(["Your session has ended or was refused: sign in again."]);
    });
    slot.replaceChildren(element);
    element.shadowRoot.querySelector("h2").setAttribute("tabindex", "-1");
    element.shadowRoot.querySelector("h2").focus();
  }

  function endSession() {
    session = null;
    slot.replaceChildren();
    signedIn.hidden = true;
    showSignIn();
  }

  function showSignIn() {
    for (const section of main.querySelectorAll("section")) section.hidden = false;
  }

  // ------------------------------------------------------------------ local development
  document.getElementById("local-form")?.addEventListener("submit", async (event) => {
    event.preventDefault();
    const form = event.currentTarget;
    const userId = form.elements.user_id.value.trim();
    const tenantId = form.elements.tenant_id.value.trim();
    const admin = form.elements.admin.checked;
    let response;
    try {
      response = await fetch("/_local/sessions", {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ user_id: userId, tenant_id: tenantId, roles: admin ? ["admin"] : [] }),
        cache: "no-store",
        credentials: "omit",
      });
    } catch (error) {
      showProblem(["The local server could not be reached."]);
      return;
    }
    if (!response.ok) {
      showProblem(await problemLines(response));
      return;
    }
    const body = await response.json();
    startSession(body.token, `Signed in as ${userId}, tenant ${tenantId}${admin ? ", admin" : ""}`, admin);
  });

  // ------------------------------------------------------------------ OpenID Connect with PKCE
  const base64url = (bytes) => btoa(String.fromCharCode(...bytes)).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
  const randomText = () => base64url(crypto.getRandomValues(new Uint8Array(32)));
  const redirectUri = () => `${location.origin}/console/`; // the one address to register with the issuer

  async function discover() {
    const issuer = config.issuer.replace(/\/+$/, "");
    const response = await fetch(`${issuer}/.well-known/openid-configuration`, { credentials: "omit", cache: "no-store" });
    if (!response.ok) throw new Error(`the issuer's discovery document answered ${response.status}`);
    return response.json();
  }

  async function oidcSignIn() {
    try {
      const provider = await discover();
      const verifier = randomText();
      const state = randomText();
      const digest = new Uint8Array(await crypto.subtle.digest("SHA-256", new TextEncoder().encode(verifier)));
      sessionStorage.setItem(PENDING, JSON.stringify({ state, verifier }));
      const query = new URLSearchParams({
        response_type: "code",
        client_id: config.clientId,
        redirect_uri: redirectUri(),
        scope: "openid",
        state,
        code_challenge: base64url(digest),
        code_challenge_method: "S256",
      });
      location.assign(`${provider.authorization_endpoint}?${query}`);
    } catch (error) {
      showProblem([`Sign-in could not start: ${error.message}.`]);
    }
  }

  async function oidcReturn(params) {
    const pending = JSON.parse(sessionStorage.getItem(PENDING) || "null");
    sessionStorage.removeItem(PENDING);
    history.replaceState(null, "", location.pathname); // the code and state leave the address bar
    if (params.get("error")) throw new Error(params.get("error_description") || params.get("error"));
    if (!pending || pending.state !== params.get("state")) throw new Error("the sign-in answer does not match this browser's request; try again");
    const provider = await discover();
    const response = await fetch(provider.token_endpoint, {
      method: "POST",
      headers: { "Content-Type": "application/x-www-form-urlencoded" },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code: params.get("code"),
        redirect_uri: redirectUri(),
        client_id: config.clientId,
        code_verifier: pending.verifier,
      }),
      credentials: "omit",
      cache: "no-store",
    });
    if (!response.ok) throw new Error((await problemLines(response)).join(" "));
    const tokens = await response.json();
    // The API takes the issuer's JWT: the access token when it is one, else the ID token.
    const token = tokens.access_token && tokens.access_token.split(".").length === 3 ? tokens.access_token : tokens.id_token;
    if (!token) throw new Error("the issuer returned no JWT");
    const payload = claims(token);
    const roles = payload[config.rolesClaim || "roles"];
    const admin = Array.isArray(roles) && roles.includes("admin");
    startSession(token, `Signed in as ${payload.email || payload.sub || "you"}`, admin);
  }

  document.getElementById("oidc-sign-in")?.addEventListener("click", oidcSignIn);
  document.getElementById("sign-out").addEventListener("click", endSession);

  const params = new URLSearchParams(location.search);
  if (config.mode === "oidc" && (params.has("code") || params.has("error"))) {
    oidcReturn(params).catch((error) => {
      showSignIn();
      showProblem([`Sign-in failed: ${error.message}.`]);
    });
  } else {
    showSignIn();
  }
})();
