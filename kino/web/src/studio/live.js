// The studio's live part: "Go live" creates a stream and shows the server and the key (hidden
// until revealed, with copy buttons); each of the streamer's streams with its state and
// viewers, its key rotation and "End stream".
import 'hls-video-element';
import { $, h, toast } from '../lib/dom.js';
import { gql } from '../lib/graphql.js';

const STREAM = `id title status viewerCount startedAt endedAt playbackUrl recording { id }
  health { inputBitrate frameRate encoderSpeed rungs droppedFrames updatedAt }`;
const CREATE = `mutation GoLive($t: String!, $d: String, $r: Boolean) {
  createLiveStream(title: $t, description: $d, saveRecording: $r) { ingestUrl streamKey stream { ${STREAM} } } }`;
const ROTATE = `mutation RotateKey($id: ID!) { rotateStreamKey(id: $id) { ingestUrl streamKey stream { ${STREAM} } } }`;
const END = `mutation EndStream($id: ID!) { endLiveStream(id: $id) { ${STREAM} } }`;
const MINE = `query MyStreams { myLiveStreams(first: 20) { edges { node { ${STREAM} } } } }`;

// Polled, not subscribed: a liveStream subscription counts as a viewer of the stream.
const REFRESH_MS = 5000;
const STATUS_TEXT = { OFFLINE: 'Waiting for your encoder', LIVE: 'Live', ENDED: 'Ended' };

export class LiveStudio {
  constructor() {
    this.list = $('#my-streams');
  }

  /** Bind the controls at once (before the session is known), then show the streams. */
  async start(signedIn) {
    $('#go-live-form').addEventListener('submit', (event) => this.goLive(event));
    $('#live-key-reveal').addEventListener('click', (event) => this.reveal(event.currentTarget));
    for (const button of document.querySelectorAll('[data-copy]')) {
      button.addEventListener('click', () => this.copy(button));
    }
    if (!(await signedIn)) return;
    await this.refresh();
    setInterval(() => { if (!document.hidden) this.refresh().catch(() => {}); }, REFRESH_MS);
  }

  async goLive(event) {
    event.preventDefault();
    const form = event.currentTarget;
    const submit = form.querySelector('button[type=submit]');
    if (submit.disabled) return;  // a second click while the first creates the stream
    const error = $('#go-live-error');
    error.textContent = '';
    const title = form.title.value.trim();
    if (!title) { error.textContent = 'Give the stream a title.'; return; }
    submit.disabled = true;
    form.setAttribute('aria-busy', 'true');
    try {
      const { createLiveStream } = await gql(CREATE, {
        t: title, d: form.description.value.trim(), r: form.saveRecording.checked,
      });
      this.credentials(createLiveStream);
      form.reset();
      await this.refresh();
    } catch (failure) {
      error.textContent = failure.message;
    } finally {
      submit.disabled = false;
      form.removeAttribute('aria-busy');
    }
  }

  credentials({ ingestUrl, streamKey, stream }) {
    $('#live-server').value = ingestUrl;
    $('#live-key').value = streamKey;
    $('#live-key').type = 'password';
    $('#live-key-reveal').setAttribute('aria-pressed', 'false');
    $('#live-key-reveal').textContent = 'Reveal key';
    $('#live-page-link').href = `/live/${stream.id}`;
    $('#live-credentials').hidden = false;
    $('#live-credentials').scrollIntoView({ block: 'nearest' });
    $('#live-server').focus({ preventScroll: true });  // what to do next, where the eyes go
  }

  reveal(button) {
    const key = $('#live-key');
    const shown = key.type === 'password';
    key.type = shown ? 'text' : 'password';
    button.setAttribute('aria-pressed', String(shown));
    button.textContent = shown ? 'Hide key' : 'Reveal key';
  }

  async copy(button) {
    const value = $(`#${button.dataset.copy}`).value;
    try {
      await navigator.clipboard.writeText(value);
      toast('Copied.');
    } catch {
      toast('Copying is not allowed here: select the text and copy it yourself.');
    }
  }

