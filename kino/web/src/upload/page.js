// /upload: choose or drop a file, describe it, send it with tus (resumable), then follow its
// processing. A file this browser already started uploading is offered to continue from the
// server's offset (after a reload, a crash, a closed tab); see remembered.js.
import { $, h } from '../lib/dom.js';
import { gql } from '../lib/graphql.js';
import { bytes, percent } from '../lib/processing.js';
import { createUpload, renewUpload, titleFromName } from './create.js';
import { ProgressPanel } from './progress.js';
import { forget, recall, remember, unfinished } from './remembered.js';
import { Transfer } from './transfer.js';

const VIDEO_STATE = `query UploadState($id: ID!) { video(id: $id) { id title status } }`;
const FIELD_OF = { title: 'title', description: 'description', visibility: 'visibility',
                   filename: 'file', sizeBytes: 'file', contentType: 'file' };

let user = null;
let signedIn = Promise.resolve(null);  // the session, once the page knows it
let autoTitle = '';
let offered = null;  // {file, entry} while the page offers to continue an upload
let transfer = null;

const form = () => $('#upload-form');
const chosenFile = () => form().file.files[0] ?? null;

function showError(message, field = null) {
  $('#upload-error').textContent = message;
  for (const input of form().querySelectorAll('[aria-invalid]')) input.removeAttribute('aria-invalid');
  const input = field ? form().elements[FIELD_OF[field] ?? field] : null;
  if (input) {
    input.setAttribute('aria-invalid', 'true');
    input.focus();
  }
}

/** Where an upload this browser remembers stands on the server: 'awaiting', 'done' or 'gone'. */
async function standing(entry) {
  const video = (await gql(VIDEO_STATE, { id: entry.videoId }).catch(() => null))?.video;
  if (!video || video.status === 'FAILED') return { state: 'gone' };
  if (video.status !== 'AWAITING_UPLOAD') return { state: 'done', video };
  let offset = null;
  try {
    const answer = await fetch(entry.tusUrl, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } });
    if (answer.status === 410 || answer.status === 404) return { state: 'gone' };
    if (answer.ok) offset = Number.parseInt(answer.headers.get('Upload-Offset'), 10);
  } catch {
    // offline: offer to continue anyway; the transfer waits for the network
  }
  return { state: 'awaiting', video, offset };
}

/** An upload the studio sent the person here to continue (`?continue=<videoId>`), perhaps
 *  started on another device: fresh URLs for it, if this file has its length. */
async function fromElsewhere(file) {
  const videoId = new URLSearchParams(location.search).get('continue');
  if (!videoId) return null;
  try {
    const tusUrl = await renewUpload(videoId);
    const answer = await fetch(tusUrl, { method: 'HEAD', headers: { 'Tus-Resumable': '1.0.0' } });
    const length = Number.parseInt(answer.headers.get('Upload-Length'), 10);
    if (length !== file.size) {
      showError(`This is not the file that upload was started with (it has ${bytes(length)}).`, 'file');
      return null;
    }
    remember(user.id, file, { videoId, tusUrl, title: '' });
    return recall(user.id, file);
  } catch (failure) {
    showError(failure.message, 'file');
    return null;
  }
}

async function offerToContinue(file) {
  offered = null;
  $('#resume-offer').hidden = true;
  $('#upload-start').disabled = false;
  await signedIn;
  const entry = user && (recall(user.id, file) ?? await fromElsewhere(file));
  if (!entry) return;
  const { state, video, offset } = await standing(entry);
  if (chosenFile() !== file || form().hidden) return;  // another file, or already sending
  if (state === 'gone') { forget(user.id, file); return; }
  const text = $('#resume-text');
  if (state === 'done') {
    forget(user.id, file);
    text.replaceChildren('This file is already on Kino as ',
                         h('a', { href: `/watch/${video.id}` }, `“${video.title}”`), '.');
    $('#resume-buttons').hidden = true;
    $('#resume-offer').hidden = false;
    return;
  }
  const done = Number.isFinite(offset) ? ` ${percent(offset / file.size)} (${bytes(offset)}) is on Kino already.` : '';
  text.textContent = `You started uploading this file as “${video.title}”.${done} Continue where it stopped?`;
  $('#resume-buttons').hidden = false;
  $('#resume-offer').hidden = false;
  $('#upload-start').disabled = true;  // continue it, or start over
  offered = { file, entry: { ...entry, title: video.title } };
}

