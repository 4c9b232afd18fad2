// Reactions on the room page (docs/protocol.md, "Reactions"): the chips
// under a message (emoji and count; pressed when you reacted; a click
// toggles yours), and a small picker of common emoji from its actions.
// Counts follow the room's `reaction` frames through parley-client's
// applyReaction: the server's count is taken as it is, so the same toggle
// heard twice (two tabs, an answer and its broadcast) counts once.
"use strict";

import { applyReaction } from "./parley-client.js";
import { button, format } from "./live.js";
import { actionsOf } from "./threads.js";

// Refs of react and unreact frames: the prefix and the message's id.
export const REACT_REF = "react-";

export class Reactions {
  /**
   * @param {object} config the room's configuration (user, strings,
   *   threads: {emoji, strings})
   * @param {object} hooks
   * @param {(frame: object) => boolean} hooks.send sends a frame; false
   *   when not connected
   * @param {(li: HTMLElement, message: string | null) => void} hooks.actionError
   *   says under a message why an action failed
   */
  constructor(config, { send, actionError }) {
    this.user = config.user;
    this.S = config.strings;
    this.T = config.threads.strings;
    this.emoji = config.threads.emoji;
    this.send = send;
    this.actionError = actionError;
    this.counts = new WeakMap(); // <li> -> [{emoji, count, me}]
  }

  /** A stored message is shown as `li`: its chips and the picker's button. */
  decorate(li, m) {
    if (m.deleted) return;
    this.counts.set(li, Array.isArray(m.reactions) ? m.reactions : []);
    this.render(li);
    const open = button(this.T.react, "link react", () => this.togglePicker(li, open));
    open.setAttribute("aria-expanded", "false");
    actionsOf(li, this.S).append(open);
  }

  render(li) {
    let bar = li.querySelector(".reactions");
    if (bar === null) {
      bar = document.createElement("div");
      bar.className = "reactions";
      bar.setAttribute("role", "group");
      bar.setAttribute("aria-label", this.T.reactions);
      li.querySelector(".message-main").append(bar);
    }
    const chips = this.counts.get(li).map(({ emoji, count, me }) => {
      const chip = button(`${emoji} ${count}`, "reaction", () => this.toggle(li, emoji, !me));
      chip.setAttribute("aria-pressed", String(me));
      chip.setAttribute("aria-label", format(this.T.reactWith, { emoji, count }));
      chip.dataset.emoji = emoji;
      return chip;
    });
    bar.replaceChildren(...chips);
    bar.hidden = chips.length === 0;
  }

  toggle(li, emoji, on) {
    const frame = { type: on ? "react" : "unreact", id: Number(li.dataset.id), emoji };
    const sent = this.send({ ...frame, ref: REACT_REF + li.dataset.id });
    this.actionError(li, sent ? null : this.S.notConnected);
  }

  togglePicker(li, opener) {
    const open = li.querySelector(".reaction-picker");
    if (open !== null) {
      open.remove();
      opener.setAttribute("aria-expanded", "false");
      return;
    }
    const picker = document.createElement("div");
    picker.className = "reaction-picker";
    picker.setAttribute("role", "group");
    picker.setAttribute("aria-label", this.T.react);
    const close = () => {
      picker.remove();
      opener.setAttribute("aria-expanded", "false");
      opener.focus();
    };
    for (const emoji of this.emoji) {
      picker.append(
        button(emoji, "pick", () => {
          const mine = this.counts.get(li)?.find((c) => c.emoji === emoji)?.me;
          if (!mine) this.toggle(li, emoji, true);
          close();
        }),
      );
    }
    picker.addEventListener("keydown", (event) => {
      if (event.key === "Escape") close();
    });
    li.querySelector(".message-main").append(picker);
    opener.setAttribute("aria-expanded", "true");
    picker.querySelector("button").focus();
  }

  /** A `reaction` frame about the message shown as `li` (if shown). */
  onReaction(frame, li) {
    if (!li || !this.counts.has(li)) return;
    this.counts.set(li, applyReaction(this.counts.get(li), frame, this.user));
    this.render(li);
  }
}
