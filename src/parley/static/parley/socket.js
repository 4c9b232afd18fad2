// The page's one socket to /ws/: parley-client's ParleySocket (connect,
// keepalive, reconnect with backoff, close codes, re-subscribe with
// `after`; see clients/js) given the browser's parts: its WebSocket, timers,
// clock and network state. Every Parley page of a signed-in user opens one
// (live.js); the parts of the page listen to its `open` and `frame` events.
"use strict";

import { ParleySocket } from "./parley-client.js";

// The text each state shows; "connecting" after a socket was open once is
// a reconnect.
function statusText(strings, state, everOpened) {
  if (state === "open") return strings.connected;
  if (state === "offline") return strings.offline;
  if (state === "connecting" && !everOpened) return strings.connecting;
  return strings.reconnecting;
}

/** The browser's timers for parley-client, looked up at each call: a
 * test's fake clock may replace them. */
export const browserTimers = {
  setTimeout: (callback, ms) => window.setTimeout(callback, ms),
  clearTimeout: (handle) => window.clearTimeout(handle),
  setInterval: (callback, ms) => window.setInterval(callback, ms),
  clearInterval: (handle) => window.clearInterval(handle),
};

/**
 * Open the page's socket.
 *
 * @param {object} options
 * @param {string} options.path the socket's path, "/ws/"
 * @param {object} options.strings connecting, connected, reconnecting,
 *   offline: what `onStatus` shows
 * @param {(text: string, state: string) => void} options.onStatus state is
 *   "connecting", "open", "closed" or "offline"
 * @param {() => void} options.probe called when handshakes keep failing
 * @param {() => void} options.signedOut called once the server closed the
 *   socket because its sign-in ended; the socket is stopped by then
 * @returns {ParleySocket} not started yet
 */
export function openSocket({ path, strings, onStatus, probe, signedOut }) {
  const scheme = location.protocol === "https:" ? "wss://" : "ws://";
  const socket = new ParleySocket({
    url: scheme + location.host + path,
    WebSocket: window.WebSocket,
    timers: browserTimers,
    now: () => Date.now(),
    random: () => Math.random(),
    isOnline: () => navigator.onLine,
    warn: (message) => console.warn(message),
  });
  socket.on("state", (state, { everOpened }) => {
    onStatus(statusText(strings, state, everOpened), state);
  });
  socket.on("refused", () => probe());
  socket.on("sessionEnded", () => signedOut());
  // The browser knows it has no network: say so at once, and do not wait
  // out a backoff when it is back.
  window.addEventListener("offline", () => socket.offline());
  window.addEventListener("online", () => socket.online());
  return socket;
}
