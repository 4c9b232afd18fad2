// What every page of a signed-in user has live: one socket (socket.js over
// parley-client), the bell with its notifications, and the unread badges of
// the user's rooms. The room page (room.js) adds its own part to the same
// socket; other pages start it through main.js. Nothing here runs or reads
// the page's configuration on import: `startLive(page)` does.
//
// Unread badges of rooms other than the one shown: the page follows each of
// them without `after`, and parley-client's UnreadCount keeps the count from
// `subscribed`, `message`, `deleted` and the user frame `read` (see
// clients/js/src/unread.ts for why counting frames is right). Following a
// room also shows the user online there, which is true: they have Parley
// open and hear that room.
//
// A socket follows at most PARLEY_MAX_ROOMS_PER_SOCKET rooms: a room refused
// with `too_many_rooms` shows no badge (a count that nobody updates would
// mislead) until the next connect tries again. One refused with
// `rate_limited` is asked for again after its `retry_after` (by the socket).
//
// User text only ever reaches the page through textContent; links come only
// from same-origin paths (safePath).
"use strict";

import { UnreadCount } from "./parley-client.js";
import { setupMoreRooms } from "./roomlist.js";
import { listRoom } from "./shell.js";
import { openSocket } from "./socket.js";

/** The JSON of a `json_script` element. */
export function readConfig(id) {
  return JSON.parse(document.getElementById(id).textContent);
}

/**
 * Fill `%(name)s` placeholders of a translated string. Each text value
 * (a name) is isolated (U+2068 FIRST STRONG ISOLATE ... U+2069 POP
 * DIRECTIONAL ISOLATE): a right-to-left name cannot reorder the sentence
 * around it. Numbers go in as they are.
 */
export function format(template, values) {
  return template.replace(/%\((\w+)\)s/g, (match, name) => {
    if (!(name in values)) return match;
    const value = values[name];
    return typeof value === "string" ? `\u2068${value}\u2069` : String(value);
  });
}

/** An HTTP API error: `status`, and the body's `code` and `message`. */
export class ApiError extends Error {
  constructor(status, code, message) {
    super(message || "HTTP " + status);
    this.status = status;
    this.code = code;
  }
}

/**
 * The page's HTTP side, for the sign-in page at `loginUrl`:
 * `signIn()` goes there, coming back here afterwards; `api(url, {method,
 * body})` calls the JSON API with the session cookie (and the CSRF token
 * when the call changes something), goes to sign in on a 401, and returns
 * the parsed body (null if none) or throws an ApiError.
 */
