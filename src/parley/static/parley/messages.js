// The room page's list of messages (#messages): stored messages in seq
// order, each shown once, with their edit and delete actions, and below
// them the lines of this tab's own messages not stored yet. It renders; the
// room (room.js) and parley-client decide what to show.
// User text only ever reaches the page through textContent.
"use strict";

import { button } from "./live.js";

// A list scrolled to within this many pixels of its bottom is "at the
// bottom": new messages keep it there, and what it shows counts as read.
const NEAR_BOTTOM_PX = 80;
// Refs of edit and delete frames: the prefix and the message's id.
export const EDIT_REF = "edit-";
export const DELETE_REF = "delete-";

function formatTime(ts) {
  const date = new Date(ts);
  return isNaN(date) ? "" : date.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

export class MessageList {
  /**
   * @param {HTMLOListElement} list the #messages element
   * @param {object} config the room's configuration (user, isOwner,
   *   maxChars, room, strings)
   * @param {object} hooks
   * @param {(frame: object) => boolean} hooks.send sends an edit or delete
   *   frame; false when not connected
   * @param {() => void} hooks.focus gives the composer the focus back
   * @param {(clientId: string | null) => void} hooks.onStored a stored
   *   message with this client_id is shown: its local line is done
   */
  constructor(list, config, { send, focus, onStored }) {
    this.list = list;
    this.config = config;
    this.S = config.strings;
    this.send = send;
    this.focus = focus;
    this.onStored = onStored;
    this.shown = new Map(); // seq -> <li> of a stored message
    this.lines = new Map(); // client_id -> <li> of an unsent message
    this.maxShownSeq = null;
    this.oldestSeq = null; // the oldest seq shown: history pages from it
  }

  messageItem(author, text, ts) {
    const li = document.createElement("li");
    li.className = "message";
    const who = document.createElement("span");
    who.className = "author";
    who.textContent = author ?? this.S.deletedUser;
    // dir="auto" isolates user text (HTML's [dir] { unicode-bidi: isolate }):
    // a right-to-left name or text cannot reorder what is around it.
    who.dir = "auto";
    const when = document.createElement("time");
    when.className = "ts";
    if (ts) {
      when.dateTime = ts;
      when.textContent = formatTime(ts);
    }
    const body = document.createElement("span");
    body.className = "text";
    body.textContent = text;
    body.dir = "auto";
    li.append(who, when, body);
    return li;
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

  // Insert a stored message in seq order. A seq already shown is skipped,
  // unless it is shown only from its ack: then the stored text replaces it.
  // The local line of the same client_id goes away.
  showMessage(m, fromAck = false) {
    if (m.room !== this.config.room) return;
    const stick = this.nearBottom();
    this.onStored(m.client_id);
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
      this.focus();
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


  // A line of this tab's own message, not stored yet (an outbox entry):
  // "sending…" while pending or sent, "not sent" with its actions if failed.
  addLocal(entry, actions) {
    const li = this.messageItem(this.config.user, entry.text, null);
    li.classList.add("local");
    li.dataset.clientId = entry.clientId;
    this.lines.set(entry.clientId, li);
    this.list.append(li);
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
    this.list.append(li);
  }

  removeLocal(clientId) {
    this.lines.get(clientId)?.remove();
    this.lines.delete(clientId);
  }

  setPending(clientId) {
    const li = this.lines.get(clientId);
    if (!li) return;
    li.classList.remove("failed");
    li.classList.add("pending");
    li.querySelector(".ts").textContent = this.S.pending;
    li.querySelectorAll(".reason, .actions").forEach((el) => el.remove());
  }

  // `actions`: {retry, discard}, each called with the line's client_id at
  // the time of the click; no retry button without `retry`.
  setFailed(clientId, reason, { retry, discard }) {
    const S = this.S;
    const li = this.lines.get(clientId);
    if (!li) return;
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
    if (retry) actions.append(button(S.retry, "link retry", () => retry(li.dataset.clientId)));
    actions.append(button(S.discard, "link discard", () => discard(li.dataset.clientId)));
    li.append(actions);
  }

  markStart() {
    if (this.list.querySelector(".start")) return;
    const li = document.createElement("li");
    li.className = "start";
    li.textContent = this.S.start;
    this.list.prepend(li);
  }

  /** Say an edit or delete of message `id` was refused. */
  refused(id, message) {
    const li = this.list.querySelector(`li[data-id="${CSS.escape(id)}"]`);
    if (li) this.actionError(li, message);
  }

  scrollToBottom() {
    this.list.scrollTop = this.list.scrollHeight;
  }
}
