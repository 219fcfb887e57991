// A PRIVATE video on /watch/{id}. The server renders "Not found" for it (a navigation carries
// no access token), so when the viewer may be signed in this module asks for the page again
// with the access token: to the owner the server answers the whole watch page, and its
// #watch replaces the "Not found"; anyone else keeps "Not found".
//
// The page awaits it before it starts the player and the comments on the markup.
// `kino:watch-shown` is dispatched on document when it replaced it.
import { $ } from '../lib/dom.js';
import { accessToken, expire, mayBeSignedIn } from '../lib/session.js';

async function ownersPage() {
  for (let attempt = 0; attempt < 2; attempt += 1) {
    const token = await accessToken();
    if (!token) return null;
    let response;
    try {
      response = await fetch(location.pathname, {
        headers: { Authorization: `Bearer ${token}`, Accept: 'text/html' },
        credentials: 'same-origin',
        cache: 'no-store',
      });
    } catch {
      return null;
    }
    if (response.ok) return new DOMParser().parseFromString(await response.text(), 'text/html');
    if (response.status !== 401) return null;  // not the owner's (or no such video)
    expire();  // the token had just expired or its session changed: refresh once, ask again
  }
  return null;
}

export async function showPrivateVideo() {
  if (!$('#not-found') || !mayBeSignedIn()) return false;
  const page = await ownersPage();
  const watch = page?.getElementById('watch');
  if (!watch || page.getElementById('not-found')) return false;
  // The markup comes from Kino's own template (user text escaped there); nothing in it runs.
  $('#watch').replaceWith(document.adoptNode(watch));
  document.title = page.title;
  document.dispatchEvent(new CustomEvent('kino:watch-shown'));
  return true;
}
