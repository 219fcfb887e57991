// The studio's inline tools for one video: edit its title, description and visibility
// (updateVideo), and delete it after a confirmation (deleteVideo).
import { h } from '../lib/dom.js';
import { gql } from '../lib/graphql.js';
import { PROCESSED_VIDEO } from '../lib/processing.js';

const UPDATE = `mutation UpdateVideo($id: ID!, $title: String, $description: String, $visibility: Visibility) {
  updateVideo(id: $id, title: $title, description: $description, visibility: $visibility) {
    ${PROCESSED_VIDEO} } }`;
const DELETE = 'mutation DeleteVideo($id: ID!) { deleteVideo(id: $id) }';

export const VISIBILITIES = [
  ['PUBLIC', 'Public: listed and searchable'],
  ['UNLISTED', 'Unlisted: anyone with the link'],
  ['PRIVATE', 'Private: only you'],
];

/** A row below the video's row with the edit form; `saved(video)` or `closed()` after. */
export function editRow(video, { saved, closed }) {
  const id = (name) => `edit-${name}-${video.id}`;
  const error = h('p', { class: 'form-error', role: 'alert' });
  const title = h('input', { id: id('title'), name: 'title', required: true, maxlength: 200 });
  const description = h('textarea', { id: id('description'), name: 'description', rows: 3, maxlength: 5000 });
  const visibility = h('select', { id: id('visibility'), name: 'visibility' },
    VISIBILITIES.map(([value, text]) => h('option', { value, selected: value === video.visibility }, text)));
  title.value = video.title;
  description.value = video.description;
  const save = h('button', { type: 'submit' }, 'Save');
  const form = h('form', { class: 'stacked studio-edit', novalidate: true, 'aria-label': `Edit “${video.title}”` },
    h('label', { for: id('title') }, 'Title'), title,
    h('label', { for: id('description') }, 'Description'), description,
    h('label', { for: id('visibility') }, 'Visibility'), visibility,
    error,
    h('p', { class: 'studio-edit-buttons' }, save,
      h('button', { type: 'button', class: 'secondary', onclick: closed }, 'Cancel')));
  form.addEventListener('keydown', (event) => { if (event.key === 'Escape') closed(); });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.textContent = '';
    if (!title.value.trim()) {
      error.textContent = 'A video needs a title.';
      title.focus();
      return;
    }
    save.disabled = true;
    try {
      const data = await gql(UPDATE, {
        id: video.id, title: title.value.trim(), description: description.value.trim(),
        visibility: visibility.value,
      });
      saved(data.updateVideo);
    } catch (failure) {
      error.textContent = failure.message;
      form.elements[failure.field]?.focus();
      save.disabled = false;
    }
  });
  const row = h('tr', { class: 'edit-row' }, h('td', { colspan: 5 }, form));
  queueMicrotask(() => title.focus());
  return row;
}

/** Replace the actions cell's buttons by a confirmation; `deleted()` once it is gone. */
export function confirmDelete(cell, video, { deleted, kept }) {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const confirm = h('button', { type: 'button', class: 'danger' }, 'Delete for good');
  const keep = h('button', { type: 'button', class: 'secondary', onclick: kept }, 'Keep it');
  confirm.addEventListener('click', async () => {
    confirm.disabled = true;
    try {
      await gql(DELETE, { id: video.id });
      deleted();
    } catch (failure) {
      error.textContent = failure.message;
      confirm.disabled = false;
    }
  });
  cell.replaceChildren(h('p', { class: 'studio-confirm' }, `Delete “${video.title}”? This cannot be undone.`),
                       confirm, ' ', keep, error);
  keep.focus();
}
