// The page's one socket to /ws/: connect, keep alive, reconnect.
//
// Every Parley page of a signed-in user opens one `Connection` (live.js);
// the parts of the page (the room, the room list's badges, the bell) add
// handlers to it: `open()` runs on every (re)connect, so each part
// (re)subscribes and resends what it must, and `frame(frame)` sees every
// frame the server sends.
//
// Guarantees it keeps (docs/protocol.md, "Resuming"):
// - after a dropped socket it reconnects (exponential backoff with jitter;
//   at once when the browser comes back online or the server asks for it
//   with close code 4000/1001);
// - a socket that stops answering pings is treated as dead (a half-open TCP
//   connection otherwise looks connected forever);
// - a handshake refused again and again asks `probe()` whether the user is
//   still signed in (HTTP tells; a refused handshake does not say why);
// - a socket closed with 4001 (its sign-in ended: signed out in another
//   tab, password changed elsewhere) is not reopened: `signedOut()` runs.
"use strict";

// Backoff: 0.5 s doubling to 30 s, with "full jitter" (AWS Architecture
// Blog, "Exponential Backoff And Jitter") so reconnecting tabs spread out.
const BACKOFF_BASE_MS = 500;
const BACKOFF_MAX_MS = 30000;
// A socket that stayed open this long was healthy: its loss starts the
// backoff afresh. (Resetting on mere `open` would let a server that
// accepts and then closes at once be hammered.)
const STABLE_MS = 10000;
// Close codes (parley.realtime.protocol.CloseCode, docs/protocol.md)
// after which the server wants us back at once: the ceiling of the random
// wait before reconnecting. Any other close (1013 "try again later"
// included) waits out the backoff.
const PROMPT_JITTER_MS = {
  4000: 250, // resume: this socket fell behind
  1001: 1000, // going away: the server restarts, so its clients spread out
};
// The server closed the socket because its sign-in ended; reconnecting with
// the same cookie would be refused (parley.realtime.protocol.CloseCode).
const SESSION_ENDED = 4001;
// Keepalive: a ping every interval; a ping still unanswered (no frame of
// any kind since) one interval later means the connection is dead.
const PING_INTERVAL_MS = 25000;

export class Connection {
  /**
   * @param {object} options
   * @param {string} options.path the socket's path, "/ws/"
   * @param {object} options.strings connecting, connected, reconnecting,
   *   offline: what `onStatus` shows
   * @param {(text: string, state: string) => void} options.onStatus state is
   *   "connecting", "open", "closed" or "offline"
   * @param {() => void} options.probe called when handshakes keep failing
   * @param {() => void} options.signedOut called once the server closed the
   *   socket because its sign-in ended; the connection is stopped by then
   */
  constructor({ path, strings, onStatus, probe, signedOut }) {
    this.path = path;
    this.strings = strings;
    this.onStatus = onStatus;
    this.probe = probe;
    this.signedOut = signedOut;
    this.handlers = [];
    this.socket = null;
    this.openedAt = null; // when the current socket opened
    this.everOpened = false;
    this.attempt = 0;
    this.reconnectTimer = null;
    this.keepaliveTimer = null;
    this.awaitingPong = false;
    this.stopped = false;
    // The browser knows it has no network: say so at once, and do not wait
    // out a backoff when it is back.
    window.addEventListener("offline", () => {
      if (this.stopped) return;
      this.cancelReconnect();
      this.drop();
      this.onStatus(this.strings.offline, "offline");
    });
    window.addEventListener("online", () => {
      this.attempt = 0;
      if (!this.socket && this.started) this.connect();
    });
  }

  /** Add a part of the page: `{open?(), frame?(frame)}`, called in order. */
  add(handler) {
    this.handlers.push(handler);
  }

