// Renders the chat: changes are queued and applied once per animation frame (a busy room
// sends dozens of messages a second), at most MAX_LINES stay in the page, and the log
// follows new messages unless the reader scrolled up (then a "New messages" button shows).
import { $, h } from '../lib/dom.js';

export const MAX_LINES = 300;
const NEAR_BOTTOM_PX = 48;

export class ChatView {
  constructor(root, { ownerId, decorate }) {
    this.log = $('#chat-log', root);
    this.scroller = $('#chat-scroll', root);
    this.newButton = $('#chat-new', root);
    this.ownerId = ownerId;
    this.decorate = decorate;  // adds per-line controls (the streamer's moderation button)
    this.pending = [];
    this.scheduled = false;
    this.following = true;
    this.scroller.addEventListener('scroll', () => this.onScroll(), { passive: true });
    this.newButton.addEventListener('click', () => this.scrollToEnd());
  }

  line(message) {
    const streamer = message.author.id === this.ownerId;
    const line = h('li', { class: 'chat-line', dataset: { messageId: message.id, authorId: message.author.id, createdAt: message.createdAt } },
      h('span', { class: 'chat-author' }, message.author.displayName),
      streamer ? h('span', { class: 'badge streamer-badge' }, 'Streamer') : null,
      h('span', { class: 'chat-body' }, message.body));
    this.decorate?.(line, message);
    return line;
  }

  /** Queue a message that goes after every one shown. */
  append(message) { this.queue({ kind: 'add', message }); }

  remove(id) { this.queue({ kind: 'remove', id }); }

  /** Queue showing exactly these messages (after merging history: rare, so simple). */
  reset(messages) { this.queue({ kind: 'reset', messages }); }

  queue(change) {
    this.pending.push(change);
    if (!this.scheduled) {
      this.scheduled = true;
      requestAnimationFrame(() => this.flush());
    }
  }

  flush() {
    this.scheduled = false;
    const changes = this.pending;
    this.pending = [];
    const follow = this.following;
    const tail = document.createDocumentFragment();
    for (const change of changes) {
      if (change.kind === 'reset') {
        tail.replaceChildren();
        this.log.replaceChildren(...change.messages.slice(-MAX_LINES).map((m) => this.line(m)));
      } else if (change.kind === 'remove') {
        this.find(change.id)?.remove();
        tail.querySelector(`[data-message-id="${CSS.escape(change.id)}"]`)?.remove();
      } else {
        tail.append(this.line(change.message));
      }
    }
    this.log.append(tail);
    let excess = this.log.children.length - MAX_LINES;
    while (excess > 0) { this.log.firstElementChild.remove(); excess -= 1; }
    if (follow) this.scrollToEnd();
    else if (changes.some((change) => change.kind === 'add')) this.newButton.hidden = false;
  }

  find(id) {
    return this.log.querySelector(`[data-message-id="${CSS.escape(id)}"]`);
  }

  onScroll() {
    const { scrollTop, scrollHeight, clientHeight } = this.scroller;
    this.following = scrollHeight - scrollTop - clientHeight < NEAR_BOTTOM_PX;
    if (this.following) this.newButton.hidden = true;
  }

  scrollToEnd() {
    this.scroller.scrollTop = this.scroller.scrollHeight;
    this.following = true;
    this.newButton.hidden = true;
  }
}
