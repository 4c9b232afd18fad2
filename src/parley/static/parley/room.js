// The room page's view: history over HTTP, live messages over the page's
// socket (socket.js, opened by live.js with the bell and the room badges).
// The protocol's rules live in parley-client (clients/js): RoomStream
// decides which message to show, hold or repair; the Outbox keeps what was
// sent and not acknowledged; the socket re-subscribes with `after` and
// handles close codes. This file renders what they decide.
//
// Guarantees it keeps (docs/protocol.md):
// - each message is shown once, in seq order, and a line waiting to be sent
//   is replaced by its stored message, matched by the client_id its ack and
//   message frame carry;
// - a gap is repaired by subscribing again with `after` = the last seq held
//   (the replay brings exactly the gap); a resync is paged over HTTP;
// - a send is kept in sessionStorage until acknowledged, so it survives a
//   dropped socket and a reload, and is resent with its client_id (the
//   server stores it once however often it arrives); one the server refuses
//   is marked failed, to retry or discard;
// - edits and deletions apply live (`edited`, `deleted`) and history shows
//   the latest state;
// - the read position is stored (`read`) only for what the user can have
//   seen: the tab is visible and the list scrolled to its bottom.
// User text only ever reaches the page through textContent.
"use strict";

import {
  Outbox,
  RoomStream,
  fetchRange,
  restorableSends,
  storedSends,
} from "./parley-client.js";
import { button, format, httpClient, readConfig, safePath, startLive } from "./live.js";

// Unsent messages, across reloads of this tab: parley-client's StoredSend
// list (failed ones are kept an hour, FAILED_TTL_MS).
const OUTBOX_KEY = "parley:outbox";
const SUBSCRIBE_REF = "subscribe";
// Refs of edit and delete frames: the prefix and the message's id.
const EDIT_REF = "edit-";
const DELETE_REF = "delete-";
// A list scrolled to within this many pixels of its bottom is "at the
// bottom": new messages keep it there, and what it shows counts as read.
const NEAR_BOTTOM_PX = 80;
// Scrolled to within this many pixels of its top: load older messages.
const NEAR_TOP_PX = 60;

