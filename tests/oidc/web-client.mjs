// Runs Kino's web sign-in script (kino/web/static/oauth.js, with kino.js) in Node against a
// running api, with the few browser APIs it touches stubbed. There is no browser on the
// test machines; this checks the page's own logic end to end over real HTTP.
// env: KINO_URL (api origin), STATIC_DIR, PAGE ("/login" or "/auth/callback?..."),
//      STORAGE (JSON: sessionStorage to start with), CLICK (provider button to click).
// Prints one JSON line: {navigatedTo, message, buttons, sessionStorage, localStorage, path}.
import { register } from 'node:module';
import { pathToFileURL } from 'node:url';

const staticUrl = pathToFileURL(`${process.env.STATIC_DIR}/`).href;
register(`data:text/javascript,${encodeURIComponent(`
export async function resolve(specifier, context, next) {
  if (specifier.startsWith('/static/')) {
    return { url: ${JSON.stringify(staticUrl)} + specifier.slice(8), format: 'module', shortCircuit: true };
  }
  return next(specifier, context);
}`)}`);

const origin = process.env.KINO_URL;
let current = new URL(process.env.PAGE, origin);
const result = { navigatedTo: null, buttons: [] };

function storage(initial) {
  const items = new Map(Object.entries(initial));
  return {
    getItem: (key) => (items.has(key) ? items.get(key) : null),
    setItem: (key, value) => { items.set(key, String(value)); },
    removeItem: (key) => { items.delete(key); },
    dump: () => Object.fromEntries(items),
  };
}

globalThis.sessionStorage = storage(JSON.parse(process.env.STORAGE || '{}'));
globalThis.localStorage = storage({});
globalThis.location = {
  get origin() { return current.origin; },
  get pathname() { return current.pathname; },
  get search() { return current.search; },
  get href() { return current.href; },
  set href(url) { result.navigatedTo = String(url); },
  assign(url) { result.navigatedTo = String(url); },
};
globalThis.history = { replaceState(_state, _title, url) { current = new URL(url, current); } };
const elements = {
  message: { textContent: '' },
  providers: { hidden: true },
  'provider-buttons': { children: [], append(child) { this.children.push(child); } },
};
globalThis.document = {
  getElementById: (id) => elements[id] ?? null,
  createElement: () => ({ dataset: {}, textContent: '', onclick: null }),
};
const realFetch = globalThis.fetch;
globalThis.fetch = (url, init) => realFetch(new URL(url, origin), init);

let clicked = !process.env.CLICK;
process.on('beforeExit', () => {  // the page's work is done: act like the person, or report
  if (!clicked) {
    clicked = true;
    const button = elements['provider-buttons'].children.find((b) => b.dataset.provider === process.env.CLICK);
    if (button) { button.onclick(); return; }
  }
  result.buttons = elements['provider-buttons'].children.map((b) => b.dataset.provider);
  result.providersHidden = elements.providers.hidden;
  result.message = elements.message.textContent;
  result.sessionStorage = globalThis.sessionStorage.dump();
  result.localStorage = globalThis.localStorage.dump();
  result.path = current.pathname + current.search;
  process.stdout.write(`${JSON.stringify(result)}\n`);
  process.exit(0);
});

await import('/static/oauth.js');