  /** Open the socket (once; later calls do nothing). */
  start() {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  /** Whether the socket is open now. */
  get isOpen() {
    return this.socket !== null && this.socket.readyState === WebSocket.OPEN;
  }

  /** Send one frame; false if no socket is open (the next `open()` resends). */
  send(frame) {
    if (this.isOpen) {
      this.socket.send(JSON.stringify(frame));
      return true;
    }
    return false;
  }

  /** Give up on this socket and open a new one after the backoff. */
  restart() {
    this.drop();
    this.scheduleReconnect(null);
  }

  /** Close for good: nothing more will be sent or received. */
  stop() {
    this.stopped = true;
    this.cancelReconnect();
    this.drop();
  }

  connect() {
    this.cancelReconnect();
    if (this.stopped || this.socket) return;
    if (!navigator.onLine) {
      this.onStatus(this.strings.offline, "offline");
      return;
    }
    const S = this.strings;
    this.onStatus(this.everOpened ? S.reconnecting : S.connecting, "connecting");
    const scheme = location.protocol === "https:" ? "wss://" : "ws://";
    const ws = new WebSocket(scheme + location.host + this.path);
    this.socket = ws;
    ws.addEventListener("open", () => {
      if (ws !== this.socket) return;
      this.openedAt = Date.now();
      this.everOpened = true;
      this.onStatus(S.connected, "open");
      for (const handler of this.handlers) handler.open?.();
      this.startKeepalive(ws);
    });
    ws.addEventListener("message", (event) => {
      if (ws !== this.socket) return;
      this.awaitingPong = false; // any frame shows the connection is alive
      let frame;
      try {
        frame = JSON.parse(event.data);
      } catch {
        console.warn("parley: a frame that is not JSON");
        return;
      }
      if (frame === null || typeof frame !== "object") return;
      for (const handler of this.handlers) {
        handler.frame?.(frame);
        if (ws !== this.socket) return; // a handler dropped the socket
      }
    });
    ws.addEventListener("close", (event) => {
      if (ws !== this.socket) return; // one we dropped on purpose
      if (event.code === SESSION_ENDED) {
        this.stop();
        this.signedOut();
        return;
      }
      const refused = this.openedAt === null;
      this.forget();
      this.scheduleReconnect(event.code);
      // A refused handshake looks like any failed connection here; HTTP
      // tells whether we were signed out.
      if (refused && this.attempt > 1) this.probe();
    });
  }

  // The current socket is done; if it was healthy, back off afresh.
  forget() {
    if (this.openedAt !== null && Date.now() - this.openedAt >= STABLE_MS) this.attempt = 0;
    this.openedAt = null;
    this.socket = null;
    this.stopKeepalive();
  }

  // Forget the socket (its late events are ignored) and close it.
  drop() {
    const ws = this.socket;
    this.forget();
    if (ws) {
      try {
        ws.close();
      } catch {
        // closing a socket that never opened may throw in old browsers
      }
    }
  }

  cancelReconnect() {
    clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  scheduleReconnect(code) {
    this.cancelReconnect();
    if (this.stopped) return;
    if (!navigator.onLine) {
      this.onStatus(this.strings.offline, "offline"); // `online` reconnects
      return;
    }
    // Prompt only the first time in a row: a server that keeps closing
    // sockets at once gets the backoff.
    const prompt = this.attempt === 0 && code in PROMPT_JITTER_MS;
    const ceiling = prompt
      ? PROMPT_JITTER_MS[code]
      : Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** this.attempt);
    this.attempt += 1;
    this.onStatus(this.strings.reconnecting, "closed");
    this.reconnectTimer = setTimeout(() => this.connect(), Math.random() * ceiling);
  }

  startKeepalive(ws) {
    this.stopKeepalive();
    this.awaitingPong = false;
    this.keepaliveTimer = setInterval(() => {
      if (ws !== this.socket) return this.stopKeepalive();
      if (this.awaitingPong) {
        // A whole interval without a frame, not even the pong: a dead
        // connection the browser has not noticed. Start over.
        console.warn("parley: no answer to ping; reconnecting");
        this.restart();
        return;
      }
      this.awaitingPong = true;
      this.send({ type: "ping" });
    }, PING_INTERVAL_MS);
  }

  stopKeepalive() {
    clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }
}
