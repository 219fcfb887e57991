// The upload page's progress panel: the bytes (bar, size, speed, time left, pause and
// resume), then the processing (stage and progress from videoProcessing) and the Watch link as
// soon as the first rendition plays.
import { $ } from '../lib/dom.js';
import { bytes, followProcessing, percent, stageText, timeLeft } from '../lib/processing.js';

const STATES = {
  uploading: 'Uploading.',
  paused: 'Paused. Press Resume to continue.',
  retrying: 'The connection dropped; trying again.',
  offline: 'You are offline. The upload continues by itself when the connection is back.',
  renewing: 'Asking Kino for a fresh upload address.',
  done: 'Upload complete.',
};

export class ProgressPanel {
  constructor({ onPause, onResume }) {
    this.section = $('#upload-progress');
    this.bar = $('#upload-bar');
    this.numbers = $('#upload-numbers');
    this.state = $('#upload-state');
    this.error = $('#transfer-error');
    this.pauseButton = $('#upload-pause');
    this.processingBar = $('#processing-bar');
    this.processing = $('#processing-status');
    this.paused = false;
    this.stop = null;
    this.pauseButton.addEventListener('click', () => {
      if (this.paused) onResume(); else onPause();
    });
  }

  /** Show the panel for a video; follow its processing from now on (no tick is missed). */
  open(videoId, title) {
    this.videoId = videoId;
    $('#upload-name').textContent = `“${title}”`;
    this.section.hidden = false;
    this.stop?.();
    this.stop = followProcessing(videoId, {
      next: (event) => this.processed(event),
      error: (failure) => {
        this.processing.textContent = `Processing progress is not available: ${failure.message}`;
      },
    });
    this.section.scrollIntoView({ block: 'nearest' });
  }

  /** After each HEAD: where the server says the upload stands. */
  resumedAt(offset, total) {
    if (offset <= 0 || offset >= total) return;
    $('#upload-resumed').textContent =
      `Continued at ${percent(offset / total)}: ${bytes(offset)} were already on Kino.`;
  }

  progress({ sent, total, speed, secondsLeft }) {
    const fraction = total ? sent / total : 0;
    this.bar.value = Math.floor(fraction * 100);
    const parts = [percent(fraction), `${bytes(sent)} of ${bytes(total)}`];
    if (sent < total && speed > 0) parts.push(`${bytes(speed)}/s`, `${timeLeft(secondsLeft)} left`);
    this.numbers.textContent = parts.join(' · ');
  }

  setState(name) {
    this.paused = name === 'paused';
    this.pauseButton.textContent = this.paused ? 'Resume' : 'Pause';
    this.pauseButton.hidden = name === 'done';
    const text = STATES[name] ?? name;
    if (this.state.textContent !== text) this.state.textContent = text;
    if (name !== 'paused') this.error.textContent = '';
  }

  failed(error) {
    this.error.textContent = error.message;
    if (error.gone) {
      this.pauseButton.hidden = true;
      this.state.textContent = '';
      this.stop?.();
      $('#upload-again').hidden = false;
    } else {
      this.setState('paused');
    }
  }

  processed({ stage, progress, video }) {
    this.processingBar.value = Math.round(progress * 100);
    if (video.status === 'FAILED') {
      this.processing.textContent = `Processing failed: ${video.failureReason || 'no reason given'}`;
    } else if (video.status === 'READY') {
      this.processingBar.value = 100;
      this.processing.textContent = 'Ready: every quality is available.';
    } else if (video.status === 'PROCESSING') {
      this.processing.textContent = `${stageText(stage)}: ${percent(progress)}`;
    }
    if (video.playbackUrl || video.status === 'READY') {
      $('#watch-link').href = `/watch/${video.id}`;
      $('#watch-link-row').hidden = false;
    }
    if (video.status === 'READY' || video.status === 'FAILED') $('#upload-again').hidden = false;
  }
}
