// One chat room in the page: its history, the live messages of the `chat` subscription, and
// catching up after the socket comes back (the history is read again and merged by id).
import { gql, realtime, subscribe } from '../lib/graphql.js';
import { ChatStore } from './store.js';
import { MAX_LINES } from './view.js';

const FIELDS = 'id createdAt body author { id handle displayName }';
const HISTORY = `query ChatHistory($s: ID!) { chatMessages(streamId: $s, last: 100) { ${FIELDS} } }`;
const EVENTS = `subscription Chat($s: ID!) { chat(streamId: $s) {
  __typename ... on ChatMessagePosted { message { ${FIELDS} } } ... on ChatMessageDeleted { messageId } } }`;
// The server starts following the room a moment after the socket connects: what is posted
// in between reaches neither the first history read nor the subscription. The first live
// event proves the server follows the room (the history shows everything before it), so
// the history is read again then; and a while after each connect, and now and then, for a
// quiet room. Merged by id, a message is never shown twice.
const SETTLE_MS = [1500, 4000, 10_000, 20_000];
const RECHECK_MS = 30_000;
const SEND = `mutation SendChat($s: ID!, $b: String!) { sendChatMessage(streamId: $s, body: $b) { ${FIELDS} } }`;

export class ChatRoom {
  constructor(streamId, view, { onState } = {}) {
    this.streamId = streamId;
    this.view = view;
    this.store = new ChatStore(MAX_LINES);
    this.onState = onState ?? (() => {});
    this.connections = 0;
    this.received = 0;  // messages the subscription delivered (the page's own count)
    this.following = false;  // a live event arrived since the last (re)connect
  }

  /** Lines the server rendered, so the first history read only adds what is new. */
  adopt(messages) {
    for (const message of messages) this.store.add(message);
  }

  start() {
    realtime().on('connected', () => {
      this.connections += 1;
      this.onState('');
      this.following = false;
      if (this.connections > 1) this.catchUp();  // back after a drop: fill the gap
      for (const delay of SETTLE_MS) setTimeout(() => this.catchUp().catch(() => {}), delay);
    });
    setInterval(() => { if (!document.hidden) this.catchUp().catch(() => {}); }, RECHECK_MS);
    realtime().on('closed', () => { if (this.connections) this.onState('Reconnecting…'); });
    this.stop = subscribe(EVENTS, { s: this.streamId }, {
      next: (data) => this.apply(data.chat),
      error: (error) => this.onState(error.message),
    });
    return this.catchUp();
  }

  apply(event) {
    if (!this.following) {
      this.following = true;
      this.catchUp().catch(() => {});  // what was posted before the server followed the room
    }
    if (event.__typename === 'ChatMessageDeleted') {
      if (this.store.remove(event.messageId)) this.view.remove(event.messageId);
    } else {
      this.received += 1;
      this.show(event.message);
    }
  }

  show(message) {
    if (!this.store.add(message)) return;
    const last = this.store.messages[this.store.messages.length - 1];
    if (last.id === message.id) this.view.append(message);
    else this.view.reset(this.store.messages);  // arrived out of order: redraw in order
  }

  async catchUp() {
    const { chatMessages } = await gql(HISTORY, { s: this.streamId });
    const { added, removed } = this.store.merge(chatMessages);
    if (added.length || removed.length) this.view.reset(this.store.messages);
  }

  async send(body) {
    const { sendChatMessage } = await gql(SEND, { s: this.streamId, b: body });
    this.show(sendChatMessage);
    return sendChatMessage;
  }
}
