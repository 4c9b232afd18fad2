// The room page's details: the topic under the title (the owner's form in
// the members panel), the "Pinned messages" list in the header, a message's
// pin mark and its owner's Pin/Unpin action, and leaving the room (with a
// confirmation), a moderator's actions on members (moderation.js), and
// being removed or the room archived. room.js feeds it the `topic`, `pin`,
// `member`, `unsubscribed` and `archived` frames. User text only ever reaches the page through
// textContent (and the `title` attribute).
"use strict";

import { button } from "./live.js";
import { MemberActions } from "./moderation.js";

// Refs of pin and unpin frames: the prefix and the message's id.
export const PIN_REF = "pin-";

/** Mark the message item `li` pinned or not (`S`: detailStrings). */
export function markPinned(li, on, S) {
  li.classList.toggle("pinned", on);
  li.dataset.pinned = on ? "true" : "false";
  let mark = li.querySelector(".pin-mark");
  if (on && !mark) {
    mark = document.createElement("span");
    mark.className = "pin-mark";
    mark.textContent = "📌 " + S.pinned;
    li.querySelector(".message-head")?.append(mark);
  } else if (!on) {
    mark?.remove();
  }
  const toggle = li.querySelector(".pin-toggle");
  if (toggle) toggle.textContent = on ? S.unpin : S.pin;
}

/** The Pin/Unpin action of a room's owner on message item `li`; `send`
 * sends a frame on the page's socket. */
export function pinButton(li, S, send) {
  return button(S.pin, "link pin-toggle", () => {
    const on = li.dataset.pinned !== "true";
    send({ type: on ? "pin" : "unpin", id: Number(li.dataset.id), ref: PIN_REF + li.dataset.id });
  });
}

export class RoomDetails {
  /**
   * @param {object} config the room's configuration (`parley-config`)
   * @param {{http: object, list: HTMLElement, reason: (frame: object) => string,
   *   gone: (sentence: string) => void, readOnly: (on: boolean) => void}} hooks
   *   the page's HTTP client, the list of messages, an error's sentence, and
   *   what the page does when the room is no longer the user's or is archived
   */
  constructor(config, hooks) {
    this.config = config;
    this.S = config.detailStrings;
    this.hooks = hooks;
    this.topic = document.getElementById("room-topic");
    this.pinsButton = document.getElementById("open-pins");
    this.pinsPanel = document.getElementById("pins");
    this.pinList = document.getElementById("pin-list");
    this.actions = new MemberActions(config, hooks);
  }

  start() {
    this.pinsButton.addEventListener("click", () => this.togglePins());
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !this.pinsPanel.hidden) this.togglePins(false);
    });
    this.setupTopicForm();
    this.setupLeave();
    this.actions.start();
  }

  /** Show `text` as the room's topic (hidden when empty). */
  setTopic(text) {
    this.topic.textContent = text;
    this.topic.title = text;
    this.topic.hidden = !text;
  }

  /** A frame of this room that is about its details. */
  frame(frame) {
    switch (frame.type) {
      case "topic":
        this.setTopic(frame.topic);
        break;
      case "pin": {
        const li = this.messageItem(frame.id);
        if (li) markPinned(li, frame.on, this.S);
        if (!this.pinsPanel.hidden) this.loadPins().catch(console.error);
        break;
      }
      case "member":
        if (frame.left) {
          document.querySelector(`.member-list li[data-user="${CSS.escape(frame.user)}"]`)?.remove();
        } else if (frame.role) {
          this.actions.setRole(frame.user, frame.role);
        }
        break;
      case "unsubscribed":
        // This user left the room, here or in another tab; or a moderator
        // removed them: the page stays, saying so.
        if (frame.reason === "left") location.assign(this.config.roomsUrl);
        if (frame.reason === "removed") this.hooks.gone(this.config.moderationStrings.youRemoved);
        if (frame.reason === "banned") this.hooks.gone(this.config.moderationStrings.youBanned);
        break;
      case "archived":
        this.hooks.readOnly(frame.on);
        break;
    }
  }

  messageItem(id) {
    return this.hooks.list.querySelector(`li[data-id="${CSS.escape(String(id))}"]`);
  }

  // --- the pinned list ---

  async togglePins(open = this.pinsPanel.hidden) {
    this.pinsPanel.hidden = !open;
    this.pinsButton.setAttribute("aria-expanded", String(open));
    if (open) await this.loadPins();
  }

  async loadPins() {
    const { pins } = await this.hooks.http.api(this.config.pinsUrl);
    const items = pins.map((pin) => this.pinItem(pin));
    if (!items.length) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = this.S.noPins;
      items.push(li);
    }
    this.pinList.replaceChildren(...items);
  }

  // A pin: its author and text; choosing it jumps to the message if it is
  // loaded, else shows its whole text here.
  pinItem(pin) {
    const { message } = pin;
    const li = document.createElement("li");
    li.dataset.id = message.id;
    const author = document.createElement("span");
    author.className = "pin-author";
    author.dir = "auto";
    author.textContent = message.author_name ?? message.author ?? this.S.deletedUser;
    const text = document.createElement("button");
    text.type = "button";
    text.className = "link pin-text";
    text.dir = "auto";
    text.textContent = message.text;
    text.addEventListener("click", () => this.jumpTo(li, message));
    li.append(author, text);
    return li;
  }

  jumpTo(item, message) {
    const li = this.messageItem(message.id);
    if (li) {
      this.togglePins(false);
      li.scrollIntoView({ block: "center" });
      li.classList.add("flash");
      setTimeout(() => li.classList.remove("flash"), 2000);
      return;
    }
    if (item.querySelector(".pin-full")) return;
    const full = document.createElement("p");
    full.className = "pin-full";
    full.dir = "auto";
    full.textContent = `${this.S.notLoaded} ${message.text}`;
    item.append(full);
  }

  // --- the owner's topic form ---

  setupTopicForm() {
    const form = document.getElementById("topic-form");
    if (!form) return;
    const input = form.querySelector("input[name=topic]");
    const result = document.getElementById("topic-result");
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      try {
        const saved = await this.hooks.http.api(this.config.topicUrl, {
          method: "POST",
          body: { topic: input.value },
        });
        input.value = saved.topic;
        this.setTopic(saved.topic);
        result.textContent = this.S.topicSaved;
        result.dataset.state = "ok";
      } catch (error) {
        result.textContent =
          error.code === "text_too_long" ? this.S.topicTooLong : this.hooks.reason(error);
        result.dataset.state = "error";
      }
    });
  }

  // --- leaving ---

  setupLeave() {
    const leave = document.getElementById("leave-room");
    if (!leave) return;
    const result = document.getElementById("leave-result");
    leave.addEventListener("click", () => {
      if (leave.parentElement.querySelector(".confirm")) return;
      const confirm = document.createElement("div");
      confirm.className = "confirm";
      const question = document.createElement("span");
      question.textContent = this.S.leaveQuestion;
      const yes = button(this.S.leave, "link danger confirm-leave", async () => {
        try {
          await this.hooks.http.api(this.config.leaveUrl, { method: "POST" });
          location.assign(this.config.roomsUrl);
        } catch (error) {
          confirm.remove();
          result.textContent = this.hooks.reason(error);
          result.dataset.state = "error";
        }
      });
      const no = button(this.S.cancel, "link", () => {
        confirm.remove();
        leave.focus();
      });
      confirm.append(question, yes, no);
      leave.after(confirm);
      yes.focus();
    });
  }
}
