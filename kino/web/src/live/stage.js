// The live page's player and state: "starting soon" until the stream is LIVE, then it plays
// by itself (hls.js tuned for about 2 s behind live); "the broadcast ended" with a link to
// the recording once it can be watched. The `liveStream` subscription pushes every change
// (and counts this page as a viewer).
import { $ } from '../lib/dom.js';
import { gql, subscribe } from '../lib/graphql.js';
import { player } from '../player/index.js';

const FIELDS = 'id status playbackUrl viewerCount recording { id status playbackUrl }';
const STREAM = `query LiveStream($id: ID!) { liveStream(id: $id) { ${FIELDS} } }`;
const FOLLOW = `subscription FollowStream($id: ID!) { liveStream(id: $id) { ${FIELDS} } }`;
// About 2 s glass to glass (docs/live.md): start one segment behind the edge and catch up
// gently when behind.
const LOW_LATENCY = { liveSyncDurationCount: 1, liveMaxLatencyDurationCount: 3, maxLiveSyncPlaybackRate: 1.5, lowLatencyMode: false };
const RECORDING_POLL_MS = 5000;

const STATE_TEXT = {
  OFFLINE: 'Starting soon: the stream begins when the streamer goes live.',
  LIVE: 'Live',
  ENDED: 'The broadcast ended.',
};

export class LiveStage {
  constructor(root, elements) {
    this.root = root;
    this.media = elements?.media ?? null;
    this.streamId = root.dataset.streamId;
    this.playing = null;
  }

  show(stream) {
    if (!stream) return;
    this.root.dataset.status = stream.status;
    document.dispatchEvent(new CustomEvent('kino:stream', { detail: stream }));  // the chat listens
    $('#live-state').textContent = STATE_TEXT[stream.status] ?? stream.status;
    $('#live-badge').hidden = stream.status !== 'LIVE';
    $('#viewer-count').textContent = `${stream.viewerCount.toLocaleString('en')} watching`;
    $('#viewer-count-row').hidden = stream.status === 'ENDED';  // nobody watches a past broadcast
    if (stream.status === 'LIVE' && stream.playbackUrl) this.play(stream.playbackUrl);
    if (stream.status === 'ENDED') this.end(stream.recording);
  }

  play(url) {
    if (!this.media || this.playing === url) return;
    this.playing = url;
    this.media.config = { ...(this.media.config ?? {}), ...LOW_LATENCY };
    this.media.src = url;
    this.media.play().catch(() => {
      // Sound needs a gesture in most browsers: start muted, the mute button brings it back.
      this.media.muted = true;
      return this.media.play().catch(() => {});
    });
  }

  end(recording) {
    if (this.playing) {
      this.media.pause();
      this.media.removeAttribute('src');
      this.media.load?.();
      this.playing = null;
    }
    if (recording && (recording.status === 'READY' || recording.playbackUrl)) {
      $('#recording-link').href = `/watch/${recording.id}`;
      $('#recording-row').hidden = false;
      $('#live-state').textContent = 'The broadcast ended. Its recording is ready to watch.';
      return;
    }
    clearTimeout(this.poll);
    this.poll = setTimeout(() => this.refresh(), RECORDING_POLL_MS);  // until it is processed
  }

  async refresh() {
    const { liveStream } = await gql(STREAM, { id: this.streamId });
    this.show(liveStream);
  }

  follow() {
    subscribe(FOLLOW, { id: this.streamId }, {
      next: (data) => this.show(data.liveStream),
      error: () => {},
    });
    return this.refresh();
  }
}

export async function startStage() {
  const root = $('#live');
  if (!root) return null;
  const stage = new LiveStage(root, await player());
  await stage.follow();
  window.kinoLive = stage;
  return stage;
}
