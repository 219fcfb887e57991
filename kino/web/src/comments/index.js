// The comments of the watch page: the server renders the first page; this module adds posting,
// "load more", replies one level deep, editing and deleting (the author; the video's owner may
// delete any comment), and keeps the counts right. Errors are shown next to their form.
import { $, h, plural, toast } from '../lib/dom.js';
import { onSessionChange, session } from '../lib/session.js';
import * as api from './api.js';
import { commentForm, describe, handleSubmit } from './forms.js';
import { commentItem, showActions, showBody, showReplyCount } from './render.js';
import { addReply, moreReplies, toggleReplies } from './replies.js';

export function startComments() {
  const section = $('#comments');
  if (!section) return null;
  const thread = {
    section,
    videoId: section.dataset.videoId,
    ownerId: section.dataset.videoOwnerId,
    viewer: null,
    decorate(item) {
      showActions(item, this.viewer, this.ownerId);
      return item;
    },
  };
  const showViewer = (user) => {
    thread.viewer = user;
    for (const item of section.querySelectorAll('li.comment')) {
      if (!user) $('.comment-slot', item).replaceChildren();
      thread.decorate(item);
    }
  };
  onSessionChange(showViewer);
  session().then((current) => showViewer(current?.user ?? null));

  handleSubmit($('#comment-form'), async (body) => {
    const comment = await api.post(thread.videoId, body);
    const list = $('#comment-list');
    list.prepend(thread.decorate(commentItem(comment)));
    toast('Comment posted.');
    await refreshCounts(thread);
  });
  $('#more-comments')?.addEventListener('click', (event) => loadMore(thread, event.currentTarget));
  section.addEventListener('click', (event) => act(thread, event));
  return thread;
}

function act(thread, event) {
  const button = event.target.closest('button');
  const item = button?.closest('li.comment');
  if (!button || !item || button.closest('form, .confirm')) return;
  if (button.classList.contains('show-replies')) toggleReplies(item, thread);
  else if (button.classList.contains('more-replies')) moreReplies(item, thread);
  else if (button.dataset.action === 'reply') openReply(thread, item);
  else if (button.dataset.action === 'edit') openEdit(item);
  else if (button.dataset.action === 'delete') confirmDelete(thread, item);
}

async function loadMore(thread, button) {
  button.disabled = true;
  try {
    const page = await api.topLevel(thread.videoId, thread.section.dataset.endCursor);
    const list = $('#comment-list');
    for (const comment of page.comments) {
      if (!$(`#comment-${CSS.escape(comment.id)}`, list)) list.append(thread.decorate(commentItem(comment)));
    }
    thread.section.dataset.endCursor = page.endCursor ?? '';
    button.hidden = !page.hasMore;
  } catch (failure) {
    toast(describe(failure));
  } finally {
    button.disabled = false;
  }
}

/** Put `content` in the comment's slot (a form), hiding `hide` until `close()`. */
function openSlot(item, content, hide = []) {
  const slot = $('.comment-slot', item);
  const actions = $('.comment-actions', item);
  const opener = document.activeElement;
  for (const element of [actions, ...hide]) element.hidden = true;
  slot.replaceChildren(content);
  (content.querySelector('textarea') ?? content.querySelector('button'))?.focus();
  return () => {
    slot.replaceChildren();
    for (const element of [actions, ...hide]) element.hidden = false;
    if (opener?.isConnected && !opener.closest('[hidden]')) opener.focus();
  };
}

function openReply(thread, item) {
  let close = null;
  const form = commentForm({
    label: `Reply to ${item.dataset.authorName}`,
    submit: 'Post reply',
    onCancel: () => close(),
    onSubmit: async (body) => {
      const reply = await api.post(thread.videoId, body, item.dataset.commentId);
      close();
      await addReply(item, reply, thread);
      toast('Reply posted.');
      await refreshCounts(thread, item);
    },
  });
  close = openSlot(item, form);
}

function openEdit(item) {
  let close = null;
  const body = $('.comment-body', item);
  const form = commentForm({
    label: 'Edit your comment',
    submit: 'Save',
    value: body.textContent,
    onCancel: () => close(),
    onSubmit: async (text) => {
      showBody(item, await api.edit(item.dataset.commentId, text));
      close();
      toast('Comment saved.');
    },
  });
  close = openSlot(item, form, [body]);
}

function confirmDelete(thread, item) {
  const error = h('p', { class: 'form-error', role: 'alert' });
  const yes = h('button', { type: 'button', class: 'danger' }, 'Yes, delete');
  const no = h('button', { type: 'button', class: 'secondary' }, 'Cancel');
  const close = openSlot(item, h('div', { class: 'confirm', role: 'group', 'aria-label': 'Delete this comment?' },
    h('p', {}, 'Delete this comment?'), h('div', { class: 'form-buttons' }, no, yes), error));
  no.addEventListener('click', () => close());
  yes.addEventListener('click', async () => {
    yes.disabled = true;
    try {
      await api.remove(item.dataset.commentId);
    } catch (failure) {
      error.textContent = describe(failure);
      yes.disabled = false;
      return;
    }
    await afterDelete(thread, item);
  });
}

async function afterDelete(thread, item) {
  const parent = item.dataset.parentId ? item.parentElement.closest('li.comment') : null;
  const top = parent ?? item;
  if (parent) item.remove();
  const counts = await refreshCounts(thread, top);
  // The thread as it is now: gone, a placeholder kept for its replies, or a reply fewer.
  const now = counts ? counts.thread
    : parent ? { replyCount: Number(parent.dataset.replyCount) - 1 }
    : Number(item.dataset.replyCount) > 0 ? { deleted: true } : null;
  if (!now) {
    top.remove();
  } else if (!parent) {
    $('.comment-slot', item).replaceChildren();
    showBody(item, { ...now, deleted: true });
    thread.decorate(item);
  }
  showEmpty();
  toast('Comment deleted.');
  $('#comments-title').focus();
}

/** The video's comment count and, with `item`, that thread as it is now (null if gone), from
 * the api; null when the api cannot be reached. */
async function refreshCounts(thread, item = null) {
  let counts;
  try {
    counts = await api.counts(thread.videoId, item?.dataset.commentId);
  } catch {
    return null;
  }
  if (counts.commentCount != null) $('#comment-count').textContent = plural(counts.commentCount, 'comment');
  if (item && counts.thread) showReplyCount(item, counts.thread.replyCount);
  showEmpty();
  return counts;
}

function showEmpty() {
  $('#no-comments')?.toggleAttribute('hidden', $('#comment-list').children.length > 0);
}
