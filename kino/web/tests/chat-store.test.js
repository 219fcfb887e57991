// node --test: the chat's message store (kino/web/src/chat/store.js), without a browser.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { ChatStore } from '../src/chat/store.js';

const message = (n, createdAt = `2026-12-07T10:00:${String(n).padStart(2, '0')}Z`) =>
  ({ id: `m${String(n).padStart(3, '0')}`, createdAt, body: `message ${n}` });
const ids = (store) => store.messages.map((m) => m.id);

test('a history read before the newest live messages keeps them', () => {
  const store = new ChatStore(300);
  for (let n = 0; n < 10; n += 1) store.add(message(n));
  const { added, removed } = store.merge([message(0), message(1), message(2), message(3)]);
  assert.deepEqual(added, []);
  assert.deepEqual(removed, []);
  assert.equal(store.messages.length, 10);
});

test('a message the history no longer has within its span was deleted: it goes', () => {
  const store = new ChatStore(300);
  for (let n = 0; n < 6; n += 1) store.add(message(n));
  const { removed } = store.merge([message(1), message(3), message(4)]);
  assert.deepEqual(removed, ['m002']);
  assert.deepEqual(ids(store), ['m000', 'm001', 'm003', 'm004', 'm005']);
});

test('history fills a gap, in order, each message once', () => {
  const store = new ChatStore(300);
  store.add(message(0));
  store.add(message(5));
  const { added } = store.merge([message(0), message(1), message(2), message(5)]);
  assert.deepEqual(added, ['m001', 'm002']);
  assert.deepEqual(ids(store), ['m000', 'm001', 'm002', 'm005']);
  assert.equal(store.add(message(1)), false);
});

test('at most the limit is kept, the oldest dropping off', () => {
  const store = new ChatStore(3);
  for (let n = 0; n < 5; n += 1) store.add(message(n));
  assert.deepEqual(ids(store), ['m002', 'm003', 'm004']);
});
