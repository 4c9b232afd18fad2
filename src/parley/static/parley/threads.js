// Replies and threads on the room page (docs/protocol.md, "Replies and
// threads"): a Reply action on each message, the quote of the message
// being answered above the composer (Escape or its button cancels), the
// quote on each reply (following its parent's edit or deletion live), the
// reply count under a parent (live, from the `replies` frame), and the
// thread panel (#thread) listing a parent's
// replies, opened from that count and kept live by the room's messages.
// User text only ever reaches the page through text nodes (render.js).
"use strict";

import { button, format } from "./live.js";
import { renderText } from "./render.js";

/** The group of a message's actions (editing.js makes one for the
 * author and the owner; anyone else gets one here). */
export function actionsOf(li, S) {
  let actions = li.querySelector(":scope > .message-actions");
  if (actions === null) {
    actions = document.createElement("div");
    actions.className = "message-actions";
    actions.setAttribute("role", "group");
    actions.setAttribute("aria-label", S.actions);
    li.append(actions);
  }
  return actions;
}

// The quote of a reply's parent: who wrote it and how it starts.
function quoteItem(quote, S, T) {
  const name = quote.author_name ?? quote.author ?? S.deletedUser;
  const item = document.createElement("div");
  item.className = "reply-quote";
  item.dataset.parent = quote.id;
  const who = document.createElement("span");
  who.className = "quote-author";
  who.dir = "auto";
  who.textContent = format(T.quoteOf, { user: name });
  const excerpt = document.createElement("span");
  excerpt.className = "quote-text";
  excerpt.dir = "auto";
  excerpt.textContent = quote.deleted ? S.messageDeleted : quote.excerpt;
  if (quote.deleted) item.classList.add("deleted");
  item.append(who, excerpt);
  return item;
}

// A quote's text as the server cuts it: the first `chars` code points.
function excerpt(text, chars) {
  const points = Array.from(text);
  return points.length <= chars ? text : points.slice(0, chars).join("") + "…";
}

