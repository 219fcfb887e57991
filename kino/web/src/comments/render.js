// A comment as a list item, built the way templates/_comments.html renders it on the server,
// and the controls its reader may use. User text is set as text, never parsed as HTML.
import { $, ago, h } from '../lib/dom.js';

export const DELETED_TEXT = 'This comment was deleted.';
const replies = (count) => `${count.toLocaleString('en')} ${count === 1 ? 'reply' : 'replies'}`;

/** The list item of a comment or a reply (the GraphQL `Comment`). */
export function commentItem(comment) {
  const top = !comment.parentId;
  const dataset = {
    commentId: comment.id,
    authorId: comment.author.id,
    authorName: comment.author.displayName,
    replyCount: String(comment.replyCount ?? 0),
  };
  if (comment.parentId) dataset.parentId = comment.parentId;
  const item = h('li', { class: top ? 'comment' : 'comment reply', id: `comment-${comment.id}`, dataset },
    h('p', { class: 'comment-meta' },
      h('a', { class: 'comment-author', href: `/channel/${encodeURIComponent(comment.author.handle)}` },
        comment.author.displayName),
      ' ', h('time', { datetime: comment.createdAt }, ago(comment.createdAt)),
      comment.editedAt ? h('span', { class: 'edited' }, ' (edited)') : null),
    h('p', { class: 'comment-body' }),
    h('div', { class: 'comment-actions' }),
    h('div', { class: 'comment-slot' }),
    top ? repliesArea(comment.id, comment.replyCount ?? 0) : null);
  showBody(item, comment);
  return item;
}

function repliesArea(id, count) {
  return h('div', { class: 'replies' },
    h('button', { type: 'button', class: 'show-replies link-button', 'aria-expanded': 'false',
                  'aria-controls': `replies-${id}`, hidden: count === 0 }, replies(count)),
    h('ol', { class: 'reply-list', id: `replies-${id}`, hidden: true }),
    h('button', { type: 'button', class: 'more-replies link-button', hidden: true }, 'More replies'));
}

/** Show a comment's body (or that it was deleted) and its "(edited)" mark. */
export function showBody(item, comment) {
  const body = $('.comment-body', item);
  if (comment.deleted) {
    item.dataset.deleted = 'true';
    body.replaceChildren(h('em', {}, DELETED_TEXT));
  } else {
    body.textContent = comment.body;
  }
  if (comment.editedAt && !$('.edited', item)) $('.comment-meta', item).append(h('span', { class: 'edited' }, ' (edited)'));
}

/** The reply count shown on a top-level comment's "N replies" button. */
export function showReplyCount(item, count) {
  item.dataset.replyCount = String(count);
  const button = $('.show-replies', item);
  if (!button) return;
  button.textContent = replies(count);
  button.hidden = count === 0 && button.getAttribute('aria-expanded') !== 'true';
}

export const isDeleted = (item) => item.dataset.deleted === 'true';

/**
 * The buttons a reader may use on a comment: Reply (signed in, top level), Edit (its author),
 * Delete (its author or the video's owner). Nothing on a deleted comment.
 */
export function showActions(item, viewer, videoOwnerId) {
  const actions = $('.comment-actions', item);
  const buttons = [];
  if (viewer && !isDeleted(item)) {
    const mine = item.dataset.authorId === viewer.id;
    if (!item.dataset.parentId) buttons.push(action('reply', 'Reply'));
    if (mine) buttons.push(action('edit', 'Edit'));
    if (mine || viewer.id === videoOwnerId) buttons.push(action('delete', 'Delete'));
  }
  actions.replaceChildren(...buttons);
  actions.hidden = buttons.length === 0;
}

function action(name, label) {
  return h('button', { type: 'button', class: 'link-button', dataset: { action: name } }, label);
}
