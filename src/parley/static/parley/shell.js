// The shell around every signed-in page (base.html): the sidebar and the
// members panel, which are drawers on a phone; the user menu; the header's
// online count; and the sidebar's room entries built live (a room joined,
// or the room shown once the user first posts there, see live.js).
// Nothing runs on import: `startShell()` wires the page. User text only
// reaches the page through textContent.
"use strict";

const ICONS = { public: "hash", private: "lock", direct: "at" };
const SVG = "http://www.w3.org/2000/svg";

/** The URL of Parley's icon sprite (icons.svg), as the page links it. */
function spriteUrl() {
  const use = document.querySelector("svg.icon use");
  return use ? use.getAttribute("href").split("#")[0] : "";
}

/** An `<svg class="icon">` showing `name` from the sprite, hidden from
 * screen readers (the control around it carries the name). */
export function icon(name) {
  const svg = document.createElementNS(SVG, "svg");
  svg.setAttribute("class", "icon");
  svg.setAttribute("aria-hidden", "true");
  const use = document.createElementNS(SVG, "use");
  use.setAttribute("href", spriteUrl() + "#" + name);
  svg.append(use);
  return svg;
}

/**
 * A sidebar entry for a room, added to the top of its list (rooms, or
 * direct conversations), or to its end with `append` (a next page), as
 * _room_item.html renders one.
 *
 * @param {object} page the page's configuration (`parley-page`)
 * @param {{room: string, title: string, kind: string}} room
 * @param {string | null} current the room shown on this page
 * @param {{append?: boolean, unread?: number}} options `unread`: the
 *   room's unread count when listed (its badge counts on from it)
 * @returns {HTMLLIElement | null} null when the page has no such list
 */
export function listRoom(page, { room, title, kind }, current, { append = false, unread = 0 } = {}) {
  const list = document.getElementById(kind === "direct" ? "direct-rooms" : "my-rooms");
  if (!list) return null;
  const li = document.createElement("li");
  li.dataset.room = room;
  li.dataset.kind = kind;
  const link = document.createElement("a");
  link.href = page.roomUrl.replace("__room__", encodeURIComponent(room));
  const label = document.createElement("span");
  label.className = "label";
  label.textContent = title;
  label.dir = "auto"; // isolated: a right-to-left title stays in its box
  link.append(icon(ICONS[kind] ?? "hash"), label);
  if (room === current) {
    li.setAttribute("aria-current", "page");
    link.setAttribute("aria-current", "page");
  }
  const badge = document.createElement("span");
  badge.className = "badge";
  badge.setAttribute("role", "note");
  badge.setAttribute("aria-label", page.strings.unread);
  badge.dataset.unread = String(unread);
  badge.hidden = true;
  li.append(link, " ", badge);
  if (kind === "private") {
    const kindLabel = document.createElement("span");
    kindLabel.className = "kind";
    kindLabel.textContent = page.strings.kinds[kind] ?? kind;
    li.append(" ", kindLabel);
  }
  list.querySelector(".empty")?.remove();
  if (append) list.append(li);
  else list.prepend(li);
  return li;
}

// --- drawers (phone) and the user menu ---

class Drawers {
  constructor(app) {
    this.app = app;
    this.opener = null;
    for (const toggle of document.querySelectorAll("[data-drawer-toggle]")) {
      toggle.addEventListener("click", () => {
        const name = toggle.dataset.drawerToggle;
        if (app.dataset.drawer === name) this.close();
        else this.open(name, toggle);
      });
    }
    for (const closer of document.querySelectorAll("[data-close-drawer]")) {
      closer.addEventListener("click", () => this.close());
    }
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && app.dataset.drawer) this.close();
    });
  }

  open(name, toggle) {
    this.close(false);
    this.app.dataset.drawer = name;
    this.opener = toggle;
    toggle.setAttribute("aria-expanded", "true");
    const drawer = document.getElementById(toggle.getAttribute("aria-controls"));
    // A modal drawer: what lies under it cannot be reached meanwhile.
    for (const part of this.app.children) {
      if (part !== drawer && !part.classList.contains("backdrop")) part.inert = true;
    }
    // After the style change: a hidden drawer cannot take focus.
    requestAnimationFrame(() => drawer?.querySelector("a[href], button, input")?.focus());
  }

  close(restoreFocus = true) {
    if (!this.app.dataset.drawer) return;
    delete this.app.dataset.drawer;
    for (const part of this.app.children) part.inert = false;
    for (const toggle of document.querySelectorAll("[data-drawer-toggle]")) {
      toggle.setAttribute("aria-expanded", "false");
    }
    if (restoreFocus) this.opener?.focus();
    this.opener = null;
  }
}

function setupUserMenu() {
  const button = document.getElementById("user-button");
  const menu = document.getElementById("user-menu");
  if (!button || !menu) return;
  const show = (open) => {
    menu.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
  };
  button.addEventListener("click", () => {
    show(menu.hidden);
    if (!menu.hidden) menu.querySelector("a, button")?.focus();
  });
  document.addEventListener("keydown", (event) => {
    if (event.key === "Escape" && !menu.hidden) {
      show(false);
      button.focus();
    }
  });
  document.addEventListener("click", (event) => {
    if (!menu.hidden && !button.parentElement.contains(event.target)) show(false);
  });
}

// The header's "N online" and the members who are, kept to the members
// panel's online list (people.js fills it from `subscribed` and `presence`).
function setupOnlineCount() {
  const count = document.getElementById("online-count");
  const online = document.getElementById("online");
  if (!count || !online) return;
  const members = document.querySelectorAll(".member-list li[data-user]");
  const render = () => {
    const here = new Set([...online.querySelectorAll("li[data-user]")].map((li) => li.dataset.user));
    count.textContent = count.dataset.template.replace("%(count)s", String(here.size));
    for (const li of members) li.classList.toggle("online-now", here.has(li.dataset.user));
  };
  new MutationObserver(render).observe(online, { childList: true });
  render();
}

/** Wire the shell of this page (a page without one is left alone). */
export function startShell() {
  const app = document.getElementById("app");
  if (!app) return;
  new Drawers(app);
  setupUserMenu();
  setupOnlineCount();
}
