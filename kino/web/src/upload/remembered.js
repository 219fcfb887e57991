// Uploads this browser started and has not finished: file fingerprint → {videoId, tusUrl}, so
// that choosing the same file again (after a reload, a crash, a closed tab) continues it. Kept
// per signed-in user: another person on the same browser never continues someone else's.
// The tusUrl carries the upload's own short-lived token, never the user's access token.
const KEY = 'kino.uploads';
const KEEP_MS = 8 * 24 * 3600 * 1000;  // longer than any upload may stay unfinished

/** What identifies a file the person chooses again: name, size, type, last modified. */
export const fingerprint = (userId, file) =>
  [userId, file.name, file.size, file.type, file.lastModified].join('|');

function read() {
  try {
    const all = JSON.parse(localStorage.getItem(KEY) || '{}');
    return all && typeof all === 'object' ? all : {};
  } catch {
    return {};
  }
}

function write(all) {
  try {
    localStorage.setItem(KEY, JSON.stringify(all));
  } catch {
    // storage full or disabled: the upload still works, it just cannot resume after a reload
  }
}

/** The unfinished upload of this file, if this browser started one. */
export function recall(userId, file) {
  const entry = read()[fingerprint(userId, file)];
  return entry && Date.now() - entry.savedAt < KEEP_MS ? entry : null;
}

export function remember(userId, file, { videoId, tusUrl, title }) {
  const all = read();
  for (const [key, entry] of Object.entries(all)) {
    if (Date.now() - entry.savedAt >= KEEP_MS) delete all[key];
  }
  all[fingerprint(userId, file)] = { videoId, tusUrl, title, name: file.name, savedAt: Date.now() };
  write(all);
}

export function forget(userId, file) {
  const all = read();
  delete all[fingerprint(userId, file)];
  write(all);
}

/** Unfinished uploads of this user (to remind them to choose the file again). */
export function unfinished(userId) {
  const prefix = `${userId}|`;
  return Object.entries(read())
    .filter(([key, entry]) => key.startsWith(prefix) && Date.now() - entry.savedAt < KEEP_MS)
    .map(([, entry]) => entry);
}