function chose() {
  const file = chosenFile();
  showError('');
  if (!file) return;
  const title = form().title;
  if (!title.value.trim() || title.value === autoTitle) {
    autoTitle = titleFromName(file.name);
    title.value = autoTitle;
  }
  offerToContinue(file);
}

function send(file, { videoId, tusUrl, title }) {
  form().hidden = true;
  $('#resume-offer').hidden = true;
  $('#unfinished').hidden = true;
  $('#continue-note').hidden = true;
  const panel = new ProgressPanel({ onPause: () => transfer.pause(), onResume: () => transfer.start() });
  panel.open(videoId, title);
  transfer = new Transfer(file, tusUrl, {
    renew: async () => {
      const fresh = await renewUpload(videoId);
      remember(user.id, file, { videoId, tusUrl: fresh, title });
      return fresh;
    },
    progress: (numbers) => panel.progress(numbers),
    state: (name) => panel.setState(name),
    resumedAt: (offset) => panel.resumedAt(offset, file.size),
    done: () => { forget(user.id, file); panel.setState('done'); },
    failed: (error) => {
      if (error.gone) forget(user.id, file);
      panel.failed(error);
    },
  });
  transfer.start();
}

async function submit(event) {
  event.preventDefault();
  if (!(await signedIn)) return showError('Sign in to upload.');
  const file = chosenFile();
  const fields = {
    title: form().title.value.trim(),
    description: form().description.value.trim(),
    visibility: form().visibility.value,
  };
  if (!file) return showError('Choose a video file to upload.', 'file');
  if (file.size === 0) return showError('This file is empty; choose another one.', 'file');
  if (!fields.title) return showError('Give the video a title.', 'title');
  showError('');
  const button = $('#upload-start');
  button.disabled = true;
  try {
    const created = await createUpload(file, fields);
    remember(user.id, file, { ...created, title: fields.title });
    send(file, { ...created, title: fields.title });
  } catch (failure) {
    showError(failure.message, failure.field);
    button.disabled = false;
  }
}

async function startOver() {
  const { file, entry } = offered;
  forget(user.id, file);
  offered = null;
  $('#resume-offer').hidden = true;
  $('#upload-start').disabled = false;
  await gql('mutation Drop($id: ID!) { deleteVideo(id: $id) }', { id: entry.videoId }).catch(() => {});
}

async function continuing() {
  const videoId = new URLSearchParams(location.search).get('continue');
  const video = videoId && (await gql(VIDEO_STATE, { id: videoId }).catch(() => null))?.video;
  if (video?.status !== 'AWAITING_UPLOAD') return;
  $('#continue-note').textContent = `Choose the file of “${video.title}” again to continue its upload.`;
  $('#continue-note').hidden = false;
}

async function listUnfinished() {
  const entries = unfinished(user.id);
  const items = [];
  for (const entry of entries) {
    const video = (await gql(VIDEO_STATE, { id: entry.videoId }).catch(() => null))?.video;
    if (video?.status === 'AWAITING_UPLOAD') {
      items.push(h('li', {}, h('strong', {}, entry.name), ` as “${video.title}”`));
    }
  }
  $('#unfinished-list').replaceChildren(...items);
  $('#unfinished').hidden = items.length === 0 || form().hidden;
}

function dragAndDrop() {
  const zone = $('#drop-zone');
  const input = form().file;
  zone.addEventListener('dragover', (event) => { event.preventDefault(); zone.classList.add('dragging'); });
  zone.addEventListener('dragleave', () => zone.classList.remove('dragging'));
  zone.addEventListener('drop', (event) => {
    event.preventDefault();
    zone.classList.remove('dragging');
    if (!event.dataTransfer?.files.length) return;
    input.files = event.dataTransfer.files;
    chose();
  });
}

/** Wire the page at once (a quick person may act before the session is known). */
export function startUploadPage(session) {
  signedIn = session.then((current) => {
    user = current?.user ?? null;
    if (user) { continuing(); listUnfinished(); }
    return user;
  });
  form().file.addEventListener('change', chose);
  form().addEventListener('submit', submit);
  $('#resume-continue').addEventListener('click', () => {
    const { file, entry } = offered;
    send(file, entry);
  });
  $('#resume-restart').addEventListener('click', startOver);
  dragAndDrop();
}
