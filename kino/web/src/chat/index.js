// The chat panel (templates/_chat.html) on the live page and the pop-out chat.
import { $ } from '../lib/dom.js';
import { session } from '../lib/session.js';
import { Moderation } from './moderation.js';
import { ChatRoom } from './room.js';
import { ChatView } from './view.js';

function serverRendered(root) {
  return [...$('#chat-log', root).children].map((line) => ({
    id: line.dataset.messageId,
    createdAt: line.dataset.createdAt,
    body: line.querySelector('.chat-body')?.textContent ?? '',
    author: { id: line.dataset.authorId, displayName: line.querySelector('.chat-author')?.textContent ?? '' },
  }));
}

function refusal(error) {
  if (error.code === 'RATE_LIMITED' && error.retryAfter) {
    return `${error.message.replace(/\s*$/, '')} (wait ${Math.ceil(error.retryAfter)} s)`;
  }
  return error.message;
}

function startForm(root, room) {
  const form = $('#chat-form', root);
  const input = $('#chat-input', root);
  const count = $('#chat-count', root);
  const error = $('#chat-error', root);
  const max = Number(root.dataset.max);
  input.addEventListener('input', () => { count.textContent = `${input.value.length}/${max}`; });
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const body = input.value.trim();
    if (!body) return;
    error.textContent = '';
    // Cleared at once, so the next message can be typed while this one is sent; given back
    // if it is refused and nothing new was typed meanwhile.
    input.value = '';
    count.textContent = `0/${max}`;
    try {
      await room.send(body);
    } catch (failure) {
      error.textContent = refusal(failure);
      if (!input.value) {
        input.value = body;
        count.textContent = `${body.length}/${max}`;
      }
    }
  });
}

function closeWhenEnded(root) {
  document.addEventListener('kino:stream', ({ detail: stream }) => {
    if (stream.status !== 'ENDED') return;
    $('#chat-input', root).disabled = true;
    $('#chat-form button[type=submit]', root).disabled = true;
    $('#chat-state', root).textContent = 'The chat closed with the broadcast.';
  });
}

export async function startChat() {
  const root = $('#chat');
  if (!root) return null;
  const streamId = root.dataset.streamId;
  const current = await session();
  const owner = current?.user.id === root.dataset.ownerId;
  const moderation = owner ? new Moderation(root, streamId) : null;
  const view = new ChatView(root, {
    ownerId: root.dataset.ownerId,
    decorate: moderation ? (line, message) => moderation.decorate(line, message) : null,
  });
  const room = new ChatRoom(streamId, view, {
    onState: (text) => { $('#chat-state', root).textContent = text; },
  });
  const rendered = serverRendered(root);
  room.adopt(rendered);
  if (moderation) {
    view.reset(room.store.messages);  // redraw with the streamer's buttons
    await moderation.start();
  }
  view.scrollToEnd();
  startForm(root, room);
  closeWhenEnded(root);
  await room.start();
  window.kinoChat = room;  // tests and the console read the room's state
  return room;
}
