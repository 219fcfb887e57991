// Sign-in with OpenID Connect providers: the buttons on /login and the /auth/callback page.
import { gql, saveSession } from "/static/kino.js";

const message = document.getElementById("message");
const callbackUri = `${location.origin}/auth/callback`;
const pending = (state) => `kino.oauth.${state}`;

async function showProviders() {
  const section = document.getElementById("providers");
  const list = document.getElementById("provider-buttons");
  if (!section || !list) return;
  const { oauthProviders } = await gql("{ oauthProviders }");
  for (const provider of oauthProviders) {
    const button = document.createElement("button");
    button.type = "button";
    button.dataset.provider = provider;
    button.textContent = `Sign in with ${provider}`;
    button.onclick = () => begin(provider);
    list.append(button);
  }
  section.hidden = oauthProviders.length === 0;
}

async function begin(provider) {
  message.textContent = "";
  try {
    const data = await gql(
      `mutation($p: String!, $r: String!) { beginOAuthLogin(provider: $p, redirectUri: $r) { authorizationUrl state } }`,
      { p: provider, r: callbackUri });
    const start = data.beginOAuthLogin;
    // Only a sign-in this browser started may finish here (no login CSRF).
    sessionStorage.setItem(pending(start.state), provider);
    location.assign(start.authorizationUrl);
  } catch (error) { message.textContent = error.message; }
}

async function complete() {
  const params = new URLSearchParams(location.search);
  history.replaceState(null, "", "/login");  // the code must not linger in the address bar
  if (params.get("error")) {
    message.textContent = `The provider did not sign you in: ${params.get("error_description") || params.get("error")}.`;
    return;
  }
  const state = params.get("state") || "";
  const provider = sessionStorage.getItem(pending(state));
  sessionStorage.removeItem(pending(state));
  if (!provider || !params.get("code")) {
    message.textContent = "This sign-in was not started in this browser, or was already finished; start it again.";
    return;
  }
  message.textContent = "Signing you in…";
  try {
    const data = await gql(
      `mutation($p: String!, $c: String!, $s: String!, $i: String, $r: String) {
        completeOAuthLogin(provider: $p, code: $c, state: $s, iss: $i, redirectUri: $r) {
          accessToken refreshToken expiresIn user { id handle } } }`,
      { p: provider, c: params.get("code"), s: state, i: params.get("iss"), r: callbackUri });
    saveSession(data.completeOAuthLogin);
    location.href = "/";
  } catch (error) { message.textContent = error.message; }
}

if (location.pathname === "/auth/callback") complete();
showProviders().catch((error) => { message.textContent = error.message; });
