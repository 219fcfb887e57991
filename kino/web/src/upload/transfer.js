// One file's bytes to its tus upload (kino/http/tus.py) with tus-js-client: chunks, retries
// after a dropped connection, a wait for the browser to come back online, pause and resume,
// and fresh URLs (renewVideoUpload) when the upload's token is refused or about to expire.
import { Upload } from 'tus-js-client';

const DEFAULT_CHUNK_BYTES = 8 * 1024 * 1024;  // one PATCH per 8 MiB: bounded work per request
const MIN_CHUNK_BYTES = 64 * 1024;
const RETRY_DELAYS = [0, 1000, 3000, 5000, 10_000, 20_000, 30_000, 60_000, 60_000, 60_000];
const RENEW_MARGIN_MS = 15 * 60 * 1000;  // ask for fresh URLs this long before they expire
const SPEED_WINDOW_MS = 8000;

/** The PATCH size; `localStorage['kino.upload.chunkBytes']` overrides it (a proxy with a small
 *  body limit, or tests that need an upload to be in the middle for a while). */
export function chunkBytes() {
  const chosen = Number(localStorage.getItem('kino.upload.chunkBytes'));
  return Number.isFinite(chosen) && chosen >= MIN_CHUNK_BYTES ? chosen : DEFAULT_CHUNK_BYTES;
}

export class UploadError extends Error {
  constructor(message, { gone = false } = {}) {
    super(message);
    this.gone = gone;  // the upload can never continue (cancelled, failed, expired)
  }
}

const statusOf = (error) => error?.originalResponse?.getStatus?.() ?? 0;

function messageOf(error) {
  try {
    return JSON.parse(error.originalResponse.getBody()).message || null;
  } catch {
    return null;
  }
}

/**
 * Listeners: progress({sent, total, speed, secondsLeft}), state(name) with name one of
 * 'uploading', 'paused', 'retrying', 'offline', 'renewing'; resumedAt(offset) after each HEAD;
 * done(); failed(UploadError). `renew()` resolves to a fresh tusUrl (or throws its reason).
 */
export class Transfer {
  constructor(file, tusUrl, { renew, ...listeners }) {
    this.file = file;
    this.url = tusUrl;
    this.renew = renew;
    this.on = listeners;
    this.upload = null;
    this.paused = false;
    this.renewing = false;
    this.window = null;  // how long this URL was valid when first seen
    this.samples = [];
    this.online = () => { if (!this.paused) this.start(); };
  }

  start() {
    window.removeEventListener('online', this.online);
    this.paused = false;
    this.upload?.abort();
    this.samples = [];
    this.upload = new Upload(this.file, {
      uploadUrl: this.url,
      chunkSize: chunkBytes(),
      retryDelays: RETRY_DELAYS,
      storeFingerprintForResuming: false,  // Kino's own memory (remembered.js) keys by user
      onShouldRetry: (error) => this.shouldRetry(error),
      onAfterResponse: (request, response) => this.answered(request, response),
      onProgress: (sent, total) => this.progress(sent, total),
      onSuccess: () => this.on.done?.(),
      onError: (error) => this.failed(error),
    });
    this.on.state?.('uploading');
    this.upload.start();
  }

  pause() {
    this.paused = true;
    window.removeEventListener('online', this.online);
    this.upload?.abort();
    this.on.state?.('paused');
  }

  shouldRetry(error) {
    const status = statusOf(error);
    if (!navigator.onLine) return false;  // wait for the 'online' event instead
    const retry = status === 0 || status >= 500 || status === 409 || status === 423;
    if (retry) this.on.state?.('retrying');
    return retry;
  }

  answered(request, response) {
    if (request.getMethod() === 'HEAD') {
      const offset = Number.parseInt(response.getHeader('Upload-Offset'), 10);
      if (Number.isFinite(offset)) this.on.resumedAt?.(offset);
    }
    const expires = Date.parse(response.getHeader('Upload-Expires') || '');
    if (Number.isNaN(expires) || this.renewing) return;
    const left = expires - Date.now();
    this.window ??= left;
    const offset = Number.parseInt(response.getHeader('Upload-Offset'), 10);
    const more = request.getMethod() === 'PATCH' && offset < this.file.size;
    if (more && left < Math.min(RENEW_MARGIN_MS, this.window / 2)) {
      queueMicrotask(() => this.refresh());  // between two chunks: no byte is sent twice
    }
  }

  progress(sent, total) {
    const now = performance.now();
    this.samples.push([now, sent]);
    while (this.samples.length > 2 && now - this.samples[0][0] > SPEED_WINDOW_MS) this.samples.shift();
    const [since, from] = this.samples[0];
    const speed = now > since ? ((sent - from) * 1000) / (now - since) : 0;
    this.on.state?.('uploading');
    this.on.progress?.({ sent, total, speed, secondsLeft: speed > 0 ? (total - sent) / speed : NaN });
  }

  failed(error) {
    if (this.paused) return;
    const status = statusOf(error);
    if (!navigator.onLine) {
      this.waitForNetwork();
      return;
    }
    if (status === 403 && !this.renewing) {
      this.refresh();
      return;
    }
    if (status === 410 || status === 404) {  // cancelled or failed; its video deleted
      this.on.failed?.(new UploadError(
        'This upload was cancelled or has failed, or its video was deleted; choose the file ' +
        'again to start a new one.', { gone: true }));
      return;
    }
    const words = messageOf(error);
    this.on.failed?.(new UploadError(words
      ? `The upload stopped: ${words}`
      : 'The upload stopped: Kino could not be reached. It continues when you press Resume.'));
  }

  /** Fresh URLs for the same upload, then continue from the server's offset. */
  async refresh() {
    if (this.renewing || this.paused) return;
    this.renewing = true;
    this.upload?.abort();
    this.on.state?.('renewing');
    try {
      this.url = await this.renew();
      this.window = null;
      this.renewing = false;
      this.start();
    } catch (reason) {
      this.renewing = false;
      if (reason.code === 'NETWORK' && !navigator.onLine) this.waitForNetwork();
      else this.on.failed?.(new UploadError(reason.message, { gone: reason.code === 'CONFLICT' }));
    }
  }

  waitForNetwork() {
    this.on.state?.('offline');
    window.addEventListener('online', this.online, { once: true });
  }
}
