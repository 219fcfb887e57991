// The signed-in session in the browser. The access token lives in this module's memory only;
// the refresh token is an HttpOnly cookie (path /auth) that no script can read. A page trades
// the cookie for an access token at POST /auth/refresh, which rotates it; tabs take turns
// (Web Locks), so two tabs never present the same refresh token.
const HINT = 'kino_signed_in=1';  // a readable cookie that only says "signed in"
const EARLY_MS = 30_000;          // refresh a little before the access token expires

let current = null;  // { token, expiresAt, user: { id, handle, displayName } }
let pending = null;
const listeners = new Set();

export const mayBeSignedIn = () => document.cookie.split('; ').includes(HINT);

export function onSessionChange(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}

function publish() {
  for (const listener of listeners) listener(current?.user ?? null);
}

/** The session, refreshed when needed; null when signed out. */
export async function session() {
  if (current && Date.now() < current.expiresAt - EARLY_MS) return current;
  if (!mayBeSignedIn()) {
    if (current) { current = null; publish(); }
    return null;
  }
  pending ??= refresh().finally(() => { pending = null; });
  return pending;
}

export async function accessToken() {
  return (await session())?.token ?? null;
}

/** Forget the access token so the next call refreshes (after an UNAUTHENTICATED answer). */
export function expire() {
  if (current) current = { ...current, expiresAt: 0 };
}

async function refresh() {
  const trade = async () => {
    let response;
    try {
      response = await fetch('/auth/refresh', {
        method: 'POST', credentials: 'same-origin', headers: { 'Kino-Session': 'cookie' },
      });
    } catch {
      return current;  // offline: keep what we have; the next call tries again
    }
    current = response.ok ? fromPayload(await response.json()) : null;
    publish();
    return current;
  };
  return navigator.locks ? navigator.locks.request('kino-session-refresh', trade) : trade();
}

function fromPayload(payload) {
  return {
    token: payload.accessToken,
    expiresAt: Date.now() + payload.expiresIn * 1000,
    user: payload.user,
  };
}

/** A sign-in's answer (made with Kino-Session: cookie, so its refresh token is a cookie). */
export function adopt(payload) {
  current = fromPayload(payload);
  publish();
}

export async function signOut() {
  try {
    await fetch('/auth/logout', {
      method: 'POST', credentials: 'same-origin', headers: { 'Kino-Session': 'cookie' },
    });
  } finally {
    current = null;
    publish();
  }
}
