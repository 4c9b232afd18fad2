// Desktop notifications (the Notification API) for direct messages and
// mentions of the user while the page's tab is hidden. Permission is asked
// only when the user presses the page's "Enable desktop notifications"
// control (browsers ignore or penalise a request without a user gesture,
// and asking on load is rude); nothing is shown while the tab is visible,
// the page itself shows it then.
// Notification text is plain text (the API renders no HTML).
"use strict";

import { format, safePath } from "./live.js";

// A replayed message older than this (ms) is not news: after a long
// absence a reconnect replays what was missed, and the badges say it.
const FRESH_MS = 5 * 60 * 1000;
// A notification's body: the start of the message, enough to recognise it.
const BODY_CHARS = 200;

function supported() {
  return typeof window.Notification === "function";
}

/**
 * Show `control` (a button) while the browser could notify and the user
 * has not decided yet; pressing it asks for the permission.
 *
 * @param {HTMLButtonElement | null} control
 */
export function setupPermissionControl(control) {
  if (control === null || !supported()) return;
  const refresh = () => {
    control.hidden = Notification.permission !== "default";
  };
  control.addEventListener("click", () => {
    Promise.resolve(Notification.requestPermission())
      .catch(() => null)
      .finally(refresh);
  });
  refresh();
}

/** Decides which socket frames become desktop notifications. */
export class DesktopAlerts {
  /**
   * @param {object} page the page's configuration (user, roomUrl, strings)
   * @param {string | null} room the room this page shows
   * @param {string | null} kind that room's kind (public, private, direct)
   */
  constructor(page, room, kind) {
    this.page = page;
    this.room = room;
    this.kind = kind;
  }

  // The kind of `room`: this page's, or from the list of the user's rooms.
  kindOf(room) {
    if (room === this.room) return this.kind;
    const item = document.querySelector(`li[data-room="${CSS.escape(room)}"][data-kind]`);
    return item?.dataset.kind ?? null;
  }

  /** A frame of the page's socket. */
  frame(frame) {
    if (!supported() || Notification.permission !== "granted") return;
    if (document.visibilityState !== "hidden") return;
    if (frame.type === "message") this.message(frame);
    else if (frame.type === "notification" && frame.kind === "mention") this.mention(frame);
  }

  message(frame) {
    if (frame.deleted || frame.author == null || frame.author === this.page.user) return;
    if (this.kindOf(frame.room) !== "direct") return;
    if (Date.now() - Date.parse(frame.ts) > FRESH_MS) return;
    const name = frame.author_name ?? frame.author;
    const url = this.page.roomUrl.replace("__room__", encodeURIComponent(frame.room));
    this.show(format(this.page.strings.notifyDirect, { user: name }), frame.text, {
      tag: `parley:${frame.room}:${frame.seq}`,
      url,
    });
  }

  mention(frame) {
    const data = frame.data ?? {};
    // A mention in a direct room is notified as its message already.
    if (this.kindOf(data.room) === "direct") return;
    this.show(frame.title, frame.body ?? "", {
      tag: `parley:${data.room}:${data.seq}`,
      url: safePath(frame.url),
    });
  }

  show(title, body, { tag, url }) {
    const text = body.length > BODY_CHARS ? body.slice(0, BODY_CHARS - 1) + "…" : body;
    let notification;
    try {
      notification = new Notification(title, { body: text, tag, lang: document.documentElement.lang });
    } catch (error) {
      // Some mobile browsers allow notifications from a service worker only.
      console.warn("parley: cannot notify", error);
      return;
    }
    notification.addEventListener("click", () => {
      window.focus();
      if (url && url !== location.pathname) location.assign(url);
      notification.close();
    });
  }
}
