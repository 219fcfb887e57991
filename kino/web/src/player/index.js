// The player: media-chrome's elements around hls.js (hls-video-element), as the watch, embed
// and live pages render them (templates/_player.html), and what Kino adds to them:
// remembered volume, mute, speed and quality (prefs.js), the page's keyboard shortcuts and
// their list (shortcuts.js), an overlay saying what changed (overlay.js), theater mode, the
// resume position (resume.js) and the view report (views.js). Storyboard previews need
// nothing here: media-chrome reads the <track label="thumbnails"> of the media element.
import 'media-chrome';
import 'media-chrome/menu';
import 'hls-video-element';
import { announceChanges, overlayOf } from './overlay.js';
import { load, rememberPreferences, rememberQuality, store } from './prefs.js';
import { startResume } from './resume.js';
import { startShortcuts } from './shortcuts.js';
import { startViews } from './views.js';

/** The page's player elements, once the custom elements are defined. */
export async function player() {
  await Promise.all(['media-controller', 'hls-video'].map((name) => customElements.whenDefined(name)));
  const controller = document.getElementById('player');
  const media = document.getElementById('media');
  return controller && media ? { controller, media } : null;
}

function theaterMode(button, show) {
  const layout = button?.closest('.watch-layout');
  if (!layout) return null;
  const set = (on, remember = true) => {
    layout.classList.toggle('theater', on);
    button.setAttribute('aria-pressed', String(on));
    if (remember) store('theater', on);
  };
  const toggle = () => {
    set(!layout.classList.contains('theater'));
    show(layout.classList.contains('theater') ? 'Theater mode' : 'Default view');
  };
  button.addEventListener('click', toggle);
  set(load('theater', false) === true, false);
  return { toggle };
}

const hasCaptions = (media) => [...(media.textTracks ?? [])]
  .some((track) => track.kind === 'subtitles' || track.kind === 'captions');

/**
 * Start everything the player does; `videoId` turns on the resume position and the view
 * report (not for live).
 * Returns the player's elements, or null when the page has no player.
 */
export async function startPlayer({ videoId = null } = {}) {
  const parts = await player();
  if (!parts) return null;
  const { controller, media } = parts;
  await customElements.whenDefined('media-rendition-menu-button');
  // The contract's name for the menu button (media-chrome labels it "quality").
  controller.querySelector('#quality-button')?.setAttribute('aria-label', 'Quality');
  const show = overlayOf(controller.querySelector('#player-overlay'));
  rememberPreferences(media);
  rememberQuality(controller.querySelector('#quality-menu'), media);
  announceChanges(media, show);
  const theater = theaterMode(controller.querySelector('#theater'), show);
  const dialog = document.getElementById('shortcuts');
  if (dialog) {
    startShortcuts({ controller, media, show, dialog, theater, captions: () => hasCaptions(media) });
  }
  if (videoId) {
    startResume({ media, videoId, show });
    startViews({ media, videoId });
  }
  return parts;
}
