// The room page's list of messages (#messages): stored messages in seq
// order, each shown once, under separators of their day, a run of one
// author's messages grouped under one name and avatar, with the actions the
// user has on each (edit their own, delete their own or any in a room they
// own), a "new messages" line above the first one unread on arrival, and
// below them the lines of this tab's own messages not stored yet (sending,
// waiting out a rate limit, or not sent). It renders; the room (room.js)
// and parley-client decide what to show. Edit and delete are editing.js's
// part of it.
// User text only ever reaches the page through text nodes, or as the
// formatting the server rendered and sanitized (`html`, render.js).
"use strict";

import { filesList } from "./attachments.js";
import { isMine, MessageActions } from "./editing.js";
import { button, format } from "./live.js";
import {
  avatarClass,
  dayKey,
  dayLabel,
  fullLabel,
  initials,
  mentions,
  parseTs,
  renderHtml,
  renderText,
  timeLabel,
} from "./render.js";

// A list scrolled to within this many pixels of its bottom is "at the
// bottom": new messages keep it there, and what it shows counts as read.
const NEAR_BOTTOM_PX = 80;
// Messages of one author less than this far apart (ms) share one name and
// avatar, as in Slack and Telegram.
const GROUP_GAP_MS = 5 * 60 * 1000;
export { DELETE_REF, EDIT_REF } from "./editing.js";

function isMessage(el) {
  return el !== null && el.classList.contains("message");
}

// The next or previous message item beside `li`, over separators.
function neighbour(li, direction) {
  let el = li[direction];
  while (el !== null && !isMessage(el)) el = el[direction];
  return el;
}

export class MessageList extends MessageActions {
  /**
   * @param {HTMLOListElement} list the #messages element
   * @param {object} config the room's configuration (user, userId,
   *   isOwner, maxChars, room, readSeq, strings)
   * @param {object} hooks
   * @param {(frame: object) => boolean} hooks.send sends an edit or delete
   *   frame; false when not connected
   * @param {() => void} hooks.focus gives the composer the focus back
   * @param {(clientId: string | null) => void} hooks.onStored a stored
   *   message with this client_id is shown: its local line is done
   * @param {(li: HTMLElement, m: object) => void} [hooks.decorate] adds
   *   to a stored message's item (replies, reactions: room.js)
   */
  constructor(list, config, { send, focus, onStored, decorate }) {
    super();
    this.list = list;
    this.config = config;
    this.S = config.strings;
    this.send = send;
    this.focus = focus;
    this.onStored = onStored;
    this.extras = decorate;
    this.shown = new Map(); // seq -> <li> of a stored message
    this.lines = new Map(); // client_id -> <li> of an unsent message
    this.waits = new Map(); // client_id -> countdown interval of a line
    this.texts = new WeakMap(); // <li> -> its message's text
    this.maxShownSeq = null;
    this.oldestSeq = null; // the oldest seq shown: history pages from it
    // The "new messages" line goes above the first message of others after
    // this seq; it moves on with what is read until the line is placed.
    this.unreadAfter = Number(config.readSeq) || 0;
    this.divider = null;
  }

