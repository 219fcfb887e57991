// A video as a card in a grid, built the way the server's templates render it.
import { ago, h, plural } from './dom.js';

export function duration(seconds) {
  if (seconds == null) return '';
  const total = Math.round(seconds);
  const [hours, minutes, secs] = [Math.floor(total / 3600), Math.floor(total / 60) % 60, total % 60];
  const pad = (n) => String(n).padStart(2, '0');
  return hours ? `${hours}:${pad(minutes)}:${pad(secs)}` : `${minutes}:${pad(secs)}`;
}

/** `level`: the card title's heading level, after the page's own headings. */
export function videoCard(video, level = 3) {
  return h('li', { class: 'video-card' },
    h('a', { class: 'thumb', href: `/watch/${video.id}`, tabindex: '-1', 'aria-hidden': 'true' },
      video.thumbnailUrl ? h('img', { src: video.thumbnailUrl, alt: '', loading: 'lazy', width: 320, height: 180 })
                         : h('span', { class: 'no-thumb' }),
      video.durationSeconds ? h('span', { class: 'duration' }, duration(video.durationSeconds)) : null),
    h(`h${level}`, { class: 'card-title' }, h('a', { href: `/watch/${video.id}` }, video.title)),
    h('p', { class: 'card-meta' },
      h('a', { href: `/channel/${video.owner.handle}` }, video.owner.displayName), ' · ',
      plural(video.viewCount, 'view'), ' · ', h('time', { datetime: video.createdAt }, ago(video.createdAt))));
}
