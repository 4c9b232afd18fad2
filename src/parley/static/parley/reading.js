// What the room page says about reading: the count of unread messages in
// the tab's title ("(3) Room · Parley") and on the "jump to latest" button
// (shown while the list is scrolled up), and new messages of others read
// out by screen readers through a live region.
"use strict";

import { format } from "./live.js";

export class ReadingAids {
  /**
   * @param {object} strings the room's strings (jumpLatest,
   *   jumpLatestCount, announce, deletedUser)
   * @param {string} user the user's username
   * @param {() => void} jumpToLatest what the "jump to latest" button does
   */
  constructor(strings, user, jumpToLatest) {
    this.S = strings;
    this.user = user;
    this.title = document.title; // without the unread count
    this.jump = document.getElementById("jump-latest");
    this.announcer = document.getElementById("message-announcer");
    this.jump.addEventListener("click", jumpToLatest);
  }

  /** `count` messages unread; `away`: the list is not at its bottom. */
  show(count, away) {
    const title = count ? `(${count}) ${this.title}` : this.title;
    if (document.title !== title) document.title = title;
    this.jump.hidden = !away;
    this.jump.textContent = count ? format(this.S.jumpLatestCount, { count }) : this.S.jumpLatest;
  }

  /** A live message: read out unless it is the user's own or deleted. */
  announce(frame) {
    if (frame.author === this.user || frame.deleted) return;
    const user = frame.author_name ?? frame.author ?? this.S.deletedUser;
    this.announcer.textContent = format(this.S.announce, { user, text: frame.text });
  }
}
