// The studio's "My videos": every video of the signed-in person (myVideos), with its state and
// processing progress followed live (videoProcessing), inline edits, deletion and "Load more".
import { $, ago, h, plural, toast } from '../lib/dom.js';
import { duration } from '../lib/cards.js';
import { gql } from '../lib/graphql.js';
import { PROCESSED_VIDEO, followProcessing, percent, stageText } from '../lib/processing.js';
import { VISIBILITIES, confirmDelete, editRow } from './editing.js';

const PAGE = 20;
const MINE = `query MyVideos($first: Int, $after: String) {
  myVideos(first: $first, after: $after) {
    edges { node { ${PROCESSED_VIDEO} } } pageInfo { hasNextPage endCursor } } }`;
const VISIBILITY = Object.fromEntries(VISIBILITIES.map(([value, text]) => [value, text.split(':')[0]]));
const UNFINISHED = new Set(['AWAITING_UPLOAD', 'PROCESSING']);

const followed = new Map();  // video id → stop its subscription
let body = null;
let cursor = null;

/** An empty table says so in words instead of showing its header alone. */
function showEmpty() {
  $('#my-videos-empty').hidden = body.children.length > 0;
  $('#my-videos').hidden = body.children.length === 0;
}

const hidden = (text) => h('span', { class: 'visually-hidden' }, ` ${text}`);

function statusCell(video, tick = null) {
  if (video.status === 'READY') return [h('span', { class: 'badge ok' }, 'Ready')];
  if (video.status === 'FAILED') {
    return [h('span', { class: 'badge failed' }, 'Failed'), h('p', { class: 'help' }, video.failureReason || '')];
  }
  if (video.status === 'AWAITING_UPLOAD') {
    return [h('span', { class: 'badge' }, 'Waiting for the upload'),
            h('p', { class: 'help' }, h('a', { href: `/upload?continue=${video.id}` }, 'Continue it'),
              ' by choosing the file again.')];
  }
  const progress = tick ? tick.progress : 0;
  const label = tick ? `${stageText(tick.stage)}: ${percent(progress)}` : 'Processing';
  return [h('span', { class: 'badge' }, 'Processing'),
          h('progress', { max: 100, value: Math.round(progress * 100), 'aria-label': `Processing “${video.title}”` }),
          h('p', { class: 'help studio-stage' }, label)];
}

function videoRow(video) {
  const watch = `/watch/${video.id}`;
  const thumb = video.thumbnailUrl
    ? h('img', { src: video.thumbnailUrl, alt: '', loading: 'lazy', width: 160, height: 90 })
    : h('span', { class: 'no-thumb' });
  const meta = [video.durationSeconds ? duration(video.durationSeconds) : null,
                h('time', { datetime: video.createdAt }, ago(video.createdAt))].filter(Boolean);
  const row = h('tr', { dataset: { videoId: video.id } },
    h('td', {}, h('div', { class: 'studio-video' },
      h('a', { class: 'studio-thumb', href: watch, tabindex: '-1', 'aria-hidden': 'true' }, thumb),
      h('div', {}, h('a', { class: 'studio-title', href: watch }, video.title),
        h('p', { class: 'card-meta' }, ...meta.flatMap((part, i) => (i ? [' · ', part] : [part])))))),
    h('td', {}, VISIBILITY[video.visibility] ?? video.visibility),
    h('td', { class: 'studio-status' }, ...statusCell(video)),
    h('td', {}, plural(video.viewCount, 'view')),
    h('td', { class: 'studio-actions' }));
  actions(row, video);
  return row;
}

function actions(row, video) {
  const cell = row.querySelector('.studio-actions');
  const edit = h('button', { type: 'button', class: 'secondary' }, 'Edit', hidden(`“${video.title}”`));
  const remove = h('button', { type: 'button', class: 'danger' }, 'Delete', hidden(`“${video.title}”`));
  edit.addEventListener('click', () => openEditor(row, video));
  remove.addEventListener('click', () => confirmDelete(cell, video, {
    deleted: () => removed(row, video),
    kept: () => { actions(row, video); row.querySelector('.studio-actions button').focus(); },
  }));
  cell.replaceChildren(edit, ' ', remove);
}

function openEditor(row, video) {
  if (row.nextElementSibling?.classList.contains('edit-row')) return;
  const editor = editRow(video, {
    saved: (changed) => {
      editor.remove();
      const fresh = replace(row, changed);
      toast(`Saved “${changed.title}”.`);
      fresh.querySelector('.studio-actions button').focus();
    },
    closed: () => { editor.remove(); row.querySelector('.studio-actions button').focus(); },
  });
  row.after(editor);
}

function replace(row, video) {
  const fresh = videoRow(video);
  row.replaceWith(fresh);
  follow(fresh, video);
  return fresh;
}

function removed(row, video) {
  followed.get(video.id)?.();
  followed.delete(video.id);
  if (row.nextElementSibling?.classList.contains('edit-row')) row.nextElementSibling.remove();
  row.remove();
  toast(`Deleted “${video.title}”.`);
  showEmpty();
  $('#my-videos-title').focus();  // the row and its buttons are gone: a place to go on from
}

/** Follow a video still uploading or processing: its status cell moves with each tick. */
function follow(row, video) {
  followed.get(video.id)?.();
  followed.delete(video.id);
  if (!UNFINISHED.has(video.status)) return;
  const stop = followProcessing(video.id, {
    next: (tick) => {
      const current = body.querySelector(`tr[data-video-id="${video.id}"]`);
      if (!current) return;
      if (UNFINISHED.has(tick.video.status)) {
        current.querySelector('.studio-status').replaceChildren(...statusCell(tick.video, tick));
      } else {
        replace(current, tick.video);  // ready or failed: the thumbnail and duration too
      }
    },
    error: () => {},  // the row keeps its last state; a reload shows the latest
  });
  followed.set(video.id, stop);
}

async function loadMore() {
  const more = $('#more-videos');
  more.disabled = true;
  try {
    const data = await gql(MINE, { first: PAGE, after: cursor });
    const { edges, pageInfo } = data.myVideos;
    for (const { node } of edges) {
      const row = videoRow(node);
      body.append(row);
      follow(row, node);
    }
    cursor = pageInfo.endCursor;
    more.hidden = !pageInfo.hasNextPage;
    showEmpty();
    $('#my-videos-error').textContent = '';
  } catch (failure) {
    $('#my-videos-error').textContent = `Your videos could not be loaded: ${failure.message}`;
  } finally {
    more.disabled = false;
    $('#my-videos-loading').hidden = true;
  }
}

export function startMyVideos(section) {
  body = section.querySelector('#my-videos-body');
  section.querySelector('#more-videos').addEventListener('click', loadMore);
  return loadMore();
}
