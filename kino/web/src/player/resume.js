// Resume position: a returning viewer continues where they stopped. This browser keeps the
// positions of the last videos (localStorage, for everyone); a signed-in viewer's position
// is also saved to Kino (savePlaybackPosition, every ~10 s while playing, on pause and when
// the page is hidden), so another device continues there (Video.resumePosition). Nothing is
// resumed within the first or last few seconds, and the end of the video clears it.
import { gql } from '../lib/graphql.js';
import { accessToken, mayBeSignedIn, session } from '../lib/session.js';
import { clock } from './overlay.js';

const KEY = 'kino.resume';
const MAX_VIDEOS = 200;
const EDGE_SECONDS = 5;
const LOCAL_EVERY_MS = 1_000;
const REMOTE_EVERY_MS = 10_000;
const SAVE = 'mutation($id: ID!, $seconds: Float!) { savePlaybackPosition(videoId: $id, seconds: $seconds) }';
const RESUME = 'query($id: ID!) { video(id: $id) { id resumePosition } }';

export const resumable = (seconds, duration) => seconds >= EDGE_SECONDS
  && (!Number.isFinite(duration) || seconds < duration - EDGE_SECONDS);

function positions() {
  try {
    const found = JSON.parse(localStorage.getItem(KEY) ?? '{}');
    return found && typeof found === 'object' ? found : {};
  } catch {
    return {};
  }
}

function keepLocally(videoId, seconds, duration) {
  const all = positions();
  if (resumable(seconds, duration)) all[videoId] = { t: Math.round(seconds * 10) / 10, at: Date.now() };
  else delete all[videoId];
  const newest = Object.entries(all).sort(([, a], [, b]) => (b.at ?? 0) - (a.at ?? 0)).slice(0, MAX_VIDEOS);
  try {
    localStorage.setItem(KEY, JSON.stringify(Object.fromEntries(newest)));
  } catch {
    // storage refused: the position is kept on the server only (when signed in)
  }
}

async function keepRemotely(videoId, seconds, keepalive) {
  if (!mayBeSignedIn()) return;
  const token = await accessToken();
  if (!token) return;
  // fetch with keepalive outlives the page (pagehide); answers, even refusals, are not needed
  fetch('/graphql', {
    method: 'POST',
    credentials: 'same-origin',
    keepalive,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${token}` },
    body: JSON.stringify({ query: SAVE, variables: { id: videoId, seconds } }),
  }).catch(() => {});
}

async function savedPosition(videoId) {
  const local = positions()[videoId]?.t ?? null;
  if (!mayBeSignedIn()) return local;
  try {
    if (!(await session())) return local;
    const remote = (await gql(RESUME, { id: videoId })).video?.resumePosition ?? null;
    return remote ?? local;  // the account's position is the newest across devices
  } catch {
    return local;
  }
}

const metadata = (media) => (media.readyState >= 1 ? Promise.resolve() : new Promise((resolve) => {
  media.addEventListener('loadedmetadata', resolve, { once: true });
}));

export function startResume({ media, videoId, show }) {
  let ready = false;  // nothing is saved before the saved position has been applied
  let touched = false;  // played or moved by the viewer: worth saving when the page goes
  let lastLocal = 0;
  let lastRemote = 0;

  Promise.all([savedPosition(videoId), metadata(media)]).then(([seconds]) => {
    ready = true;
    touched = !media.paused;  // playing already (started before the answer came)
    const resume = seconds !== null && resumable(seconds, media.duration) && media.currentTime <= 1;
    media.dataset.resumedAt = resume ? String(seconds) : 'start';  // what was decided, once
    if (!resume) return;
    media.currentTime = seconds;
    show(`Resuming at ${clock(seconds)}`);
  });

  const save = ({ remote = false, keepalive = false } = {}) => {
    if (!ready || !touched || !Number.isFinite(media.currentTime)) return;
    const now = Date.now();
    keepLocally(videoId, media.currentTime, media.duration);
    lastLocal = now;
    if (remote) {
      lastRemote = now;
      keepRemotely(videoId, media.currentTime, keepalive);
    }
  };
  media.addEventListener('playing', () => { touched = ready; });
  media.addEventListener('seeked', () => { if (ready) { touched = true; save(); } });
  media.addEventListener('timeupdate', () => {
    if (media.paused || media.seeking) return;
    const now = Date.now();
    if (now - lastLocal >= LOCAL_EVERY_MS) save({ remote: now - lastRemote >= REMOTE_EVERY_MS });
  });
  media.addEventListener('pause', () => save({ remote: true }));
  media.addEventListener('ended', () => {
    touched = true;
    keepLocally(videoId, media.duration, media.duration);  // clears
    keepRemotely(videoId, media.duration, false);  // clears too (within the last seconds)
  });
  const leave = () => save({ remote: true, keepalive: true });
  addEventListener('pagehide', leave);
  document.addEventListener('visibilitychange', () => { if (document.hidden) leave(); });
}