  // One message: avatar, name, time, text. `m` has author, author_id,
  // author_name?, author_avatar?, text, html?, ts; `at` (ms) stands for a time
  // not known yet (a line not stored).
  messageItem(m, at = null) {
    const S = this.S;
    const li = document.createElement("li");
    li.className = "message";
    const name = m.author_name ?? m.author ?? S.deletedUser;
    if (m.author != null) li.dataset.author = m.author;
    if (m.author_id != null) li.dataset.authorId = m.author_id;
    if (m.author != null && m.author === this.config.user) li.classList.add("mine");
    li.append(this.avatar(m, name));
    const main = document.createElement("div");
    main.className = "message-main";
    const head = document.createElement("div");
    head.className = "message-head";
    const who = document.createElement("span");
    who.className = "author";
    who.textContent = name;
    // dir="auto" isolates user text (HTML's [dir] { unicode-bidi: isolate }):
    // a right-to-left name or text cannot reorder what is around it.
    who.dir = "auto";
    const date = parseTs(m.ts) ?? new Date(at ?? Date.now());
    li.dataset.day = dayKey(date);
    li.dataset.at = date.getTime();
    let when;
    if (m.ts) {
      when = document.createElement("time");
      when.dateTime = m.ts;
      when.title = fullLabel(date);
      when.textContent = timeLabel(date);
    } else {
      when = document.createElement("span"); // its state: sending…, not sent
    }
    when.className = "ts";
    head.append(who, when);
    const body = document.createElement("div");
    body.className = "text";
    body.dir = "auto";
    main.append(head, body);
    if (Array.isArray(m.attachments) && m.attachments.length && !m.deleted) {
      main.append(filesList(m.attachments));
    }
    li.append(main);
    this.setText(li, m.text, m.html);
    return li;
  }

  // An uploaded avatar (a path of this site) or initials on the colour of
  // the user's id; decorative either way, the name is beside it.
  avatar(m, name) {
    if (typeof m.author_avatar === "string" && m.author_avatar.startsWith("/")) {
      const img = document.createElement("img");
      img.className = "avatar";
      img.src = m.author_avatar;
      img.alt = "";
      return img;
    }
    const span = document.createElement("span");
    span.className = "avatar " + avatarClass(m.author_id, m.author);
    span.setAttribute("aria-hidden", "true");
    span.textContent = m.author == null ? "?" : initials(name);
    return span;
  }

  // The message's formatting when the server rendered one (`html`), else
  // its text; the raw text is kept for the editor.
  setText(li, text, html = "") {
    this.texts.set(li, text);
    const body = li.querySelector(".text");
    body.classList.toggle("formatted", Boolean(html));
    if (html) renderHtml(body, html, this.config.user);
    else renderText(body, text, this.config.user);
    li.classList.toggle("mentions-me", !isMine(li, this.config) && mentions(text, this.config.user));
  }

  /** Whether the list is scrolled to (near) its bottom. */
  nearBottom() {
    const list = this.list;
    return list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM_PX;
  }

  // Lines of this tab's own unsent messages stay below every stored one.
  firstLocal() {
    return this.list.querySelector(":scope > .local");
  }

  // Insert `li` before the message `before` (null: at the end), and before
  // the separators that belong to `before`.
  insertBefore(li, before) {
    let anchor = before;
    while (anchor !== null) {
      const prev = anchor.previousElementSibling;
      if (prev === null || !prev.matches(".day, .new-divider")) break;
      anchor = prev;
    }
    this.list.insertBefore(li, anchor);
  }

  // Insert a stored message in seq order. A seq already shown is skipped,
  // unless it is shown only from its ack: then the stored text replaces it.
  // The local line of the same client_id goes away.
  showMessage(m, fromAck = false) {
    if (m.room !== this.config.room) return;
    const stick = this.nearBottom();
    this.onStored(m.client_id);
    const old = this.shown.get(m.seq);
    if (old && (fromAck || !old.dataset.fromAck)) return;
    const li = this.messageItem(m);
    li.dataset.seq = m.seq;
    if (fromAck) li.dataset.fromAck = "1";
    this.decorate(li, m);
    this.extras?.(li, m);
    if (old) {
      old.replaceWith(li);
    } else {
      let before = null;
      if (this.maxShownSeq === null || m.seq > this.maxShownSeq) {
        before = this.firstLocal();
        this.maxShownSeq = m.seq;
      } else {
        for (const [seq, other] of this.shown) {
          if (seq > m.seq && (before === null || seq < Number(before.dataset.seq))) before = other;
        }
      }
      this.insertBefore(li, before);
    }
    this.shown.set(m.seq, li);
    if (this.oldestSeq === null || m.seq < this.oldestSeq) this.oldestSeq = m.seq;
    this.placeDivider(li, m);
    this.layout(li);
    if (stick) this.list.scrollTop = this.list.scrollHeight;
  }

