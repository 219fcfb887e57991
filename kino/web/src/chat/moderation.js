// The streamer's tools: a menu on each message (delete; ban for 10 minutes, 1 hour or for
// good), each confirmed first; slow mode; the list of bans with unban.
import { $, h, toast } from '../lib/dom.js';
import { gql } from '../lib/graphql.js';

const DELETE = 'mutation DeleteChat($id: ID!) { deleteChatMessage(id: $id) }';
const BAN = `mutation BanChat($s: ID!, $u: ID!, $d: Int) {
  banChatUser(streamId: $s, userId: $u, durationSeconds: $d) }`;
const UNBAN = 'mutation UnbanChat($s: ID!, $u: ID!) { unbanChatUser(streamId: $s, userId: $u) }';
const SLOW = `mutation SlowMode($s: ID!, $n: Int!) {
  setChatSlowMode(streamId: $s, seconds: $n) { id chatSlowModeSeconds } }`;
const BANS = 'query ChatBans($s: ID!) { chatBans(streamId: $s) { until user { id displayName } } }';
const ROOM = 'query Room($s: ID!) { liveStream(id: $s) { chatSlowModeSeconds } }';

const BANS_OFFERED = [['Ban for 10 minutes', 600], ['Ban for 1 hour', 3600], ['Ban for good', null]];

export class Moderation {
  constructor(root, streamId) {
    this.root = root;
    this.streamId = streamId;
    this.dialog = $('#chat-moderate', root);
    this.bansDialog = $('#chat-bans', root);
  }

  async start() {
    $('#chat-moderation', this.root).hidden = false;
    const slow = $('#chat-slow-mode', this.root);
    const { liveStream } = await gql(ROOM, { s: this.streamId });
    slow.value = String(liveStream?.chatSlowModeSeconds ?? 0);
    slow.addEventListener('change', () => this.slowMode(slow));
    $('#chat-bans-open', this.root).addEventListener('click', () => this.showBans());
    $('#chat-bans-close', this.root).addEventListener('click', () => this.bansDialog.close());
  }

  /** The per-message button (the view calls this for every line). */
  decorate(line, message) {
    const name = message.author.displayName;
    line.append(h('button', {
      type: 'button', class: 'chat-mod', 'aria-label': `Moderate message from ${name}`,
      onclick: () => this.menu(message),
    }, '⋯'));
  }

  menu(message) {
    const name = message.author.displayName;
    const actions = [
      h('button', { type: 'button', class: 'danger', onclick: () => this.confirm(`Delete this message from ${name}?`, 'Delete message', () => this.remove(message)) }, 'Delete message'),
      ...BANS_OFFERED.map(([label, seconds]) => h('button', {
        type: 'button', class: 'secondary',
        onclick: () => this.confirm(`${label.replace('Ban', `Ban ${name}`)}?`, label, () => this.ban(message.author, seconds)),
      }, label)),
      h('button', { type: 'button', class: 'secondary', onclick: () => this.dialog.close() }, 'Cancel'),
    ];
    this.open(`${name}: “${message.body}”`, actions);
  }

  confirm(question, label, act) {
    this.open(question, [
      h('button', { type: 'button', class: 'danger', onclick: async () => { this.dialog.close(); await this.guard(act); } }, `Yes, ${label.toLowerCase()}`),
      h('button', { type: 'button', class: 'secondary', onclick: () => this.dialog.close() }, 'Cancel'),
    ]);
  }

  open(what, actions) {
    $('#chat-moderate-what', this.root).textContent = what;
    $('#chat-moderate-actions', this.root).replaceChildren(...actions);
    if (!this.dialog.open) this.dialog.showModal();
    actions[0].focus();
  }

  async guard(act) {
    try { await act(); } catch (error) { toast(error.message); }
  }

  async remove(message) {
    await gql(DELETE, { id: message.id });
    toast('Message deleted.');
  }

  async ban(user, seconds) {
    await gql(BAN, { s: this.streamId, u: user.id, d: seconds });
    toast(`${user.displayName} is banned${seconds ? ` for ${seconds >= 3600 ? '1 hour' : '10 minutes'}` : ' for good'}.`);
  }

  async slowMode(select) {
    await this.guard(async () => {
      const { setChatSlowMode } = await gql(SLOW, { s: this.streamId, n: Number(select.value) });
      const seconds = setChatSlowMode.chatSlowModeSeconds;
      toast(seconds ? `Slow mode: one message every ${seconds} s per viewer.` : 'Slow mode is off.');
    });
  }

  async showBans() {
    await this.guard(async () => {
      const { chatBans } = await gql(BANS, { s: this.streamId });
      const lines = chatBans.map((ban) => h('li', {},
        h('span', {}, ban.user.displayName,
          ban.until ? ` (until ${new Date(ban.until).toLocaleTimeString()})` : ' (for good)'),
        h('button', { type: 'button', class: 'secondary', onclick: () => this.unban(ban.user) },
          `Unban ${ban.user.displayName}`)));
      $('#chat-bans-list', this.root).replaceChildren(...lines);
      $('#chat-bans-empty', this.root).hidden = chatBans.length > 0;
      if (!this.bansDialog.open) this.bansDialog.showModal();
    });
  }

  async unban(user) {
    await this.guard(async () => {
      await gql(UNBAN, { s: this.streamId, u: user.id });
      toast(`${user.displayName} may chat again.`);
      await this.showBans();
    });
  }
}
