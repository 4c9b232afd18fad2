// The room page's people: who is online here (with a "Message" button for a
// direct conversation), who is typing, and the owner's invite form. Views
// only: room.js feeds them the `subscribed.online`, `presence` and `typing`
// frames. User text only ever reaches the page through textContent.
"use strict";

import { button, format, safePath } from "./live.js";

/** The "Online here" list, kept in name order as `subscribed.online` is. */
export class OnlineList {
  /**
   * @param {HTMLElement} list the `<ul>` of people online
   * @param {object} config the room's configuration (`parley-config`)
   * @param {{http: object, actionError: (li: HTMLElement, message: string | null) => void}} hooks
   *   the page's HTTP client, and how to show an action's error beside a line
   */
  constructor(list, config, hooks) {
    this.list = list;
    this.config = config;
    this.hooks = hooks;
  }

  /** Show exactly `users` (usernames), by display name where known. */
  set(users) {
    this.list.replaceChildren();
    for (const user of users) this.add(user);
  }

  /** Show `user` as online (nothing if shown already). */
  add(user) {
    const { config } = this;
    if (this.find(user)) return;
    const li = document.createElement("li");
    li.dataset.user = user;
    // Members have their display name and avatar in the page's
    // configuration; anyone else (joined since) shows their username.
    const who = config.people?.[user];
    const name = document.createElement("span");
    name.className = "name";
    name.textContent = who?.name ?? user;
    name.dir = "auto"; // isolated: see messages.js
    li.append(name);
    // Guests (names with "#", see parley.services.guests) have no direct
    // conversations, and neither has a guest viewing the page.
    if (user !== config.user && config.canDirect && !user.includes("#")) {
      li.append(
        " ",
        button(config.strings.messageUser, "link message-user", () =>
          this.openDirect(li, user),
        ),
      );
    }
    const after = [...this.list.children].find((other) => other.dataset.user > user);
    this.list.insertBefore(li, after ?? null);
  }

  /** Show `user` as gone. */
  remove(user) {
    this.find(user)?.remove();
  }

  find(user) {
    return [...this.list.children].find((li) => li.dataset.user === user);
  }

  async openDirect(li, user) {
    const { config, hooks } = this;
    hooks.actionError(li, null);
    try {
      const url = config.directUrl.replace("__user__", encodeURIComponent(user));
      const room = await hooks.http.api(url, { method: "POST" });
      location.assign(safePath(room.url) ?? config.roomUrl.replace("__room__", room.slug));
    } catch (error) {
      hooks.actionError(li, error.message);
    }
  }
}

/** "ann is typing…": each typer shown until their `typing` frame expires or
 * their message arrives. */
export class TypingLine {
  /**
   * @param {HTMLElement} line where the sentence goes
   * @param {object} config the room's configuration (`parley-config`)
   */
  constructor(line, config) {
    this.line = line;
    this.config = config;
    this.typers = new Map(); // username -> timer that hides their indicator
  }

  /** `user` is typing, for `seconds` unless told again. */
  show(user, seconds) {
    if (user === this.config.user) return; // the server echoes ours to us too
    clearTimeout(this.typers.get(user));
    this.typers.set(
      user,
      setTimeout(() => this.stop(user), seconds * 1000),
    );
    this.render();
  }

  /** `user` stopped typing (their message arrived, or the time is up). */
  stop(user) {
    if (!this.typers.has(user)) return;
    clearTimeout(this.typers.get(user));
    this.typers.delete(user);
    this.render();
  }

  render() {
    const S = this.config.strings;
    const [first, second] = this.typers.keys();
    let text = "";
    if (this.typers.size === 1) text = format(S.typingOne, { user: first });
    else if (this.typers.size === 2) text = format(S.typingTwo, { first, second });
    else if (this.typers.size > 2) text = format(S.typingMany, { first, second });
    this.line.textContent = text;
  }
}

/** The invite form of a private room's owner (absent for everyone else). */
export function setupInvite(http, config) {
  const inviteForm = document.getElementById("invite");
  if (!inviteForm) return;
  const who = inviteForm.querySelector("input[name=username]");
  const result = document.getElementById("invite-result");
  inviteForm.addEventListener("submit", async (event) => {
    event.preventDefault();
    const username = who.value.trim();
    if (!username) return;
    try {
      await http.api(config.membersUrl, { method: "POST", body: { username } });
      result.textContent = format(config.strings.invited, { user: username });
      result.dataset.state = "ok";
      who.value = "";
    } catch (error) {
      result.textContent = error.message;
      result.dataset.state = "error";
    }
  });
}