  async refresh() {
    const { myLiveStreams } = await gql(MINE);
    this.render(myLiveStreams.edges.map((edge) => edge.node));
  }

  /** Items are updated in place, so a live preview keeps playing across refreshes. */
  render(streams) {
    const items = streams.map((stream) => this.itemFor(stream));
    if (items.some((item, index) => this.list.children[index] !== item)) {
      this.list.replaceChildren(...items);
    }
    $('#my-streams-empty').hidden = streams.length > 0;
  }

  itemFor(stream) {
    const item = this.list.querySelector(`[data-stream-id="${CSS.escape(stream.id)}"]`)
      ?? h('li', { class: 'my-stream', dataset: { streamId: stream.id } }, h('div', { class: 'stream-info' }));
    item.querySelector('.stream-info').replaceChildren(...this.parts(stream).filter(Boolean));
    const preview = item.querySelector('hls-video');  // left alone: it keeps playing
    const wanted = stream.status === 'LIVE' && stream.playbackUrl;
    if (wanted && !preview) item.append(this.preview(stream));
    if (!wanted && preview) preview.remove();
    return item;
  }

  parts(stream) {
    const ended = stream.status === 'ENDED';
    return [
      h('a', { href: `/live/${stream.id}` }, stream.title),
      h('p', { class: 'stream-health', 'data-role': 'state' },
        `${STATUS_TEXT[stream.status] ?? stream.status} · ${stream.viewerCount} watching`),
      stream.health ? h('p', { class: 'stream-health', 'data-role': 'health' }, health(stream.health)) : null,
      ended && stream.recording ? h('a', { href: `/watch/${stream.recording.id}` }, 'Watch the recording') : null,
      ended ? null : h('div', { class: 'stream-actions' },
        h('button', { type: 'button', class: 'secondary', onclick: () => this.rotate(stream) }, 'Rotate key'),
        h('button', { type: 'button', class: 'danger', onclick: () => this.end(stream) }, 'End stream')),
    ];
  }

  /** A small muted player of the stream while it is live. */
  preview(stream) {
    return h('hls-video', {
      class: 'stream-preview', src: stream.playbackUrl, muted: true, autoplay: true,
      playsinline: true, 'aria-label': `Preview of ${stream.title}`,
    });
  }

  update(stream) {
    this.itemFor(stream);
  }

  async rotate(stream) {
    if (!window.confirm(`Rotate the key of “${stream.title}”? The old key stops working.`)) return;
    try {
      this.credentials((await gql(ROTATE, { id: stream.id })).rotateStreamKey);
    } catch (failure) {
      toast(failure.message);
    }
  }

  async end(stream) {
    if (!window.confirm(`End “${stream.title}”? Your encoder is disconnected.`)) return;
    try {
      this.update((await gql(END, { id: stream.id })).endLiveStream);
      toast('The stream has ended.');
    } catch (failure) {
      toast(failure.message);
    }
  }
}

/** `signedIn`: a promise of the session (the page's layout resolves it). */
export async function startLiveStudio(signedIn) {
  if (!$('#go-live-form')) return null;
  const studio = new LiveStudio();
  await studio.start(signedIn);
  return studio;
}

/** "2.1 Mb/s in · 30 fps · encoder 1.02× · 2 qualities": the health line of a live stream. */
export function health(measures) {
  const parts = [];
  if (measures.inputBitrate != null) parts.push(`${(measures.inputBitrate / 1e6).toFixed(1)} Mb/s in`);
  if (measures.frameRate != null) parts.push(`${Math.round(measures.frameRate)} fps`);
  if (measures.encoderSpeed != null) parts.push(`encoder ${measures.encoderSpeed.toFixed(2)}×`);
  if (measures.rungs != null) parts.push(`${measures.rungs} ${measures.rungs === 1 ? 'quality' : 'qualities'}`);
  if (measures.droppedFrames) parts.push(`${measures.droppedFrames} frames dropped`);
  return parts.join(' · ') || 'Waiting for the encoder’s first figures';
}
