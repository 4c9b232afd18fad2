// The edit and delete part of the room's list of messages (messages.js's
// MessageList extends it): the actions a user has on a stored message (edit
// their own, delete their own or any in a room they own), shown on hover or
// focus, the editor (Enter saves, Escape cancels), the "(edited)" marker
// and deleted messages, which keep their place and lose their text.
"use strict";

import { markPinned, pinButton } from "./details.js";
import { button } from "./live.js";
import { fullLabel, parseTs } from "./render.js";

// Refs of edit and delete frames: the prefix and the message's id.
export const EDIT_REF = "edit-";
export const DELETE_REF = "delete-";

/** Whether the message item `li` is the user's own. */
export function isMine(li, config) {
  return li.dataset.author !== undefined && li.dataset.author === config.user;
}

/** Edit and delete of stored messages, for MessageList (which provides
 * list, config, S, send, focus, shown, texts and setText). */
export class MessageActions {

  // A stored message's state (edited, deleted) and the actions the user has
  // on it: edit their own, delete their own or any in a room they own.
  decorate(li, m) {
    const { S, config } = this;
    li.dataset.id = m.id;
    if (m.deleted) return this.showDeleted(li);
    if (m.edited_ts) this.markEdited(li, m.edited_ts);
    const mine = isMine(li, config);
    if (mine) {
      const delivered = document.createElement("span");
      delivered.className = "delivered";
      delivered.title = S.sent;
      const tick = document.createElement("span");
      tick.setAttribute("aria-hidden", "true");
      tick.textContent = "✓";
      const said = document.createElement("span");
      said.className = "visually-hidden";
      said.textContent = S.sent;
      delivered.append(tick, said);
      li.querySelector(".message-head").append(delivered);
    }
    markPinned(li, Boolean(m.pinned), config.detailStrings);
    if (!mine && !config.isOwner) return;
    const actions = document.createElement("div");
    actions.className = "message-actions";
    actions.setAttribute("role", "group");
    actions.setAttribute("aria-label", S.actions);
    if (mine) actions.append(button(S.edit, "link edit", () => this.startEdit(li)));
    actions.append(button(S.delete, "link delete", () => this.confirmDelete(li)));
    if (config.canPin) actions.append(pinButton(li, config.detailStrings, this.send));
    li.append(actions);
    markPinned(li, Boolean(m.pinned), config.detailStrings); // the action's label
  }

  markEdited(li, editedTs) {
    let marker = li.querySelector(".edited");
    if (!marker) {
      marker = document.createElement("span");
      marker.className = "edited";
      marker.textContent = this.S.edited;
      li.querySelector(".ts").after(marker);
    }
    const date = parseTs(editedTs);
    marker.title = date ? fullLabel(date) : "";
  }

  showDeleted(li) {
    li.classList.add("deleted");
    li.classList.remove("mentions-me");
    const extras = ".pin-mark, .files, .reply-quote, .reply-count, .reactions, .reaction-picker";
    li.querySelectorAll(`.message-actions, .editor, .edited, .confirm, .delivered, ${extras}`).forEach(
      (el) => el.remove(),
    );
    const text = li.querySelector(".text");
    text.hidden = false;
    text.classList.remove("formatted");
    text.textContent = this.S.messageDeleted;
    this.texts.delete(li);
  }

  actionError(li, message) {
    li.querySelector(".action-error")?.remove();
    if (!message) return;
    const why = document.createElement("span");
    why.className = "action-error";
    why.setAttribute("role", "alert");
    why.textContent = message;
    li.querySelector(".message-main").append(why);
  }

  /** Edit the user's newest message that can be (Up in an empty
   * composer); false when there is none. */
  editLast() {
    const mine = this.list.querySelectorAll(":scope > .message.mine[data-seq]:not(.deleted)");
    const last = mine[mine.length - 1];
    if (!last || !last.querySelector(".edit")) return false;
    this.startEdit(last);
    return true;
  }

  startEdit(li) {
    const { S, config } = this;
    if (li.querySelector(".editor") || li.classList.contains("deleted")) return;
    const text = li.querySelector(".text");
    const editor = document.createElement("form");
    editor.className = "editor";
    const box = document.createElement("textarea");
    const original = this.texts.get(li) ?? text.textContent;
    box.value = original;
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
      if (!value || value === original) return close();
      const frame = { type: "edit", id: Number(li.dataset.id), text: value };
      const sent = this.send({ ...frame, ref: EDIT_REF + li.dataset.id });
      this.actionError(li, sent ? null : S.notConnected);
    });
    box.addEventListener("keydown", (event) => {
      if (event.key === "Enter" && !event.shiftKey && !event.isComposing) {
        event.preventDefault();
        editor.requestSubmit();
      } else if (event.key === "Escape") {
        event.preventDefault();
        close();
      }
    });
    text.hidden = true;
    text.after(editor);
    box.focus();
    box.setSelectionRange(box.value.length, box.value.length);
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
    li.querySelector(".message-main").append(confirm);
    yes.focus();
  }

  onEdited(frame) {
    const li = this.shown.get(frame.seq);
    if (!li || li.classList.contains("deleted")) return;
    const text = li.querySelector(".text");
    this.setText(li, frame.text, frame.html);
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

  /** Say an edit or delete of message `id` was refused. */
  refused(id, message) {
    const li = this.list.querySelector(`li[data-id="${CSS.escape(id)}"]`);
    if (li) this.actionError(li, message);
  }
}
