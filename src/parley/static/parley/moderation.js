// A moderator's actions on the room page's members panel: for each member
// of a lower role, a menu button (its name in its label) opening a menu of
// Remove, Ban, Mute for 1 hour and, for the owner, Make moderator / Make
// member. The menu follows the WAI-ARIA menu button pattern: Enter or Space
// opens it on its first item, the arrow keys move, Escape closes it and
// returns to the button. details.js wires it; the rules are the server's
// (parley.services.moderation), which refuses whatever the page should not
// have offered.
"use strict";

import { button, format } from "./live.js";

// A role's rank: lower outranks higher (as parley.services.moderation).
const RANKS = { staff: -1, owner: 0, moderator: 1, member: 2 };

export class MemberActions {
  /**
   * @param {object} config the room's configuration (`parley-config`)
   * @param {{http: object, reason: (error: object) => string}} hooks
   */
  constructor(config, hooks) {
    this.config = config;
    this.S = config.moderationStrings;
    this.hooks = hooks;
    this.list = document.querySelector(".member-list");
    this.result = document.getElementById("moderation-result");
    this.open = null; // the open menu, if any
  }

  start() {
    if (!this.config.canModerate || !this.list) return;
    for (const li of this.list.querySelectorAll("li[data-user]")) this.offer(li);
    document.addEventListener("click", (event) => {
      if (this.open && !this.open.li.contains(event.target)) this.close();
    });
  }

  rank(role) {
    return RANKS[role] ?? RANKS.member;
  }

  /** Add the menu button to member item `li` if this user outranks them. */
  offer(li) {
    const user = li.dataset.user;
    const role = li.querySelector(".role")?.dataset.role ?? "member";
    if (user === this.config.user || this.rank(this.config.myRole) >= this.rank(role)) return;
    const name = li.querySelector(".name")?.textContent ?? user;
    const trigger = button("⋯", "icon-button member-actions", () => this.toggle(li, trigger));
    trigger.setAttribute("aria-label", format(this.S.menu, { user: name }));
    trigger.setAttribute("aria-haspopup", "menu");
    trigger.setAttribute("aria-expanded", "false");
    trigger.addEventListener("keydown", (event) => {
      if (event.key === "ArrowDown") {
        event.preventDefault();
        this.toggle(li, trigger, true);
      }
    });
    li.append(trigger);
  }

  toggle(li, trigger, open = this.open?.li !== li) {
    this.close();
    if (!open) return;
    const user = li.dataset.user;
    const menu = document.createElement("div");
    menu.className = "menu member-menu";
    menu.setAttribute("role", "menu");
    menu.setAttribute("aria-label", trigger.getAttribute("aria-label"));
    const role = li.querySelector(".role")?.dataset.role;
    const items = [
      [this.S.remove, () => this.act(li, "remove", {}, this.S.removed)],
      [this.S.ban, () => this.act(li, "ban", {}, this.S.banned)],
      [this.S.mute, () => this.act(li, "mute", { seconds: 3600 }, this.S.muted)],
    ];
    if (this.rank(this.config.myRole) <= RANKS.owner) {
      const next = role === "moderator" ? "member" : "moderator";
      const label = next === "moderator" ? this.S.makeModerator : this.S.makeMember;
      items.push([label, () => this.act(li, "role", { role: next }, null)]);
    }
    for (const [label, run] of items) {
      const item = button(label, "menu-item", () => {
        this.close();
        trigger.focus();
        run().catch(console.error);
      });
      item.setAttribute("role", "menuitem");
      item.tabIndex = -1;
      menu.append(item);
    }
    menu.addEventListener("keydown", (event) => this.key(event, menu, trigger));
    li.append(menu);
    trigger.setAttribute("aria-expanded", "true");
    this.open = { li, menu, trigger, user };
    menu.querySelector("[role=menuitem]").focus();
  }

  key(event, menu, trigger) {
    const items = [...menu.querySelectorAll("[role=menuitem]")];
    const at = items.indexOf(document.activeElement);
    const moves = { ArrowDown: at + 1, ArrowUp: at - 1, Home: 0, End: items.length - 1 };
    if (event.key in moves) {
      event.preventDefault();
      items[(moves[event.key] + items.length) % items.length].focus();
    } else if (event.key === "Escape" || event.key === "Tab") {
      if (event.key === "Escape") event.preventDefault();
      this.close();
      trigger.focus();
    }
  }

  close() {
    if (!this.open) return;
    this.open.menu.remove();
    this.open.trigger.setAttribute("aria-expanded", "false");
    this.open = null;
  }

  /** Call `action` on the member of `li`; say `done` (a sentence with
   * `%(user)s`) on success, or the refusal's reason. */
  async act(li, action, body, done) {
    const user = li.dataset.user;
    const name = li.querySelector(".name")?.textContent ?? user;
    const url = this.config.moderateUrl.replace("__user__", encodeURIComponent(user)) + action;
    try {
      const answer = await this.hooks.http.api(url, { method: "POST", body });
      if (action === "remove" || action === "ban") li.remove();
      if (action === "role") this.setRole(user, answer.role);
      this.say(done ? format(done, { user: name }) : "", "ok");
    } catch (error) {
      this.say(this.hooks.reason(error), "error");
    }
  }

  /** Show `user`'s new role in the list (also from a `member` frame). */
  setRole(user, role) {
    const li = this.list?.querySelector(`li[data-user="${CSS.escape(user)}"]`);
    const label = li?.querySelector(".role");
    if (!label) return;
    label.dataset.role = role;
    label.textContent = this.S.roles[role] ?? role;
  }

  say(text, state) {
    this.result.textContent = text;
    this.result.dataset.state = state;
  }
}