function newClientId() {
  if (window.crypto && crypto.randomUUID) return crypto.randomUUID();
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function formatTime(ts) {
  const date = new Date(ts);
  return isNaN(date) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

function isMessage(frame) {
  return frame.type === "message";
}

// The outbox as this tab keeps it across reloads (parsed, of any shape).
function readStored() {
  try {
    return JSON.parse(sessionStorage.getItem(OUTBOX_KEY) || "[]");
  } catch {
    return [];
  }
}

class RoomView {
  constructor(page, config) {
    this.page = page;
    this.config = config;
    this.S = config.strings;
    this.list = document.getElementById("messages");
    this.form = document.getElementById("composer");
    this.input = document.getElementById("message-input");
    this.status = document.getElementById("connection");
    this.onlineList = document.getElementById("online");
    this.typingLine = document.getElementById("typing");
    this.http = httpClient(page.loginUrl);

    this.shown = new Map(); // seq -> <li> of a stored message
    this.lines = new Map(); // client_id -> <li> of an unsent message
    this.typers = new Map(); // username -> timer that hides their indicator
    this.maxShownSeq = null;
    this.oldestSeq = null;
    this.hasOlder = true;
    this.historyLoaded = false;
    this.latestLoading = null;
    this.loadingOlder = false;
    this.socket = null; // the page's socket, once history is loaded
    this.stream = null; // RoomStream, once the newest seq is known
    this.subscriptions = 0; // `subscribed` frames so far (a resync checks it)
    this.readSeq = 0; // the read position the server holds (or was sent)
    this.typingSentAt = -Infinity;
    this.roomGone = false;
    this.outbox = new Outbox({
      send: (frame) => this.socket !== null && this.socket.send(frame),
      newClientId,
      timers: {
        setTimeout: (callback, ms) => window.setTimeout(callback, ms),
        clearTimeout: (handle) => window.clearTimeout(handle),
        setInterval: (callback, ms) => window.setInterval(callback, ms),
        clearInterval: (handle) => window.clearInterval(handle),
      },
      now: () => Date.now(),
      onChange: () => this.saveOutbox(),
    });
  }

  start() {
    const { form, input, list } = this;
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      this.submit();
      input.focus();
    });
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        this.submit();
      }
    });
    input.addEventListener("input", () => this.typing());
    list.addEventListener("scroll", () => {
      if (list.scrollTop < NEAR_TOP_PX) this.loadOlder().catch(console.error);
      this.markRead();
    });
    document.addEventListener("visibilitychange", () => this.markRead());
    window.addEventListener("focus", () => this.markRead());
    this.setupInvite();

    this.restoreOutbox();
    input.focus();
    this.loadLatest()
      .catch((error) => console.error(error))
      .finally(() => this.connect());
  }

  connect() {
    const room = this.config.room;
    ({ socket: this.socket } = startLive(this.page, {
      room,
      attach: (socket) => {
        socket.follow(room, {
          after: () => this.stream?.lastSeq ?? null,
          ref: () => SUBSCRIBE_REF,
        });
        // After the subscribe, in order: the server handles a socket's
        // frames one at a time, so the replay comes before their messages.
        socket.on("open", () => this.outbox.flush());
        socket.on("frame", (frame) => {
          if (frame.type === "error") this.onError(frame);
          // Frames of other rooms are the badges' (live.js); user frames too.
          else if ("room" in frame && frame.room === room) this.onFrame(frame);
        });
      },
      onStatus: (text, state) => {
        if (state !== "open") this.outbox.disconnected();
        if (!this.roomGone) this.setStatus(text, state);
      },
      probe: () => this.fetchPage(null, 1).catch(() => {}),
    }));
  }

  setStatus(text, state) {
    this.status.textContent = text;
    this.status.dataset.state = state;
  }

  send(frame) {
    return this.socket !== null && this.socket.send(frame);
  }

  // --- messages ---

  messageItem(author, text, ts) {
    const li = document.createElement("li");
    li.className = "message";
    const who = document.createElement("span");
    who.className = "author";
    who.textContent = author ?? this.S.deletedUser;
    const when = document.createElement("time");
    when.className = "ts";
    if (ts) {
      when.dateTime = ts;
      when.textContent = formatTime(ts);
    }
    const body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    li.append(who, when, body);
    return li;
  }

  nearBottom() {
    const list = this.list;
    return list.scrollHeight - list.scrollTop - list.clientHeight < NEAR_BOTTOM_PX;
  }

  // Lines of this tab's own unsent messages stay below every stored one.
  firstLocal() {
    return this.list.querySelector(":scope > .local");
  }

  // Insert a stored message in seq order. A seq already shown is skipped,
  // unless it is shown only from its ack: then the stored text replaces it.
  // The local line of the same client_id goes away.
  showMessage(m, fromAck = false) {
    if (m.room !== this.config.room) return;
    const stick = this.nearBottom();
    this.settleLocal(m.client_id);
    const old = this.shown.get(m.seq);
    if (old && (fromAck || !old.dataset.fromAck)) return;
    const li = this.messageItem(m.author, m.text, m.ts);
    li.dataset.seq = m.seq;
    if (fromAck) li.dataset.fromAck = "1";
    this.decorate(li, m);
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
      this.list.insertBefore(li, before);
    }
    this.shown.set(m.seq, li);
    if (this.oldestSeq === null || m.seq < this.oldestSeq) this.oldestSeq = m.seq;
    if (stick) this.list.scrollTop = this.list.scrollHeight;
  }

  // A stored message that is one of ours: its local line is done.
  settleLocal(clientId) {
    if (!this.outbox.settle(clientId)) return;
    this.lines.get(clientId)?.remove();
    this.lines.delete(clientId);
  }

  // --- edit and delete ---

  // A stored message's state (edited, deleted) and the actions the user has
  // on it: edit their own, delete their own or any in a room they own.
  decorate(li, m) {
    const { S, config } = this;
    li.dataset.id = m.id;
    if (m.author != null) li.dataset.author = m.author;
    if (m.deleted) return this.showDeleted(li);
    if (m.edited_ts) this.markEdited(li, m.edited_ts);
    const mine = m.author === config.user;
    if (!mine && !config.isOwner) return;
    const actions = document.createElement("span");
    actions.className = "message-actions";
    if (mine) actions.append(button(S.edit, "link edit", () => this.startEdit(li)));
    actions.append(button(S.delete, "link delete", () => this.confirmDelete(li)));
    li.append(actions);
  }

  markEdited(li, editedTs) {
    let marker = li.querySelector(".edited");
    if (!marker) {
      marker = document.createElement("span");
      marker.className = "edited";
      marker.textContent = this.S.edited;
      li.querySelector(".ts").after(marker);
    }
    marker.title = formatTime(editedTs);
  }

  showDeleted(li) {
    li.classList.add("deleted");
    li.querySelectorAll(".message-actions, .editor, .edited, .confirm").forEach((el) => {
      el.remove();
    });
    const text = li.querySelector(".text");
    text.hidden = false;
    text.textContent = this.S.messageDeleted;
  }

  actionError(li, message) {
    li.querySelector(".action-error")?.remove();
    if (!message) return;
    const why = document.createElement("span");
    why.className = "action-error";
    why.textContent = message;
    li.append(why);
  }

  startEdit(li) {
    const { S, config } = this;
    if (li.querySelector(".editor") || li.classList.contains("deleted")) return;
    const text = li.querySelector(".text");
    const editor = document.createElement("form");
    editor.className = "editor";
    const box = document.createElement("textarea");
    box.value = text.textContent;
    box.maxLength = config.maxChars;
    box.rows = 2;
    box.setAttribute("aria-label", S.editLabel);
    const save = document.createElement("button");
    save.type = "submit";
    save.textContent = S.save;
    const close = () => {
      editor.remove();
      text.hidden = false;
      this.actionError(li, null);
      this.input.focus();
    };
    editor.append(box, save, button(S.cancel, "link cancel", close));
    editor.addEventListener("submit", (event) => {
      event.preventDefault();
      const value = box.value.trim();
      if (!value || value === text.textContent) return close();
      const frame = { type: "edit", id: Number(li.dataset.id), text: value };
      const sent = this.send({ ...frame, ref: EDIT_REF + li.dataset.id });
      this.actionError(li, sent ? null : S.notConnected);
    });
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        editor.requestSubmit();
      } else if (event.key === "Escape") {
        close();
      }
    });
    text.hidden = true;
    text.after(editor);
    box.focus();
  }

  confirmDelete(li) {
    const S = this.S;
    if (li.querySelector(".confirm")) return;
    const confirm = document.createElement("span");
    confirm.className = "confirm";
    const question = document.createElement("span");
    question.textContent = S.deleteQuestion;
    const yes = button(S.delete, "link confirm-delete", () => {
      const frame = { type: "delete", id: Number(li.dataset.id) };
      const sent = this.send({ ...frame, ref: DELETE_REF + li.dataset.id });
      this.actionError(li, sent ? null : S.notConnected);
    });
    confirm.append(
      question,
      yes,
      button(S.cancel, "link cancel", () => confirm.remove()),
    );
    li.append(confirm);
    yes.focus();
  }

  onEdited(frame) {
    const li = this.shown.get(frame.seq);
    if (!li || li.classList.contains("deleted")) return;
    const text = li.querySelector(".text");
    text.textContent = frame.text;
    this.markEdited(li, frame.edited_ts);
    if (li.querySelector(".editor")) {
      li.querySelector(".editor").remove();
      text.hidden = false;
      this.actionError(li, null);
    }
  }

  onDeleted(frame) {
    const li = this.shown.get(frame.seq);
    if (li) this.showDeleted(li);
  }

  // --- the outbox's lines: messages typed here and not yet acknowledged ---

  saveOutbox() {
    const all = storedSends(readStored(), this.config.room, this.outbox.entries(), Date.now());
    try {
      if (all.length) sessionStorage.setItem(OUTBOX_KEY, JSON.stringify(all));
      else sessionStorage.removeItem(OUTBOX_KEY);
    } catch (error) {
      console.warn("parley: cannot keep unsent messages", error);
    }
  }

  addLine(entry) {
    const li = this.messageItem(this.config.user, entry.text, null);
    li.classList.add("local");
    li.dataset.clientId = entry.clientId;
    this.lines.set(entry.clientId, li);
    this.list.append(li);
    if (entry.state === "failed") this.setFailed(li, entry.reason);
    else this.setPending(li);
    return li;
  }

  setPending(li) {
    li.classList.remove("failed");
    li.classList.add("pending");
    li.querySelector(".ts").textContent = this.S.pending;
    li.querySelectorAll(".reason, .actions").forEach((el) => el.remove());
  }

  setFailed(li, reason) {
    const S = this.S;
    li.classList.remove("pending");
    li.classList.add("failed");
    li.querySelector(".ts").textContent = S.failed;
    li.querySelectorAll(".reason, .actions").forEach((el) => el.remove());
    if (reason) {
      const why = document.createElement("span");
      why.className = "reason";
      why.textContent = reason;
      li.append(why);
    }
    const actions = document.createElement("span");
    actions.className = "actions";
    // The line's client_id at the time of the click (a retry may change it).
    if (!this.roomGone) {
      actions.append(button(S.retry, "link retry", () => this.retry(li.dataset.clientId)));
    }
    actions.append(button(S.discard, "link discard", () => this.discard(li.dataset.clientId)));
    li.append(actions);
  }

  // Retry keeps the client_id, so a send that did reach the store is not
  // stored twice (the outbox replaces only a refused one).
  retry(clientId) {
    const li = this.lines.get(clientId);
    if (!li || this.roomGone) return;
    const entry = this.outbox.retry(clientId);
    if (!entry) return;
    this.lines.delete(clientId);
    this.lines.set(entry.clientId, li);
    li.dataset.clientId = entry.clientId;
    this.setPending(li);
    this.list.append(li); // now the newest
    this.input.focus();
  }

  discard(clientId) {
    this.outbox.discard(clientId);
    this.lines.get(clientId)?.remove();
    this.lines.delete(clientId);
    this.input.focus();
  }

  restoreOutbox() {
    for (const send of restorableSends(readStored(), this.config.room, Date.now())) {
      if (this.outbox.get(send.client_id)) continue;
      const options = { clientId: send.client_id, at: send.at, failed: Boolean(send.failed) };
      this.addLine(this.outbox.add(send.room, send.text, options));
    }
    this.saveOutbox(); // drops what expired
  }

  submit() {
    const text = this.input.value.trim();
    if (!text || this.roomGone) return;
    // Kept in sessionStorage before it is sent: a reload cannot lose it.
    this.addLine(this.outbox.add(this.config.room, text));
    this.list.scrollTop = this.list.scrollHeight;
    this.input.value = "";
  }

  // --- history over HTTP ---

  async fetchPage(before, limit = this.config.pageSize) {
    const url = new URL(this.config.historyUrl, location.href);
    url.searchParams.set("limit", limit);
    if (before != null) url.searchParams.set("before", before);
    const response = await fetch(url, { credentials: "same-origin" });
    if (response.status === 401 || response.status === 403) {
      this.http.signIn();
      throw new Error("signed out");
    }
    if (!response.ok) throw new Error("history: HTTP " + response.status);
    return response.json();
  }

  // Newest page first, then live: subscribe with after = the newest seq.
  loadLatest() {
    this.latestLoading ??= (async () => {
      try {
        const page = await this.fetchPage(null);
        page.messages
          .slice()
          .reverse()
          .forEach((m) => this.showMessage(m));
        const newest = page.messages.length ? page.messages[0].seq : 0;
        if (this.stream === null) this.stream = new RoomStream(newest);
        else if (!this.stream.holding) this.apply(this.stream.replayed(newest));
        this.historyLoaded = true;
        this.hasOlder = page.next_before !== null;
        if (!this.hasOlder) this.markStart();
        this.list.scrollTop = this.list.scrollHeight;
        await this.fillViewport();
      } finally {
        this.latestLoading = null;
      }
    })();
    return this.latestLoading;
  }

  // Scrolling up loads older pages; until the list can scroll, load them now.
  async fillViewport() {
    while (this.hasOlder && this.list.scrollHeight <= this.list.clientHeight) {
      const before = this.oldestSeq;
      await this.loadOlder();
      if (this.oldestSeq === before) break;
    }
  }

  async loadOlder() {
    if (!this.hasOlder || this.loadingOlder || this.oldestSeq === null) return;
    this.loadingOlder = true;
    const height = this.list.scrollHeight;
    try {
      const page = await this.fetchPage(this.oldestSeq);
      page.messages.forEach((m) => this.showMessage(m));
      this.hasOlder = page.next_before !== null;
      if (!this.hasOlder) this.markStart();
      this.list.scrollTop += this.list.scrollHeight - height;
    } finally {
      this.loadingOlder = false;
    }
  }

  markStart() {
    if (this.list.querySelector(".start")) return;
    const li = document.createElement("li");
    li.className = "start";
    li.textContent = this.S.start;
    this.list.prepend(li);
  }

  // --- what the stream decides ---

  // Show what the stream forwards, in order; repair a gap by subscribing
  // again with `after` = the last seq held: the replay brings the gap.
  apply(step) {
    for (const frame of step.forward) {
      if (frame.type === "message") {
        this.showMessage(frame);
        if (frame.author) this.stopTyping(frame.author);
      } else if (frame.type === "edited") {
        this.onEdited(frame);
      } else if (frame.type === "deleted") {
        this.onDeleted(frame);
      }
    }
    if (step.repair) this.socket.resubscribe(this.config.room);
    if (step.forward.length) this.markRead();
  }

  // A room event through the stream (none comes before `subscribed`, which
  // creates the stream if history could not).
  receive(seq, frame) {
    if (this.stream !== null) this.apply(this.stream.receive(seq, frame));
  }

  onSubscribed(frame) {
    const subscription = ++this.subscriptions;
    const stream = this.stream;
    if (stream === null) {
      // History failed to load: live from now, and history after it.
      this.stream = new RoomStream(frame.last_seq);
    } else if (frame.resync && frame.last_seq > stream.lastSeq) {
      // Too much was missed to replay over the socket: page it over HTTP
      // while live messages after last_seq arrive (held meanwhile).
      stream.hold();
      const gap = { after: stream.lastSeq, before: frame.last_seq + 1 };
      fetchRange(gap, (before) => this.fetchPage(before, this.config.pageMax))
        .then((messages) => {
          messages.forEach((m) => this.showMessage(m));
          if (subscription === this.subscriptions) this.apply(stream.replayed(frame.last_seq));
        })
        .catch((error) => {
          // Hold only what is complete, and ask again on a new socket
          // after a backoff (HTTP may be failing just now).
          console.error(error);
          this.socket.restart();
        });
    } else {
      // The replay of every message after `after` follows this frame: it
      // brings the held ones again, in order.
      stream.discardHeld(isMessage);
      this.apply(stream.replayed(stream.lastSeq));
    }
    if (Array.isArray(frame.online)) this.setOnline(frame.online);
    this.readSeq = frame.read_seq ?? this.readSeq;
    if (!this.historyLoaded) this.loadLatest().catch(console.error);
    this.markRead();
  }

  onFrame(frame) {
    switch (frame.type) {
      case "subscribed":
        this.onSubscribed(frame);
        break;
      case "message":
        this.receive(frame.seq, frame);
        break;
      case "edited":
      case "deleted":
        this.receive(null, frame);
        break;
      case "ack": {
        const entry = this.outbox.get(frame.client_id);
        if (!entry) return;
        // Stored: out of the outbox, never sent again. Shown in its place
        // now; its message frame, when it comes, takes that place (same seq).
        if (this.hasOlder && this.oldestSeq !== null && frame.seq < this.oldestSeq) {
          this.settleLocal(frame.client_id); // not loaded yet: shows on scrolling up
        } else {
          const m = { ...frame, room: this.config.room, author: this.config.user };
          this.showMessage({ ...m, text: entry.text }, true);
        }
        break;
      }
      case "presence":
        if (frame.online) this.addOnline(frame.user);
        else this.findOnline(frame.user)?.remove();
        break;
      case "typing":
        this.showTyping(frame.user, Number(frame.expires_in) || this.config.typingTtlSecs);
        break;
      // pong, read, and frame types this page does not use, need nothing.
    }
  }

  onError(frame) {
    if (frame.ref === SUBSCRIBE_REF) {
      if (frame.code === "room_not_found") {
        // Deleted, or no longer ours to read: retrying will not help.
        this.roomGone = true;
        this.socket.stop();
        this.setStatus(this.S.roomGone, "gone");
        this.outbox.failAll();
        for (const li of this.lines.values()) this.setFailed(li, null);
        this.input.disabled = true;
        this.form.querySelector("button[type=submit]").disabled = true;
      } else if (frame.code !== "rate_limited") {
        // internal_error and the like: try again later, on a new socket.
        // (rate_limited is asked again by the socket after retry_after.)
        console.warn("parley: subscribe failed:", frame.code, frame.message);
        this.socket.restart();
      }
      return;
    }
    for (const prefix of [EDIT_REF, DELETE_REF]) {
      if (typeof frame.ref === "string" && frame.ref.startsWith(prefix)) {
        const id = frame.ref.slice(prefix.length);
        const li = this.list.querySelector(`li[data-id="${CSS.escape(id)}"]`);
        if (li) this.actionError(li, frame.message);
        return;
      }
    }
    const entry = this.outbox.error(frame);
    if (entry) {
      // A refused send is failed; a rate-limited one goes again by itself.
      if (entry.state === "failed") this.setFailed(this.lines.get(entry.clientId), entry.reason);
    } else if (!String(frame.ref ?? "").startsWith("badge-")) {
      console.warn("parley:", frame.code, frame.message);
    }
  }

  // --- read position ---

  // What the user can have seen is read: up to the last seq held, while the
  // tab is visible and the list is at its bottom. The server keeps the
  // position monotonic and tells every tab of this user (user frame `read`).
  markRead() {
    const stream = this.stream;
    if (this.socket === null || !this.socket.isSubscribed(this.config.room)) return;
    if (stream === null || stream.lastSeq <= this.readSeq) return;
    if (document.visibilityState !== "visible" || !this.nearBottom()) return;
    const seq = stream.lastSeq;
    if (this.send({ type: "read", room: this.config.room, seq })) this.readSeq = seq;
  }

  // --- who is online, who is typing ---

  setOnline(users) {
    this.onlineList.replaceChildren();
    for (const user of users) this.addOnline(user);
  }

  addOnline(user) {
    const { S, config } = this;
    if (this.findOnline(user)) return;
    const li = document.createElement("li");
    li.dataset.user = user;
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = user;
    li.append(name);
    // Guests (names with "#", see parley.services.guests) have no direct
    // conversations, and neither has a guest viewing the page.
    if (user !== config.user && config.canDirect && !user.includes("#")) {
      li.append(
        " ",
        button(S.messageUser, "link message-user", () => this.openDirect(li, user)),
      );
    }
    // In name order, as `subscribed.online` is.
    const after = [...this.onlineList.children].find((other) => other.dataset.user > user);
    this.onlineList.insertBefore(li, after ?? null);
  }

  findOnline(user) {
    return [...this.onlineList.children].find((li) => li.dataset.user === user);
  }

  async openDirect(li, user) {
    const config = this.config;
    this.actionError(li, null);
    try {
      const url = config.directUrl.replace("__user__", encodeURIComponent(user));
      const room = await this.http.api(url, { method: "POST" });
      location.assign(safePath(room.url) ?? config.roomUrl.replace("__room__", room.slug));
    } catch (error) {
      this.actionError(li, error.message);
    }
  }

  showTyping(user, seconds) {
    if (user === this.config.user) return; // the server echoes ours to us too
    clearTimeout(this.typers.get(user));
    this.typers.set(
      user,
      setTimeout(() => this.stopTyping(user), seconds * 1000),
    );
    this.renderTyping();
  }

  stopTyping(user) {
    if (!this.typers.has(user)) return;
    clearTimeout(this.typers.get(user));
    this.typers.delete(user);
    this.renderTyping();
  }

  renderTyping() {
    const S = this.S;
    const [first, second] = this.typers.keys();
    let text = "";
    if (this.typers.size === 1) text = format(S.typingOne, { user: first });
    else if (this.typers.size === 2) text = format(S.typingTwo, { first, second });
    else if (this.typers.size > 2) text = format(S.typingMany, { first, second });
    this.typingLine.textContent = text;
  }

  // While the user types, others hear it at most once per throttle interval
  // (the server drops extra frames too).
  typing() {
    const now = Date.now();
    if (!this.input.value.trim() || now - this.typingSentAt < this.config.typingThrottleMs) {
      return;
    }
    if (this.send({ type: "typing", room: this.config.room })) this.typingSentAt = now;
  }

  // --- invite (the owner of a private room) ---

  setupInvite() {
    const inviteForm = document.getElementById("invite");
    if (!inviteForm) return;
    const who = inviteForm.querySelector("input[name=username]");
    const result = document.getElementById("invite-result");
    inviteForm.addEventListener("submit", async (event) => {
      event.preventDefault();
      const username = who.value.trim();
      if (!username) return;
      try {
        await this.http.api(this.config.membersUrl, { method: "POST", body: { username } });
        result.textContent = format(this.S.invited, { user: username });
        result.dataset.state = "ok";
        who.value = "";
      } catch (error) {
        result.textContent = error.message;
        result.dataset.state = "error";
      }
    });
  }
}

/** Start the room page from its configuration (the `parley-page` and
 * `parley-config` json_script elements). */
export function initRoom() {
  const view = new RoomView(readConfig("parley-page"), readConfig("parley-config"));
  view.start();
  return view;
}

initRoom();
