// A video's processing, live: the videoProcessing subscription (its owner only), shared by the
// upload page and the studio. Each event carries the stage, the progress (0 to 1) and the
// video as the catalog shows it (status, playbackUrl once the first rendition plays, ...).
import { subscribe } from './graphql.js';

export const PROCESSED_VIDEO = `id title description visibility status playbackUrl thumbnailUrl
  durationSeconds viewCount createdAt failureReason renditions { name height }`;

const PROCESSING = `subscription Processing($id: ID!) {
  videoProcessing(videoId: $id) { stage progress video { ${PROCESSED_VIDEO} } } }`;

/** Follow a video until READY or FAILED; `next({stage, progress, video})`. Returns a stop function. */
export function followProcessing(videoId, { next, error }) {
  return subscribe(PROCESSING, { id: videoId }, {
    next: (data) => next(data.videoProcessing),
    error,
  });
}

/** A processing stage in words ("transcoding 144p, 240p" → "Making 144p, 240p"). */
export function stageText(stage) {
  if (stage === 'waiting') return 'Waiting for a transcoder';
  if (stage === 'probing') return 'Reading the file';
  if (stage.startsWith('transcoding ')) return `Making ${stage.slice('transcoding '.length)}`;
  if (stage === 'ready') return 'Ready';
  if (stage === 'failed') return 'Failed';
  return stage;
}

export const percent = (fraction) => `${Math.floor(Math.max(0, Math.min(1, fraction)) * 100)} %`;

const UNITS = ['bytes', 'KB', 'MB', 'GB', 'TB'];

/** 1234567 → "1.2 MB" (decimal units, as file managers show sizes). */
export function bytes(count) {
  let value = count;
  let unit = 0;
  while (value >= 1000 && unit < UNITS.length - 1) { value /= 1000; unit += 1; }
  return unit === 0 ? `${value} bytes` : `${value.toFixed(value < 10 ? 1 : 0)} ${UNITS[unit]}`;
}

/** 95 → "about 1 min 35 s"; a rough time left. */
export function timeLeft(seconds) {
  if (!Number.isFinite(seconds) || seconds < 0) return '';
  const total = Math.ceil(seconds);
  if (total < 60) return `about ${total} s`;
  const hours = Math.floor(total / 3600);
  const minutes = Math.floor(total / 60) % 60;
  return hours ? `about ${hours} h ${minutes} min` : `about ${minutes} min ${total % 60} s`;
}