export function httpClient(loginUrl) {
  function signIn() {
    location.assign(loginUrl + "?next=" + encodeURIComponent(location.pathname));
  }
  async function api(url, { method = "GET", body } = {}) {
    const headers = { Accept: "application/json" };
    if (method !== "GET") headers["X-CSRFToken"] = csrfToken();
    if (body !== undefined) headers["Content-Type"] = "application/json";
    const response = await fetch(url, {
      method,
      headers,
      credentials: "same-origin",
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    if (response.status === 401) {
      signIn();
      throw new ApiError(401, "not_authenticated");
    }
    const data = await response.json().catch(() => null);
    if (!response.ok) throw new ApiError(response.status, data?.code, data?.message);
    return data;
  }
  return { api, signIn };
}

// Django's CSRF token, from the form every signed-in page has (the header's
// sign-out form): it works with CSRF_COOKIE_HTTPONLY too.
export function csrfToken() {
  return document.querySelector("input[name=csrfmiddlewaretoken]")?.value ?? "";
}

/**
 * `url` as a path on this site, or null: only "/..." paths (not "//host")
 * whose resolved origin is this page's. Refuses `javascript:`, `data:` and
 * other sites, so a notification cannot send the user anywhere else.
 */
export function safePath(url) {
  if (typeof url !== "string" || !url.startsWith("/") || url.startsWith("//")) return null;
  if (url.startsWith("/\\")) return null; // browsers read "/\host" as "//host"
  let resolved;
  try {
    resolved = new URL(url, location.origin);
  } catch {
    return null;
  }
  if (resolved.origin !== location.origin) return null;
  return resolved.pathname + resolved.search + resolved.hash;
}

/** A `<button type=button>` with a label, class names and a click handler. */
export function button(label, className, onClick) {
  const el = document.createElement("button");
  el.type = "button";
  el.className = className;
  el.textContent = label;
  el.addEventListener("click", onClick);
  return el;
}

// --- the rooms list and its unread badges ---

class RoomBadges {
  constructor(socket, page, currentRoom) {
    this.socket = socket;
    this.page = page;
    this.current = currentRoom;
    this.shown = null; // {room, title, kind} of the room shown, once subscribed
    this.rooms = new Map(); // slug -> {li, badge, count: UnreadCount, heard}
    this.refs = new Map(); // subscribe ref -> slug
    for (const li of document.querySelectorAll("ul.live-rooms li[data-room]")) this.track(li);
    // Rooms are heard again on every (re)connect (the socket re-subscribes
    // them all); `subscribed` resets their counts.
    socket.on("open", () => {
      for (const [slug, room] of this.rooms) {
        if (room.heard || slug === this.current) continue;
        room.heard = true;
        this.render(slug);
      }
    });
    socket.on("frame", (frame) => this.frame(frame));
  }

  track(li) {
    const slug = li.dataset.room;
    const badge = li.querySelector(".badge");
    const state = {
      li,
      badge,
      count: new UnreadCount(this.page.user, Number(badge?.dataset.unread) || 0),
      heard: true, // false: the server refused to follow it (too many rooms)
    };
    this.rooms.set(slug, state);
    this.render(slug);
    if (slug !== this.current) {
      const ref = "badge-" + this.refs.size;
      this.refs.set(ref, slug);
      this.socket.follow(slug, { ref: () => ref });
    }
    return state;
  }

  render(slug) {
    const room = this.rooms.get(slug);
    if (!room) return;
    const unread = room.count.unread;
    room.badge.textContent = unread ? String(unread) : "";
    room.badge.dataset.unread = unread;
    room.badge.hidden = unread === 0 || !room.heard;
    room.li.classList.toggle("unread", unread > 0 && room.heard);
  }

  // A room the user was added to (invited, or a direct conversation), or
  // the room shown once the user posted there: listed at once.
  joined(frame) {
    if (this.rooms.has(frame.room)) return;
    const li = listRoom(this.page, frame, this.current);
    if (li) this.track(li);
  }

  // The user left a room (in any tab): it goes from the list at once.
  left(frame) {
    const room = this.rooms.get(frame.room);
    if (!room) return;
    room.li.remove();
    this.rooms.delete(frame.room);
  }

  frame(frame) {
    if (frame.type === "joined") return this.joined(frame);
    // Left, or removed by a moderator ("removed", "banned").
    if (frame.type === "unsubscribed" && frame.reason) return this.left(frame);
    if (frame.room === this.current && frame.type === "subscribed") {
      this.shown = { room: frame.room, title: frame.title, kind: frame.kind };
    }
    // The first post in a public room makes it one of the user's rooms.
    if (frame.type === "ack" && frame.room === this.current && this.shown) {
      return this.joined(this.shown);
    }
    if (frame.type === "error") {
      // rate_limited is asked again by the socket; too_many_rooms waits
      // for the next connect.
      const slug = this.refs.get(frame.ref);
      const room = this.rooms.get(slug);
      if (room && frame.code === "too_many_rooms") {
        room.heard = false;
        this.render(slug);
      }
      return;
    }
    const room = this.rooms.get(frame.room);
    if (!room || !room.heard) return;
    switch (frame.type) {
      case "read":
        // Any tab of this user read up to seq: the server's count is exact.
        room.count.read(frame);
        break;
      case "subscribed":
        if (frame.room === this.current) return;
        room.count.subscribed(frame);
        break;
      case "message":
        if (frame.room === this.current) return;
        room.count.message(frame);
        break;
      case "deleted":
        room.count.deleted(frame);
        break;
      default:
        return;
    }
    this.render(frame.room);
  }
}

// --- the bell: notifications ---

class Bell {
  constructor(page, api) {
    this.page = page;
    this.api = api;
    this.button = document.getElementById("bell");
    this.count = document.getElementById("bell-count");
    this.panel = document.getElementById("notifications");
    this.list = document.getElementById("notification-list");
    this.items = new Map(); // id -> {li, read}
    this.unread = 0;
    this.more = document.getElementById("notifications-more");
    this.next = null; // the `before` of the next older page
    if (!this.button) return;
    this.more.addEventListener("click", () => {
      this.more.disabled = true;
      this.loadMore()
        .catch(console.error)
        .finally(() => {
          this.more.disabled = false;
        });
    });
    this.button.addEventListener("click", () => this.toggle());
    document.getElementById("notifications-read-all").addEventListener("click", () => {
      this.markAll().catch(console.error);
    });
    document.addEventListener("keydown", (event) => {
      if (event.key === "Escape" && !this.panel.hidden) this.toggle(false);
    });
    document.addEventListener("click", (event) => {
      if (!this.panel.hidden && !this.button.parentElement.contains(event.target)) {
        this.toggle(false);
      }
    });
    this.load().catch(console.error);
  }

  // The newest page; ones that arrived live meanwhile stay on top, and
  // those newer than the page add to the server's unread count.
  async load() {
    const data = await this.api(this.page.notificationsUrl);
    const newest = Math.max(0, ...data.notifications.map((n) => n.id));
    let newer = 0;
    for (const [id, item] of this.items) if (id > newest && !item.read) newer += 1;
    for (const n of data.notifications) this.add(n, false);
    this.setUnread(data.unread + newer);
    this.setNext(data.next_before);
    this.showEmpty();
  }

  // "Show more": the next older page, under the listed ones.
  async loadMore() {
    if (this.next === null) return;
    const data = await this.api(this.page.notificationsUrl + "?before=" + this.next);
    for (const n of data.notifications) this.add(n, false);
    this.setNext(data.next_before);
  }

  setNext(before) {
    this.next = before ?? null;
    this.more.hidden = this.next === null;
  }

  toggle(open = this.panel.hidden) {
    this.panel.hidden = !open;
    this.button.setAttribute("aria-expanded", String(open));
  }

  setUnread(n) {
    this.unread = Math.max(0, n);
    this.count.textContent = this.unread ? String(this.unread) : "";
    this.count.hidden = this.unread === 0;
    this.button.dataset.unread = this.unread;
    this.button.setAttribute("aria-label", format(this.page.strings.bellLabel, { count: this.unread }));
  }

  showEmpty() {
    const empty = this.list.querySelector(".empty");
    if (this.items.size && empty) empty.remove();
    if (!this.items.size && !empty) {
      const li = document.createElement("li");
      li.className = "empty";
      li.textContent = this.page.strings.noNotifications;
      this.list.append(li);
    }
  }

  // One notification: its title (a link when its url is a path of this
  // site), body, time and a "mark read" button while unread. Returns
  // false for one already listed (a live frame racing the first load).
  add(n, live) {
    if (this.items.has(n.id)) return false;
    const li = document.createElement("li");
    li.className = "notification";
    li.dataset.id = n.id;
    li.dataset.kind = n.kind;
    const path = safePath(n.url);
    const title = document.createElement(path ? "a" : "span");
    title.className = "title";
    title.textContent = n.title;
    title.dir = "auto";
    if (path) {
      title.href = path;
      title.addEventListener("click", (event) => {
        event.preventDefault();
        this.markRead(n.id)
          .catch(console.error)
          .finally(() => location.assign(path));
      });
    }
    li.append(title);
    if (n.body) {
      const body = document.createElement("span");
      body.className = "body";
      body.textContent = n.body;
      body.dir = "auto";
      li.append(body);
    }
    const when = document.createElement("time");
    when.className = "ts";
    const date = new Date(n.ts);
    if (!isNaN(date)) {
      when.dateTime = n.ts;
      when.textContent = date.toLocaleString([], { dateStyle: "short", timeStyle: "short" });
    }
    li.append(when);
    const read = Boolean(n.read || n.read_at);
    this.items.set(n.id, { li, read });
    if (read) {
      li.classList.add("read");
    } else {
      li.append(
        button(this.page.strings.markRead, "link mark-read", () => this.markRead(n.id).catch(console.error)),
      );
    }
    if (live) this.list.prepend(li);
    else this.list.append(li);
    this.showEmpty();
    return true;
  }

  setRead(id) {
    const item = this.items.get(id);
    if (!item || item.read) return false;
    item.read = true;
    item.li.classList.add("read");
    item.li.querySelector(".mark-read")?.remove();
    return true;
  }

  async markRead(id) {
    const item = this.items.get(id);
    if (!item || item.read) return;
    const data = await this.api(this.page.notificationReadUrl.replace("__id__", String(id)), {
      method: "POST",
    });
    if (this.setRead(id)) this.setUnread(data?.unread ?? this.unread - 1);
  }

  async markAll() {
    const data = await this.api(this.page.notificationsReadAllUrl, { method: "POST" });
    for (const id of this.items.keys()) this.setRead(id);
    this.setUnread(data?.unread ?? 0);
  }

  frame(frame) {
    if (frame.type !== "notification" || !this.button) return;
    if (this.add(frame, true)) this.setUnread(this.unread + 1);
  }
}

/**
 * Open the page's socket with its bell and badges.
 *
 * @param {object} page the page's configuration (the `parley-page`
 *   json_script: user, socketPath, loginUrl, URLs, strings)
 * @param {object} options
 * @param {string | null} options.room the room shown (its badge is not
 *   counted)
 * @param {(socket) => void} options.attach the room page's own part: called
 *   with the socket before the badges follow their rooms, so the room's
 *   subscribe goes first on every connect
 * @param {(text: string, state: string) => void} options.onStatus shows the
 *   connection's state
 * @param {() => void} options.probe checks the sign-in when handshakes fail
 * @returns {{socket, api, signIn}} the socket, started
 */
export function startLive(
  page,
  { room = null, attach, onStatus = () => {}, probe, http = httpClient(page.loginUrl) } = {},
) {
  const { api, signIn } = http;
  const socket = openSocket({
    path: page.socketPath,
    strings: page.strings,
    onStatus,
    probe: probe ?? (() => api(page.notificationsUrl).catch(() => {})),
    // Signed out in another tab, or the password changed elsewhere: this
    // page can do nothing more, so it goes to sign in and comes back here.
    signedOut: signIn,
  });
  attach?.(socket);
  const badges = new RoomBadges(socket, page, room);
  setupMoreRooms(page, api, room, (li) => badges.track(li));
  const bell = new Bell(page, api);
  socket.on("frame", (frame) => bell.frame(frame));
  socket.start();
  return { socket, api, signIn };
}
