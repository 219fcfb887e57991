// Views: once the video has really played for VIEW_SECONDS (seeking does not count, nor time
// spent paused or buffering), the page reports a view (recordView). Kino counts one per
// viewer per video per hour: the signed-in user, else the anonymous id this browser keeps.
import { gql } from '../lib/graphql.js';

const VIEW_SECONDS = 5;
const VIEWER_KEY = 'kino.viewer';
const MAX_STEP_SECONDS = 1.5;  // a bigger jump between two timeupdates is a seek, not play
const ATTEMPTS = 3;
const RETRY_MS = 10_000;
const RECORD = `mutation RecordView($id: ID!, $seconds: Float!, $viewer: String) {
  recordView(videoId: $id, secondsWatched: $seconds, viewerId: $viewer) }`;

// crypto.randomUUID needs a secure context; a site served over plain http has none.
const newId = () => [...crypto.getRandomValues(new Uint8Array(16))]
  .map((byte) => byte.toString(16).padStart(2, '0')).join('');

function viewerId() {
  try {
    let id = localStorage.getItem(VIEWER_KEY);
    if (!id) {
      id = newId();
      localStorage.setItem(VIEWER_KEY, id);
    }
    return id;
  } catch {
    return newId();  // storage refused: this page's view still counts once
  }
}

export function startViews({ media, videoId }) {
  let played = 0;
  let last = null;
  let attempts = 0;
  let nextAttempt = 0;  // Date.now() from which a report may be sent
  const report = () => {
    attempts += 1;
    nextAttempt = Infinity;
    media.dataset.viewReported = 'sending';
    gql(RECORD, { id: videoId, seconds: played, viewer: viewerId() })
      .then((data) => { media.dataset.viewReported = data.recordView ? 'counted' : 'seen'; })
      .catch(() => {
        media.dataset.viewReported = 'failed';
        if (attempts < ATTEMPTS) nextAttempt = Date.now() + RETRY_MS;
      });
  };
  media.addEventListener('seeking', () => { last = null; });
  media.addEventListener('timeupdate', () => {
    const now = media.currentTime;
    if (media.paused || media.seeking) {
      last = null;
      return;
    }
    const step = last === null ? 0 : now - last;
    if (step > 0 && step <= MAX_STEP_SECONDS) played += step;
    last = now;
    if (played >= VIEW_SECONDS && Date.now() >= nextAttempt) report();
  });
}