  // --- day separators, grouping, the "new messages" line ---

  // `li` and the message after it get the separator and grouping their
  // neighbours call for.
  layout(li) {
    this.fix(li);
    const next = neighbour(li, "nextElementSibling");
    if (next !== null) this.fix(next);
  }

  fix(li) {
    const prev = neighbour(li, "previousElementSibling");
    const newDay = prev === null || prev.dataset.day !== li.dataset.day;
    let separator = null;
    let divided = false;
    for (let el = li.previousElementSibling; el !== null && !isMessage(el); ) {
      if (el.classList.contains("day")) separator = el;
      if (el.classList.contains("new-divider")) divided = true;
      el = el.previousElementSibling;
    }
    if (newDay && separator === null) {
      const anchor = li.previousElementSibling?.classList.contains("new-divider")
        ? li.previousElementSibling
        : li;
      this.list.insertBefore(this.daySeparator(li), anchor);
    } else if (!newDay && separator !== null) {
      separator.remove();
    } else if (separator !== null && separator.dataset.day !== li.dataset.day) {
      separator.replaceWith(this.daySeparator(li));
    }
    const continued =
      prev !== null &&
      !newDay &&
      !divided &&
      sameAuthor(prev, li) &&
      Number(li.dataset.at) - Number(prev.dataset.at) < GROUP_GAP_MS;
    li.classList.toggle("continued", continued);
  }

  daySeparator(li) {
    const item = document.createElement("li");
    item.className = "day";
    item.dataset.day = li.dataset.day;
    const label = document.createElement("span");
    label.textContent = dayLabel(new Date(Number(li.dataset.at)), this.S);
    item.append(label);
    return item;
  }

  /** Today's and yesterday's separators say so again after midnight. */
  relabelDays() {
    for (const item of this.list.querySelectorAll(":scope > .day")) {
      const message = neighbour(item, "nextElementSibling");
      if (message !== null) {
        item.firstChild.textContent = dayLabel(new Date(Number(message.dataset.at)), this.S);
      }
    }
  }

  // The line goes above the first message of someone else after the read
  // position the page arrived with (history may bring an earlier one).
  placeDivider(li, m) {
    if (m.seq <= this.unreadAfter || m.deleted || m.author === this.config.user) return;
    const old = this.divider;
    if (old !== null && Number(old.dataset.seq) <= m.seq) return;
    const divider = document.createElement("li");
    divider.className = "new-divider";
    divider.dataset.seq = m.seq;
    const label = document.createElement("span");
    label.textContent = this.S.newMessages;
    divider.append(label);
    this.list.insertBefore(divider, li);
    this.divider = divider;
    if (old !== null) {
      const after = neighbour(old, "nextElementSibling");
      old.remove();
      if (after !== null) this.fix(after);
    }
  }

  /** Everything up to `seq` is read: no "new messages" line for it. */
  readUpTo(seq) {
    if (this.divider === null) this.unreadAfter = Math.max(this.unreadAfter, seq);
  }

  /** On arrival: show the "new messages" line near the top, else the
   * newest messages. */
  scrollToEntry() {
    const list = this.list;
    if (this.divider === null) {
      list.scrollTop = list.scrollHeight;
      return;
    }
    // The list is the divider's offset parent (position: relative in the
    // CSS); a little room above shows what came just before.
    const top = Math.max(0, this.divider.offsetTop - NEAR_BOTTOM_PX);
    list.scrollTop = Math.min(top, list.scrollHeight - list.clientHeight);
  }

  // --- this tab's own messages not stored yet ---

  // A line of this tab's own message, not stored yet (an outbox entry):
  // "sending…" while pending or sent, "not sent" with its actions if failed.
  addLocal(entry, actions) {
    const { config } = this;
    const m = { author: config.user, author_id: config.userId, text: entry.text };
    const li = this.messageItem(m, entry.at);
    li.classList.add("local");
    li.dataset.clientId = entry.clientId;
    this.lines.set(entry.clientId, li);
    this.list.append(li);
    this.layout(li);
    if (entry.state === "failed") this.setFailed(entry.clientId, entry.reason, actions);
    else this.setPending(entry.clientId);
    return li;
  }

