// The room page's view: history over HTTP, live messages over the page's
// socket (socket.js, opened by live.js with the bell and the room badges),
// shown in the list of messages (messages.js).
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
//   seen: the tab is visible and the list scrolled to its bottom; what is
//   not read yet counts in the tab's title and on "jump to latest";
// - a send refused with `rate_limited` waits out `retry_after` (its line
//   counts down) and goes again by itself;
// - an error shows the page's sentence for its code (strings.errors), in
//   the page's language, not the server's English message.
// User text only ever reaches the page through text nodes.
"use strict";

import { RoomStream, fetchRange } from "./parley-client.js";
import { AttachmentTray } from "./attachments.js";
import { setupComposer } from "./composer.js";
import { PIN_REF, RoomDetails } from "./details.js";
import { httpClient, readConfig, startLive } from "./live.js";
import { DELETE_REF, EDIT_REF, MessageList } from "./messages.js";
import { PendingSends } from "./pending.js";
import { REACT_REF, Reactions } from "./reactions.js";
import { Threads } from "./threads.js";
import { DesktopAlerts, setupPermissionControl } from "./notify.js";
import { OnlineList, setupInvite, TypingLine } from "./people.js";
import { ReadingAids } from "./reading.js";
import { aroundSeq, setupSearch, showFound } from "./search.js";
import { startShell } from "./shell.js";
import { setupWebhooks } from "./webhooks.js";

const SUBSCRIBE_REF = "subscribe";
// Scrolled to within this many pixels of its top: load older messages.
const NEAR_TOP_PX = 60;
// How long a run of forwarded messages waits for its one `read`, in ms.
const READ_DELAY_MS = 300;
// How often (ms) day separators check the date: "Today" turns into
// "Yesterday" at midnight on a page left open.
const RELABEL_MS = 60 * 1000;

