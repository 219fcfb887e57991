// YouTube's keyboard shortcuts, anywhere on the page (not only while the player has focus):
//   k / Space play-pause · j / l ∓10 s · ← / → ∓5 s · ↑ / ↓ volume · m mute · f full screen
//   t theater · c captions · 0–9 go to 0–90 % · < / > slower / faster · ? the list
// They never fire while the viewer types (inputs, text areas, editable text: the comment box,
// the search field) or while a control that uses the key itself has focus (a focused button
// keeps Space and Enter, the seek and volume sliders and the menus keep their arrows).
import { clock, percent } from './overlay.js';
import { RATES } from './prefs.js';

const TYPING = new Set(['INPUT', 'TEXTAREA', 'SELECT']);
const BUTTON_ROLES = new Set(['button', 'menuitem', 'menuitemradio', 'menuitemcheckbox', 'link']);
const VOLUME_STEP = 0.05;

function elementsOf(event) {
  return event.composedPath().filter((node) => node instanceof Element);
}

/** The key belongs to what has focus: typing, or a control that handles it itself. */
export function taken(event) {
  for (const element of elementsOf(event)) {
    if (TYPING.has(element.tagName) || element.isContentEditable) return true;
    const role = element.getAttribute('role');
    if (role === 'textbox' || role === 'menu') return true;
    if (role === 'dialog' && element.id !== 'shortcuts') return true;
    const used = element.keysUsed;
    if (Array.isArray(used) && used.includes(event.key)) return true;
    const isButton = element.tagName === 'BUTTON' || element.tagName === 'A' || BUTTON_ROLES.has(role);
    if (isButton && (event.key === ' ' || event.key === 'Enter')) return true;
  }
  return false;
}

export function startShortcuts({ controller, media, show, dialog, theater, captions }) {
  const request = (type, detail) => controller.dispatchEvent(
    new CustomEvent(type, { composed: true, bubbles: true, detail }),
  );
  const seekTo = (seconds) => {
    const end = Number.isFinite(media.duration) ? media.duration : seconds;
    media.currentTime = Math.min(Math.max(0, seconds), end);
  };
  const seekBy = (delta) => {
    seekTo(media.currentTime + delta);
    show(`${delta > 0 ? '+' : '-'}${Math.abs(delta)} s · ${clock(media.currentTime)}`);
  };
  const volumeBy = (delta) => {
    media.muted = false;
    media.volume = Math.round(Math.min(1, Math.max(0, media.volume + delta)) * 100) / 100;
  };
  const rateBy = (step) => {
    const index = RATES.indexOf(media.playbackRate);
    const next = RATES[Math.min(RATES.length - 1, Math.max(0, (index < 0 ? RATES.indexOf(1) : index) + step))];
    if (next === media.playbackRate) show(`Speed ${next}x`);  // at the end of the range: say so
    else media.playbackRate = next;
  };
  const toggleDialog = () => {
    if (dialog.open) dialog.close();
    else dialog.showModal();
  };
  const actions = {
    ' ': () => (media.paused ? media.play().catch(() => {}) : media.pause()),
    k: () => actions[' '](),
    j: () => seekBy(-10),
    l: () => seekBy(10),
    ArrowLeft: () => seekBy(-5),
    ArrowRight: () => seekBy(5),
    ArrowUp: () => volumeBy(VOLUME_STEP),
    ArrowDown: () => volumeBy(-VOLUME_STEP),
    m: () => { media.muted = !media.muted; },
    f: () => request(document.fullscreenElement ? 'mediaexitfullscreenrequest' : 'mediaenterfullscreenrequest'),
    t: () => theater?.toggle(),
    c: () => (captions() ? request('mediatogglesubtitlesrequest') : show('This video has no captions')),
    '<': () => rateBy(-1),
    '>': () => rateBy(1),
    '?': toggleDialog,
  };
  for (let digit = 0; digit <= 9; digit += 1) {
    actions[String(digit)] = () => {
      if (!Number.isFinite(media.duration)) return;
      seekTo((media.duration * digit) / 10);
      show(`${percent(digit / 10)} · ${clock(media.currentTime)}`);
    };
  }

  document.addEventListener('keydown', (event) => {
    if (event.defaultPrevented || event.ctrlKey || event.metaKey || event.altKey) return;
    const { key } = event;
    const action = actions[key] ?? (key.length === 1 ? actions[key.toLowerCase()] : undefined);
    if (!action) return;
    if (dialog.open && key !== '?') return;  // the list is open: Escape or ? closes it
    if (taken(event)) return;
    event.preventDefault();
    action();
  });
  controller.querySelector('#shortcuts-button')?.addEventListener('click', toggleDialog);
}