  // The line of `clientId` is now `entry`'s (a retry may give it a new
  // client_id), pending, and the newest.
  renewLocal(clientId, entry) {
    const li = this.lines.get(clientId);
    if (!li) return;
    this.lines.delete(clientId);
    this.lines.set(entry.clientId, li);
    li.dataset.clientId = entry.clientId;
    this.setPending(entry.clientId);
    const next = neighbour(li, "nextElementSibling");
    this.list.append(li);
    if (next !== null) this.layout(next);
    this.layout(li);
  }

  removeLocal(clientId) {
    this.stopWait(clientId);
    const li = this.lines.get(clientId);
    this.lines.delete(clientId);
    if (!li) return;
    const next = neighbour(li, "nextElementSibling");
    li.remove();
    if (next !== null) this.fix(next);
  }

  // A line's state: its class and the text in place of its time.
  lineState(li, state, text) {
    li.classList.remove("pending", "failed", "waiting");
    li.classList.add(state);
    if (state === "waiting") li.classList.add("pending");
    li.querySelector(".ts").textContent = text;
    li.querySelectorAll(".reason, .actions").forEach((el) => el.remove());
  }

  stopWait(clientId) {
    clearInterval(this.waits.get(clientId));
    this.waits.delete(clientId);
  }

  setPending(clientId) {
    const li = this.lines.get(clientId);
    if (!li) return;
    this.stopWait(clientId);
    this.lineState(li, "pending", this.S.pending);
  }

  /** The line waits out a rate limit of `seconds`, counting down; then it
   * is sent again by the outbox (and shows "sending…"). */
  setWaiting(clientId, seconds) {
    const li = this.lines.get(clientId);
    if (!li) return;
    this.stopWait(clientId);
    const until = Date.now() + seconds * 1000;
    const show = () => {
      const left = Math.ceil((until - Date.now()) / 1000);
      if (left <= 0) return this.setPending(clientId);
      this.lineState(li, "waiting", format(this.S.waiting, { seconds: left }));
    };
    show();
    this.waits.set(clientId, setInterval(show, 1000));
  }

  // `actions`: {retry, discard}, each called with the line's client_id at
  // the time of the click; no retry button without `retry`.
  setFailed(clientId, reason, { retry, discard }) {
    const S = this.S;
    const li = this.lines.get(clientId);
    if (!li) return;
    this.stopWait(clientId);
    this.lineState(li, "failed", S.failed);
    const main = li.querySelector(".message-main");
    if (reason) {
      const why = document.createElement("span");
      why.className = "reason";
      why.textContent = reason;
      main.append(why);
    }
    const actions = document.createElement("span");
    actions.className = "actions";
    if (retry) actions.append(button(S.retry, "link retry", () => retry(li.dataset.clientId)));
    actions.append(button(S.discard, "link discard", () => discard(li.dataset.clientId)));
    main.append(actions);
  }

  markStart() {
    if (this.list.querySelector(".start")) return;
    const li = document.createElement("li");
    li.className = "start";
    li.textContent = this.S.start;
    this.list.prepend(li);
  }

  /** Stored messages of others after `seq`, not deleted: the unread ones. */
  countAfter(seq) {
    let count = 0;
    for (const [shownSeq, li] of this.shown) {
      if (shownSeq > seq && !li.classList.contains("mine") && !li.classList.contains("deleted")) {
        count += 1;
      }
    }
    return count;
  }

  scrollToBottom() {
    this.list.scrollTop = this.list.scrollHeight;
  }
}

function sameAuthor(a, b) {
  if (a.dataset.authorId !== undefined && b.dataset.authorId !== undefined) {
    return a.dataset.authorId === b.dataset.authorId;
  }
  return a.dataset.author !== undefined && a.dataset.author === b.dataset.author;
}