function isMessage(frame) {
  return frame.type === "message";
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
    this.entered = false; // scrolled to the first unread message once
    this.http = httpClient(page.loginUrl);
    this.online = new OnlineList(document.getElementById("online"), config, {
      http: this.http,
      actionError: (li, message) => this.messages.actionError(li, message),
    });
    this.typers = new TypingLine(document.getElementById("typing"), config);

    this.threads = new Threads(config, { http: this.http, form: this.form, input: this.input });
    this.reactions = new Reactions(config, {
      send: (frame) => this.send(frame),
      actionError: (li, message) => this.messages.actionError(li, message),
    });
    this.messages = new MessageList(this.list, config, {
      send: (frame) => this.send(frame),
      focus: () => this.input.focus(),
      onStored: (clientId) => this.pending.settle(clientId),
      decorate: (li, m) => {
        this.threads.decorate(li, m);
        this.reactions.decorate(li, m);
      },
    });
    this.reading = new ReadingAids(this.S, config.user, () => {
      this.messages.scrollToBottom();
      this.markRead();
      this.showUnread();
      this.input.focus();
    });
    this.hasOlder = true;
    this.historyLoaded = false;
    this.latestLoading = null;
    this.loadingOlder = false;
    this.socket = null; // the page's socket, once history is loaded
    this.stream = null; // RoomStream, once the newest seq is known
    this.subscriptions = 0; // `subscribed` frames so far (a resync checks it)
    this.readSeq = Number(config.readSeq) || 0; // the position the server holds (or was sent)
    this.typingSentAt = -Infinity;
    this.readTimer = null; // a pending markRead (markReadSoon)
    this.roomGone = false;
    this.pending = new PendingSends(config.room, {
      send: (frame) => this.send(frame),
      messages: this.messages,
      focus: () => this.input.focus(),
      roomGone: () => this.roomGone,
    });
    this.outbox = this.pending.outbox;
    this.details = new RoomDetails(config, {
      http: this.http,
      list: this.list,
      reason: (error) => this.reason(error),
      gone: (sentence) => this.gone(sentence, { stop: false }),
      readOnly: (on) => this.readOnly(on),
    });
  }

  start() {
    const { form, input, list } = this;
    this.composer = setupComposer(form, input, {
      submit: () => this.submit(),
      editLast: () => this.messages.editLast(),
      typing: () => this.typing(),
    });
    list.addEventListener("scroll", () => {
      if (list.scrollTop < NEAR_TOP_PX) this.loadOlder().catch(console.error);
      this.markRead();
      this.showUnread();
    });
    document.addEventListener("visibilitychange", () => {
      this.markRead();
      this.messages.relabelDays();
    });
    window.addEventListener("focus", () => this.markRead());
    setInterval(() => this.messages.relabelDays(), RELABEL_MS);
    setupInvite(this.http, this.config);
    setupWebhooks(this.http, this.config, (error) => this.reason(error));
    this.details.start();
    this.tray = new AttachmentTray(this.config, {
      tray: document.getElementById("attachment-tray"),
      picker: document.getElementById("attach-input"),
      button: document.getElementById("attach-button"),
      input,
      dropZone: document.getElementById("main"),
    });
    setupSearch(this.page, this.http);
    setupPermissionControl(document.getElementById("desktop-notifications"));

    this.pending.restore();
    input.focus();
    this.loadLatest()
      .catch((error) => console.error(error))
      .finally(() => this.connect());
  }

  connect() {
    const room = this.config.room;
    ({ socket: this.socket } = startLive(this.page, {
      room,
      http: this.http,
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
        const alerts = new DesktopAlerts(this.page, room, this.config.kind);
        socket.on("frame", (frame) => alerts.frame(frame));
      },
      onStatus: (text, state) => {
        if (state !== "open") this.outbox.disconnected();
        if (!this.roomGone) this.setStatus(text, state);
      },
      probe: () => this.fetchPage(null, 1).catch(() => {}),
    }));
  }

  /** An archived room (`on`) is read-only: the composer closes and a note
   * says why; brought back, it opens again. */
  readOnly(on) {
    this.archivedNote ??= document.getElementById("archived-note");
    this.archivedNote.hidden = !on;
    this.input.disabled = on || this.roomGone;
    this.form.querySelector("button[type=submit]").disabled = on || this.roomGone;
  }

  setStatus(text, state) {
    this.status.textContent = text;
    this.status.dataset.state = state;
  }

  send(frame) {
    return this.socket !== null && this.socket.send(frame);
  }

  submit() {
    const text = this.input.value.trim();
    const attachments = this.tray.ids();
    // A file still uploading: the send waits for the user to press again.
    if ((!text && !attachments.length) || this.roomGone || this.tray.busy()) return;
    // Kept in sessionStorage before it is sent: a reload cannot lose it.
    const entry = this.outbox.add(this.config.room, text, {
      attachments,
      replyTo: this.threads.replyTo,
    });
    this.messages.addLocal(entry, this.pending.lineActions());
    this.threads.cancelReply();
    this.messages.scrollToBottom();
    this.input.value = "";
    this.tray.clear();
    this.composer.grow();
  }

  // What is unread below the messages in view: the title and "jump to
  // latest" say it.
  showUnread() {
    this.reading.show(this.messages.countAfter(this.readSeq), !this.messages.nearBottom());
  }

  /** The page's sentence for an error frame's code, in its language. */
  reason(frame) {
    return this.S.errors[frame.code] ?? frame.message ?? frame.code;
  }

  // --- history over HTTP ---

  async fetchPage(before, limit = this.config.pageSize, around = null) {
    const url = new URL(this.config.historyUrl, location.href);
    url.searchParams.set("limit", limit);
    if (before != null) url.searchParams.set("before", before);
    if (around != null) url.searchParams.set("around", around);
    return this.http.api(url.toString());
  }

  // Newest page first (on arrival from a search result, the page around
  // it), then live: subscribe with after = the newest seq shown; the
  // replay (or a resync over HTTP) brings what is newer.
  loadLatest() {
    this.latestLoading ??= (async () => {
      try {
        const around = this.entered ? null : aroundSeq(location);
        const page = await this.fetchPage(null, this.config.pageSize, around);
        page.messages
          .slice()
          .reverse()
          .forEach((m) => this.messages.showMessage(m));
        const newest = page.messages.length ? page.messages[0].seq : 0;
        if (this.stream === null) this.stream = new RoomStream(newest);
        else if (!this.stream.holding) this.apply(this.stream.replayed(newest));
        this.historyLoaded = true;
        this.hasOlder = page.next_before !== null;
        if (!this.hasOlder) this.messages.markStart();
        this.messages.scrollToBottom();
        await this.fillViewport();
        if (!this.entered) {
          // On arrival: the first unread message, under its "new messages" line.
          this.entered = true;
          if (around !== null) showFound(this.messages.shown.get(around));
          else this.messages.scrollToEntry();
        }
        this.showUnread();
      } finally {
        this.latestLoading = null;
      }
    })();
    return this.latestLoading;
  }

  // Scrolling up loads older pages; until the list can scroll, load them now.
  async fillViewport() {
    while (this.hasOlder && this.list.scrollHeight <= this.list.clientHeight) {
      const before = this.messages.oldestSeq;
      await this.loadOlder();
      if (this.messages.oldestSeq === before) break;
    }
  }

  async loadOlder() {
    const oldest = this.messages.oldestSeq;
    if (!this.hasOlder || this.loadingOlder || oldest === null) return;
    this.loadingOlder = true;
    const height = this.list.scrollHeight;
    try {
      const page = await this.fetchPage(oldest);
      page.messages.forEach((m) => this.messages.showMessage(m));
      this.hasOlder = page.next_before !== null;
      if (!this.hasOlder) this.messages.markStart();
      this.list.scrollTop += this.list.scrollHeight - height;
    } finally {
      this.loadingOlder = false;
    }
  }


  // --- what the stream decides ---

  // Show what the stream forwards, in order; repair a gap by subscribing
  // again with `after` = the last seq held: the replay brings the gap.
  apply(step) {
    for (const frame of step.forward) {
      if (frame.type === "message") {
        this.messages.showMessage(frame);
        this.threads.onMessage(frame);
        this.reading.announce(frame);
        if (frame.author) this.typers.stop(frame.author);
      } else if (frame.type === "edited") {
        this.messages.onEdited(frame);
        this.threads.onChanged(frame);
      } else if (frame.type === "deleted") {
        this.messages.onDeleted(frame);
        this.threads.onChanged(frame);
      }
    }
    if (step.repair) this.socket.resubscribe(this.config.room);
    if (step.forward.length) {
      this.markReadSoon();
      this.showUnread();
    }
  }

  // A replay or a busy room forwards many messages in a row: one `read`
  // for them all, not one frame each (every frame spends the socket's
  // budget, and the server stores at most one position per 2 s anyway).
  markReadSoon() {
    this.readTimer ??= setTimeout(() => {
      this.readTimer = null;
      this.markRead();
    }, READ_DELAY_MS);
  }

  // A room event through the stream (none comes before `subscribed`, which
  // creates the stream if history could not).
  receive(seq, frame) {
    if (this.stream !== null) this.apply(this.stream.receive(seq, frame));
  }

  onSubscribed(frame) {
    const subscription = ++this.subscriptions;
    const stream = this.stream;
    // Older messages were purged (retention): not a gap to repair.
    const firstSeq = frame.first_seq ?? 1;
    if (stream === null) {
      // History failed to load: live from now, and history after it.
      this.stream = new RoomStream(frame.last_seq);
    } else if (frame.resync && frame.last_seq > Math.max(stream.lastSeq, firstSeq - 1)) {
      // Too much was missed to replay over the socket: page it over HTTP
      // while live messages after last_seq arrive (held meanwhile).
      stream.hold();
      const gap = { after: Math.max(stream.lastSeq, firstSeq - 1), before: frame.last_seq + 1 };
      fetchRange(gap, (before) => this.fetchPage(before, this.config.pageMax))
        .then((messages) => {
          messages.forEach((m) => this.messages.showMessage(m));
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
      this.apply(stream.replayed(Math.max(stream.lastSeq, firstSeq - 1)));
    }
    if (Array.isArray(frame.online)) this.online.set(frame.online);
    if (typeof frame.topic === "string") {
      // A whole snapshot (a repair's `subscribed` carries neither).
      this.details.setTopic(frame.topic);
      this.readOnly(Boolean(frame.archived));
    }
    this.readSeq = frame.read_seq ?? this.readSeq;
    this.showUnread();
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
        const oldest = this.messages.oldestSeq;
        if (this.hasOlder && oldest !== null && frame.seq < oldest) {
          this.pending.settle(frame.client_id); // not loaded yet: shows on scrolling up
        } else {
          const m = {
            ...frame,
            room: this.config.room,
            author: this.config.user,
            author_id: this.config.userId,
          };
          this.messages.showMessage({ ...m, text: entry.text }, true);
        }
        break;
      }
      case "replies":
        this.threads.onReplies(frame, this.messages.shown.get(frame.seq));
        break;
      case "reaction":
        this.reactions.onReaction(frame, this.messages.shown.get(frame.seq));
        break;
      case "presence":
        if (frame.online) this.online.add(frame.user);
        else this.online.remove(frame.user);
        break;
      case "typing":
        this.typers.show(frame.user, Number(frame.expires_in) || this.config.typingTtlSecs);
        break;
      case "read":
        // This user read further in another tab.
        this.readSeq = Math.max(this.readSeq, Number(frame.seq) || 0);
        this.messages.readUpTo(this.readSeq);
        this.showUnread();
        break;
      case "topic":
      case "pin":
      case "member":
      case "unsubscribed":
      case "archived":
        this.details.frame(frame);
        break;
      // pong, and frame types this page does not use, need nothing.
    }
  }

  /** The room is no longer this user's (`sentence` says why): unsent
   * messages fail, the composer closes, and the socket stops (`stop`), or
   * only stops following the room (a removal: the other rooms' badges and
   * the bell go on, and a reconnect does not subscribe to it again). */
  gone(sentence, { stop = true } = {}) {
    this.roomGone = true;
    if (stop) this.socket.stop();
    else this.socket.unfollow(this.config.room);
    this.setStatus(sentence, "gone");
    this.outbox.failAll();
    for (const entry of this.outbox.entries()) {
      this.messages.setFailed(entry.clientId, null, this.pending.lineActions());
    }
    this.input.disabled = true;
    this.form.querySelector("button[type=submit]").disabled = true;
  }

  onError(frame) {
    if (frame.ref === SUBSCRIBE_REF) {
      if (frame.code === "room_not_found") {
        // Deleted, or no longer ours to read: retrying will not help.
        this.gone(this.S.roomGone);
      } else if (frame.code !== "rate_limited") {
        // internal_error and the like: try again later, on a new socket.
        // (rate_limited is asked again by the socket after retry_after.)
        console.warn("parley: subscribe failed:", frame.code, frame.message);
        this.socket.restart();
      }
      return;
    }
    for (const prefix of [EDIT_REF, DELETE_REF, PIN_REF, REACT_REF]) {
      if (typeof frame.ref === "string" && frame.ref.startsWith(prefix)) {
        this.messages.refused(frame.ref.slice(prefix.length), this.reason(frame));
        return;
      }
    }
    const entry = this.outbox.error(frame);
    if (entry) {
      // A refused send is failed; a rate-limited one goes again by itself
      // after its wait, which its line counts down.
      if (entry.state === "failed") {
        this.messages.setFailed(entry.clientId, this.reason(frame), this.pending.lineActions());
      } else if (frame.code === "rate_limited") {
        this.messages.setWaiting(entry.clientId, Number(frame.retry_after) || 0);
      }
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
    if (document.visibilityState !== "visible" || !this.messages.nearBottom()) return;
    const seq = stream.lastSeq;
    if (this.send({ type: "read", room: this.config.room, seq })) {
      this.readSeq = seq;
      this.messages.readUpTo(seq);
      this.showUnread();
    }
  }

  // While the user types, others hear it at most once per throttle interval
  // (the server drops extra frames too).
  typing() {
    const now = Date.now();
    if (!this.input.value.trim() || now - this.typingSentAt < this.config.typingThrottleMs) {
      return;
    }
    // Before `subscribed` the server would answer `not_subscribed`.
    if (this.socket === null || !this.socket.isSubscribed(this.config.room)) return;
    if (this.send({ type: "typing", room: this.config.room })) this.typingSentAt = now;
  }
}

/** Start the room page from its configuration (the `parley-page` and
 * `parley-config` json_script elements). */
function initRoom() {
  startShell();
  const view = new RoomView(readConfig("parley-page"), readConfig("parley-config"));
  view.start();
  return view;
}

initRoom();
