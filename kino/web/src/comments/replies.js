// Replies, one level deep: a top-level comment's "N replies" button loads them (oldest first,
// a page at a time); a posted reply joins its thread.
import { $, toast } from '../lib/dom.js';
import * as api from './api.js';
import { commentItem, showReplyCount } from './render.js';
import { describe } from './forms.js';

const parts = (item) => ({
  button: $('.show-replies', item), list: $('.reply-list', item), more: $('.more-replies', item),
});

/** Show or hide a comment's replies, loading the first page the first time. */
export async function toggleReplies(item, thread) {
  const { button } = parts(item);
  const open = button.getAttribute('aria-expanded') === 'true';
  if (open) {
    setOpen(item, false);
    return;
  }
  if (!item.dataset.repliesLoaded) {
    button.disabled = true;
    try {
      await loadReplies(item, thread);
    } finally {
      button.disabled = false;
    }
  }
  setOpen(item, true);
}

function setOpen(item, open) {
  const { button, list, more } = parts(item);
  button.setAttribute('aria-expanded', String(open));
  list.hidden = !open;
  more.hidden = !open || !item.dataset.repliesAfter;
}

/** The next page of a comment's replies (the first when none is loaded yet). */
export async function loadReplies(item, thread) {
  let page;
  try {
    page = await api.replies(item.dataset.commentId, item.dataset.repliesAfter || null);
  } catch (failure) {
    toast(describe(failure));
    return;
  }
  if (!page) {
    toast('This comment is gone.');
    return;
  }
  const { list } = parts(item);
  for (const reply of page.comments) {
    if (!$(`#comment-${CSS.escape(reply.id)}`, list)) list.append(thread.decorate(commentItem(reply)));
  }
  item.dataset.repliesLoaded = 'true';
  item.dataset.repliesAfter = page.hasMore ? page.endCursor : '';
  showReplyCount(item, page.replyCount);
  setOpen(item, true);
}

/** A reply just posted: shown at the end of its open thread. */
export async function addReply(item, reply, thread) {
  if (!item.dataset.repliesLoaded) {
    await loadReplies(item, thread);  // includes the new reply (the api reads its own writes)
  } else if (!$(`#comment-${CSS.escape(reply.id)}`, item)) {
    parts(item).list.append(thread.decorate(commentItem(reply)));
  }
  setOpen(item, true);
}

export function moreReplies(item, thread) {
  const { more } = parts(item);
  more.disabled = true;
  return loadReplies(item, thread).finally(() => { more.disabled = false; });
}
