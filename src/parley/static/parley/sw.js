// Parley's service worker, served at /sw.js (parley.web.notifications):
// shows each push as a notification, one per conversation (its `tag`), and
// on a click focuses the conversation's tab or opens it. Only paths of this
// site are ever opened.
"use strict";

/** `url` as a same-origin URL, or the site's root. */
function sameOrigin(url) {
  try {
    const target = new URL(typeof url === "string" ? url : "/", self.location.origin);
    if (target.origin === self.location.origin) return target;
  } catch {
    // not a URL: the root below
  }
  return new URL("/", self.location.origin);
}

self.addEventListener("push", (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch {
    data = {};
  }
  const title = typeof data.title === "string" && data.title ? data.title : "Parley";
  event.waitUntil(
    self.registration.showNotification(title, {
      body: typeof data.body === "string" ? data.body : "",
      tag: typeof data.tag === "string" ? data.tag : undefined,
      renotify: typeof data.tag === "string",
      data: { url: sameOrigin(data.url).href },
    }),
  );
});

self.addEventListener("notificationclick", (event) => {
  event.notification.close();
  const target = sameOrigin(event.notification.data?.url);
  event.waitUntil(
    (async () => {
      const tabs = await self.clients.matchAll({ type: "window", includeUncontrolled: true });
      const open = tabs.find((tab) => new URL(tab.url).pathname === target.pathname);
      if (open) return open.focus();
      return self.clients.openWindow(target.href);
    })(),
  );
});
