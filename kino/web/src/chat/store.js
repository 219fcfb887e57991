// The messages a chat shows, in the room's order (by time, then id), each once. History
// read again after a reconnect is merged by id: nothing shown twice, nothing missed, and
// messages deleted meanwhile go.
export const byOrder = (a, b) =>
  a.createdAt === b.createdAt ? (a.id < b.id ? -1 : a.id > b.id ? 1 : 0)
                              : (a.createdAt < b.createdAt ? -1 : 1);

export class ChatStore {
  constructor(limit) {
    this.limit = limit;          // the most kept (older ones drop off, as in the DOM)
    this.messages = [];          // sorted by byOrder
    this.ids = new Set();
  }

  /** Add one message; false when it is already here. */
  add(message) {
    if (this.ids.has(message.id)) return false;
    let index = this.messages.length;
    while (index > 0 && byOrder(this.messages[index - 1], message) > 0) index -= 1;
    this.messages.splice(index, 0, message);
    this.ids.add(message.id);
    this.trim();
    return true;
  }

  remove(id) {
    if (!this.ids.delete(id)) return false;
    this.messages = this.messages.filter((message) => message.id !== id);
    return true;
  }

  /**
   * The room's recent history (oldest first): add what is missing, and drop what the
   * history no longer has within the span it covers, its oldest to its newest message
   * (deleted while we were away). A message newer than the history's newest arrived after
   * the history was read: it stays. Returns { added, removed } (ids).
   */
  merge(history) {
    const added = history.filter((message) => this.add(message)).map((message) => message.id);
    const removed = [];
    if (history.length) {
      const oldest = history[0];
      const newest = history[history.length - 1];
      const kept = new Set(history.map((message) => message.id));
      for (const message of [...this.messages]) {
        const covered = byOrder(message, oldest) >= 0 && byOrder(message, newest) <= 0;
        if (covered && !kept.has(message.id)) {
          this.remove(message.id);
          removed.push(message.id);
        }
      }
    }
    return { added, removed };
  }

  next(id) {
    const index = this.messages.findIndex((message) => message.id === id);
    return index >= 0 ? this.messages[index + 1] ?? null : null;
  }

  trim() {
    while (this.messages.length > this.limit) this.ids.delete(this.messages.shift().id);
  }
}
