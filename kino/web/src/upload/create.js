// Creating the video an upload fills: createVideoUpload (GraphQL) up to GraphQL's Int limit,
// tus creation (POST /uploads/tus with the access token) above it. Both give a tusUrl.
import { ApiError, gql } from '../lib/graphql.js';
import { accessToken } from '../lib/session.js';

const MAX_GRAPHQL_INT = 2 ** 31 - 1;

const CREATE = `mutation CreateUpload($title: String!, $filename: String!, $sizeBytes: Int!,
    $contentType: String!, $description: String, $visibility: Visibility) {
  createVideoUpload(title: $title, filename: $filename, sizeBytes: $sizeBytes,
      contentType: $contentType, description: $description, visibility: $visibility) {
    tusUrl video { id } } }`;

const RENEW = `mutation RenewUpload($id: ID!) { renewVideoUpload(videoId: $id) { tusUrl } }`;

const BY_EXTENSION = {
  mp4: 'video/mp4', m4v: 'video/x-m4v', mov: 'video/quicktime', webm: 'video/webm',
  mkv: 'video/x-matroska', avi: 'video/x-msvideo', mpg: 'video/mpeg', mpeg: 'video/mpeg',
  ts: 'video/mp2t', flv: 'video/x-flv', wmv: 'video/x-ms-wmv', '3gp': 'video/3gpp',
  ogv: 'video/ogg',
};

/** The file's media type; by its extension when the browser does not know it. */
export function contentType(file) {
  if (file.type) return file.type;
  const extension = file.name.split('.').pop().toLowerCase();
  return BY_EXTENSION[extension] ?? 'application/octet-stream';
}

/** "my_holiday-2024.final.mp4" → "my holiday-2024.final": a title to start from. */
export function titleFromName(name) {
  const dot = name.lastIndexOf('.');
  const stem = dot > 0 ? name.slice(0, dot) : name;
  return stem.replace(/_+/g, ' ').replace(/\s+/g, ' ').trim().slice(0, 200);
}

const base64 = (text) => btoa(String.fromCodePoint(...new TextEncoder().encode(text)));

async function createByTus(file, fields) {
  const metadata = {
    filename: file.name, filetype: contentType(file), title: fields.title,
    description: fields.description, visibility: fields.visibility,
  };
  let response;
  try {
    response = await fetch('/uploads/tus', {
      method: 'POST',
      headers: {
        Authorization: `Bearer ${await accessToken()}`,
        'Tus-Resumable': '1.0.0',
        'Upload-Length': String(file.size),
        'Upload-Metadata': Object.entries(metadata).map(([k, v]) => `${k} ${base64(v)}`).join(','),
      },
    });
  } catch {
    throw new ApiError('Kino could not be reached. Check your connection and try again.', 'NETWORK');
  }
  if (response.status !== 201) {
    const body = await response.json().catch(() => ({}));
    throw new ApiError(body.message || `Kino refused the upload (${response.status}).`,
                       body.code || 'BAD_USER_INPUT', 'file');
  }
  const tusUrl = new URL(response.headers.get('Location'), location.href).href;
  return { videoId: new URL(tusUrl).pathname.split('/').pop(), tusUrl };
}

/** A new video for `file` with the form's fields: {videoId, tusUrl}. */
export async function createUpload(file, fields) {
  if (file.size > MAX_GRAPHQL_INT) return createByTus(file, fields);
  const data = await gql(CREATE, {
    title: fields.title, filename: file.name, sizeBytes: file.size,
    contentType: contentType(file), description: fields.description,
    visibility: fields.visibility,
  });
  return { videoId: data.createVideoUpload.video.id, tusUrl: data.createVideoUpload.tusUrl };
}

/** Fresh URLs for an unfinished upload of the signed-in user: the new tusUrl. */
export async function renewUpload(videoId) {
  return (await gql(RENEW, { id: videoId })).renewVideoUpload.tusUrl;
}