export class Threads {
  /**
   * @param {object} config the room's configuration (strings, user,
   *   threads: {repliesUrl, strings})
   * @param {object} hooks
   * @param {{api: (url: string) => Promise<object>}} hooks.http the API client
   * @param {HTMLFormElement} hooks.form the composer
   * @param {HTMLTextAreaElement} hooks.input its box
   */
  constructor(config, { http, form, input }) {
    this.config = config;
    this.S = config.strings;
    this.T = config.threads.strings;
    this.http = http;
    this.form = form;
    this.input = input;
    this.parent = null; // the message being answered: {id, name, text}
    this.bar = null; // its quote above the composer
    this.panel = document.getElementById("thread");
    this.openId = null; // the parent whose thread the panel shows
    this.panelItems = new Map(); // id -> <li> of the panel
    input.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && this.parent !== null) {
        event.preventDefault();
        this.cancelReply();
      }
    });
    this.panel.querySelector(".close-thread").addEventListener("click", () => this.close());
    this.panel.querySelector(".reply-in-thread").addEventListener("click", () => {
      const parent = this.panelItems.get(this.openId);
      if (parent) this.startReply(this.openId, parent.dataset.name, parent.dataset.text);
    });
    this.panel.addEventListener("keydown", (event) => {
      if (event.key === "Escape") this.close();
    });
  }

  /** The id of the message the composer answers, else null. */
  get replyTo() {
    return this.parent?.id ?? null;
  }

  /** A stored message is shown as `li`: its quote, count and Reply. */
  decorate(li, m) {
    if (m.deleted) return;
    if (m.reply_to) li.querySelector(".text").before(quoteItem(m.reply_to, this.S, this.T));
    this.setCount(li, Number(m.reply_count) || 0);
    const name = m.author_name ?? m.author ?? this.S.deletedUser;
    actionsOf(li, this.S).prepend(
      button(this.T.reply, "link reply", () => this.startReply(m.id, name, m.text)),
    );
  }

  setCount(li, count) {
    let link = li.querySelector(".reply-count");
    if (count <= 0) {
      link?.remove();
      return;
    }
    if (link === null) {
      link = button("", "link reply-count", () => this.open(Number(li.dataset.id)));
      link.setAttribute("aria-controls", "thread");
      li.querySelector(".message-main").append(link);
    }
    link.textContent = format(this.T.replies, { count });
  }

  /** A `replies` frame: the parent's new count, on `li` if shown. */
  onReplies(frame, li) {
    if (li && !li.classList.contains("deleted")) this.setCount(li, Number(frame.reply_count));
  }

  /** Answer message `id` (by `name`, starting `text`) with the composer. */
  startReply(id, name, text) {
    this.cancelReply();
    this.parent = { id: Number(id) };
    const bar = document.createElement("div");
    bar.className = "replying";
    bar.id = "replying";
    const who = document.createElement("span");
    who.className = "quote-author";
    who.dir = "auto";
    who.textContent = format(this.T.replyingTo, { user: name });
    const excerpt = document.createElement("span");
    excerpt.className = "quote-text";
    excerpt.dir = "auto";
    excerpt.textContent = text;
    bar.append(who, excerpt, button(this.T.cancelReply, "link cancel-reply", () => this.cancelReply()));
    this.form.before(bar);
    this.bar = bar;
    this.input.setAttribute("aria-describedby", "replying composer-hint");
    this.input.focus();
  }

  cancelReply() {
    this.parent = null;
    this.bar?.remove();
    this.bar = null;
    this.input.setAttribute("aria-describedby", "composer-hint");
  }

  // --- the thread panel ---

  panelItem(m) {
    const li = document.createElement("li");
    li.className = "thread-message";
    li.dataset.id = m.id;
    li.dataset.name = m.author_name ?? m.author ?? this.S.deletedUser;
    li.dataset.text = m.deleted ? "" : m.text;
    const who = document.createElement("span");
    who.className = "author";
    who.dir = "auto";
    who.textContent = li.dataset.name;
    const text = document.createElement("div");
    text.className = "text";
    text.dir = "auto";
    if (m.deleted) text.textContent = this.S.messageDeleted;
    else renderText(text, m.text, this.config.user);
    li.append(who, text);
    return li;
  }

  /** Show message `id`'s thread: it, then its replies, oldest first. */
  async open(id) {
    const url = this.config.threads.repliesUrl.replace("/0/", `/${id}/`);
    const page = await this.http.api(`${url}?limit=${this.config.pageMax}`);
    this.openId = id;
    this.panelItems.clear();
    const list = this.panel.querySelector(".thread-replies");
    const parent = this.panelItem(page.parent);
    parent.classList.add("thread-parent");
    this.panelItems.set(id, parent);
    list.replaceChildren(parent);
    for (const m of page.messages.slice().reverse()) this.addToPanel(m);
    this.panel.querySelector(".no-replies").hidden = page.messages.length > 0;
    this.panel.hidden = false;
    this.panel.querySelector(".close-thread").focus();
  }

  addToPanel(m) {
    if (this.panelItems.has(m.id)) return;
    const li = this.panelItem(m);
    this.panelItems.set(m.id, li);
    this.panel.querySelector(".thread-replies").append(li);
    this.panel.querySelector(".no-replies").hidden = true;
  }

  /** A stored message of the room: a reply to the open thread joins it. */
  onMessage(m) {
    if (this.openId !== null && m.reply_to && m.reply_to.id === this.openId) this.addToPanel(m);
  }

  /** An `edited` or `deleted` frame: the quotes of that message, and its
   * line in the thread panel, follow. */
  onChanged(frame) {
    const id = String(frame.id);
    const deleted = frame.type === "deleted";
    const text = deleted ? this.S.messageDeleted : frame.text;
    for (const quote of document.querySelectorAll(`.reply-quote[data-parent="${CSS.escape(id)}"]`)) {
      quote.classList.toggle("deleted", deleted);
      quote.querySelector(".quote-text").textContent = deleted
        ? text
        : excerpt(text, this.config.threads.quoteChars);
    }
    const item = this.panelItems.get(Number(frame.id));
    if (item) {
      item.dataset.text = deleted ? "" : text;
      const body = item.querySelector(".text");
      if (deleted) body.textContent = text;
      else renderText(body, text, this.config.user);
    }
  }

  close() {
    this.panel.hidden = true;
    this.openId = null;
    this.input.focus();
  }
}
