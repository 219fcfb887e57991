// A short message over the picture when a key or a control changes the volume, the speed or
// the position (PeerTube#7455): visible for a moment, announced to screen readers.
const SHOWN_MS = 1200;

export function overlayOf(element) {
  let timer = null;
  return (text) => {
    if (!element) return;
    element.textContent = text;
    clearTimeout(timer);
    timer = setTimeout(() => { element.textContent = ''; }, SHOWN_MS);
  };
}

export const percent = (value) => `${Math.round(value * 100)}%`;

/** "Speed 1.5x", "Volume 40%", "Muted" whenever they change, whatever changed them. */
export function announceChanges(media, show) {
  let last = { volume: media.volume, muted: media.muted };
  media.addEventListener('volumechange', () => {
    const now = { volume: media.volume, muted: media.muted };
    if (now.muted !== last.muted) show(now.muted ? 'Muted' : `Volume ${percent(now.volume)}`);
    else if (now.volume !== last.volume) show(`Volume ${percent(now.volume)}`);
    last = now;
  });
  media.addEventListener('ratechange', () => show(`Speed ${media.playbackRate}x`));
}

export function clock(seconds) {
  const whole = Math.max(0, Math.floor(seconds));
  const h = Math.floor(whole / 3600);
  const m = Math.floor((whole % 3600) / 60);
  const s = String(whole % 60).padStart(2, '0');
  return h ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}
