// /login and /auth/callback: sign in with a password or an OpenID Connect provider.
import { $, nextPath } from '../lib/dom.js';
import { gql } from '../lib/graphql.js';
import { startLayout } from '../lib/layout.js';
import { adopt } from '../lib/session.js';

const SIGNED_IN = 'accessToken expiresIn user { id handle displayName }';
const LOGIN = `mutation Login($login: String!, $password: String!) {
  login(login: $login, password: $password) { ${SIGNED_IN} } }`;
const BEGIN = `mutation BeginOAuth($provider: String!, $redirectUri: String!) {
  beginOAuthLogin(provider: $provider, redirectUri: $redirectUri) { authorizationUrl state } }`;
const COMPLETE = `mutation CompleteOAuth($provider: String!, $code: String!, $state: String!, $iss: String, $redirectUri: String) {
  completeOAuthLogin(provider: $provider, code: $code, state: $state, iss: $iss, redirectUri: $redirectUri) { ${SIGNED_IN} } }`;

const callbackUri = `${location.origin}/auth/callback`;
const pendingKey = (state) => `kino.oauth.${state}`;
const status = (text) => { $('#auth-status').textContent = text; };

function signedIn(payload, next) {
  adopt(payload);
  location.assign(next);
}

async function passwordSignIn(event) {
  event.preventDefault();
  const form = event.currentTarget;
  const error = $('#login-error');
  error.textContent = '';
  const login = form.login.value.trim();
  if (!login || !form.password.value) {
    error.textContent = 'Enter your email or handle and your password.';
    return;
  }
  form.querySelector('button[type=submit]').disabled = true;
  try {
    const data = await gql(LOGIN, { login, password: form.password.value }, { cookie: true });
    signedIn(data.login, nextPath());
  } catch (failure) {
    error.textContent = failure.message;
    form.querySelector('button[type=submit]').disabled = false;
  }
}

async function beginProvider(provider) {
  status('');
  try {
    const { beginOAuthLogin: start } = await gql(BEGIN, { provider, redirectUri: callbackUri });
    // Only a sign-in this browser started may finish here (no login CSRF).
    sessionStorage.setItem(pendingKey(start.state), JSON.stringify({ provider, next: nextPath() }));
    location.assign(start.authorizationUrl);
  } catch (failure) {
    status(failure.message);
  }
}

async function completeProvider() {
  const params = new URLSearchParams(location.search);
  history.replaceState(null, '', '/login');  // the code must not linger in the address bar
  if (params.get('error')) {
    status(`The provider did not sign you in: ${params.get('error_description') || params.get('error')}.`);
    return;
  }
  const state = params.get('state') || '';
  const pending = JSON.parse(sessionStorage.getItem(pendingKey(state)) || 'null');
  sessionStorage.removeItem(pendingKey(state));
  if (!pending || !params.get('code')) {
    status('This sign-in was not started in this browser, or it was already finished; start it again.');
    return;
  }
  status('Signing you in…');
  try {
    const data = await gql(COMPLETE, {
      provider: pending.provider, code: params.get('code'), state,
      iss: params.get('iss'), redirectUri: callbackUri,
    }, { cookie: true });
    signedIn(data.completeOAuthLogin, pending.next);
  } catch (failure) {
    status(failure.message);
  }
}

startLayout();
$('#login-form').addEventListener('submit', passwordSignIn);
for (const button of document.querySelectorAll('button[data-provider]')) {
  button.addEventListener('click', () => beginProvider(button.dataset.provider));
}
if (location.pathname === '/auth/callback') completeProvider();
