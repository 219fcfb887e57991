// What the player remembers in this browser (localStorage): volume, mute, speed, quality and
// theater mode. Storage may be unavailable (private modes, quotas): then nothing is kept.
const PREFIX = 'kino.player.';

export function load(name, fallback) {
  try {
    const raw = localStorage.getItem(PREFIX + name);
    return raw === null ? fallback : JSON.parse(raw);
  } catch {
    return fallback;
  }
}

export function store(name, value) {
  try {
    localStorage.setItem(PREFIX + name, JSON.stringify(value));
  } catch {
    // storage full or refused: the preference lasts this page only
  }
}

export const RATES = [0.25, 0.5, 0.75, 1, 1.25, 1.5, 1.75, 2];
const clamp = (value, low, high) => Math.min(high, Math.max(low, value));
const finite = (value, fallback) => (Number.isFinite(value) ? value : fallback);

/** Put the remembered volume, mute and speed on the media element, then keep them. */
export function rememberPreferences(media) {
  media.volume = clamp(finite(load('volume', 1), 1), 0, 1);
  media.muted = load('muted', false) === true;
  const rate = finite(load('rate', 1), 1);
  if (RATES.includes(rate)) {
    media.defaultPlaybackRate = rate;  // a (re)load of the source starts at this rate
    media.playbackRate = rate;
  }
  media.addEventListener('volumechange', () => {
    store('volume', media.volume);
    store('muted', media.muted);
  });
  media.addEventListener('ratechange', () => {
    if (!RATES.includes(media.playbackRate)) return;
    media.defaultPlaybackRate = media.playbackRate;
    store('rate', media.playbackRate);
  });
}

/**
 * The quality the viewer picked in the menu ("auto" or a height) is chosen again as soon as
 * the renditions are known, on this video and the next ones (the nearest height not above).
 */
export function rememberQuality(menu, media) {
  const renditions = media.videoRenditions;
  if (!menu || !renditions) return;
  let wanted = load('quality', 'auto');
  const apply = () => {
    if (wanted === 'auto' || !renditions.length) return;
    const fitting = [...renditions].map((r, index) => ({ index, height: r.height }))
      .filter((r) => r.height <= wanted)
      .sort((a, b) => b.height - a.height)[0];
    if (fitting && renditions.selectedIndex !== fitting.index) renditions.selectedIndex = fitting.index;
  };
  renditions.addEventListener('addrendition', () => queueMicrotask(apply));
  apply();
  menu.addEventListener('change', () => {
    const chosen = [...renditions].find((r) => `${r.id}` === `${menu.value}`);
    wanted = chosen ? chosen.height : 'auto';
    store('quality', wanted);
  });
}
