// GENERATED FILE: do not edit. Built by esbuild from clients/js/src/index.ts
// (the parley-client package); rebuild with `npm run build` in clients/js.

// src/close.ts
var CloseCode = {
  NORMAL: 1e3,
  /** The server is going away (restart, deploy): resume promptly. */
  GOING_AWAY: 1001,
  /** A binary frame: Parley's frames are JSON text. */
  UNSUPPORTED_DATA: 1003,
  /** Went on sending after `rate_limited` refusals. */
  POLICY_VIOLATION: 1008,
  /** A frame over `PARLEY_WS_MAX_FRAME_BYTES`. */
  MESSAGE_TOO_BIG: 1009,
  /** Internal error, or a keepalive ping went unanswered. */
  INTERNAL_ERROR: 1011,
  /** Try again later: the channel layer failed under this socket. */
  TRY_AGAIN_LATER: 1013,
  /** Resume: the socket fell behind and was dropped; nothing is lost. */
  RESUME: 4e3,
  /** The socket's sign-in ended: never reconnect with the same credentials. */
  SESSION_ENDED: 4001,
  /** The user has too many sockets open on this server process. */
  TOO_MANY_SOCKETS: 4429
};
var BACKOFF_BASE_MS = 500;
var BACKOFF_MAX_MS = 3e4;
var STABLE_MS = 1e4;
var PROMPT_JITTER_MS = {
  [CloseCode.RESUME]: 250,
  [CloseCode.GOING_AWAY]: 1e3
};
function backoffCeilingMs(attempt) {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt));
}
function decideClose(code, attempt, random) {
  if (code === CloseCode.SESSION_ENDED) return { action: "stop", reason: "session_ended" };
  const prompt = attempt === 0 && code !== null && code in PROMPT_JITTER_MS;
  const ceiling = prompt ? PROMPT_JITTER_MS[code] : backoffCeilingMs(attempt);
  return { action: "reconnect", delayMs: random() * ceiling, prompt, attempt: attempt + 1 };
}
function attemptAfterOpen(attempt, openForMs) {
  return openForMs !== null && openForMs >= STABLE_MS ? 0 : attempt;
}
function endsSession(code) {
  return code === CloseCode.SESSION_ENDED;
}

// src/details.ts
function nextPage(link) {
  if (!link) return null;
  for (const part of link.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match === null) continue;
    const rel = /;\s*rel="?([^";]*)"?/i.exec(match[2] ?? "");
    if (rel?.[1]?.toLowerCase().split(/\s+/).includes("next")) return match[1] ?? null;
  }
  return null;
}

// src/events.ts
var Emitter = class {
  listeners = {};
  /** Call `listener` on each `event`, in the order added; returns a
   * function that removes it. */
  on(event, listener) {
    (this.listeners[event] ??= []).push(listener);
    return () => {
      const list = this.listeners[event];
      if (list) this.listeners[event] = list.filter((l) => l !== listener);
    };
  }
  /** Call the listeners of `event`; stop early when `proceed()` turns false
   * (e.g. a listener dropped the socket the event came from). */
  emit(event, args, proceed = () => true) {
    for (const listener of this.listeners[event] ?? []) {
      listener(...args);
      if (!proceed()) return;
    }
  }
};

// src/history.ts
async function fetchRange(gap, fetchPage) {
  const found = [];
  let before = gap.before;
  while (before > gap.after + 1) {
    const page = await fetchPage(before);
    const oldest = page.messages.at(-1);
    if (oldest === void 0) break;
    for (const message of page.messages) {
      if (message.seq > gap.after && message.seq < gap.before) found.push(message);
    }
    if (page.next_before === null || oldest.seq >= before) break;
    before = oldest.seq;
  }
  return found.sort((a, b) => a.seq - b.seq);
}

// src/outbox.ts
var FAILED_TTL_MS = 60 * 60 * 1e3;
var KEY_TAKEN = /* @__PURE__ */ new Set(["client_id_reused", "client_id_conflict"]);
function isStoredSend(value) {
  if (value === null || typeof value !== "object") return false;
  const send = value;
  return typeof send.client_id === "string" && typeof send.text === "string";
}
function expired(send, now) {
  return Boolean(send.failed) && !(now - Number(send.at) < FAILED_TTL_MS);
}
function restorableSends(stored, room, now) {
  if (!Array.isArray(stored)) return [];
  return stored.filter(isStoredSend).filter((send) => send.room === room && !expired(send, now)).map((send) => ({ ...send, at: Number(send.at) || now }));
}
function storedSends(stored, room, entries, now) {
  const others = Array.isArray(stored) ? stored.filter(isStoredSend).filter((send) => send.room !== room && !expired(send, now)) : [];
  const mine = entries.map((entry) => {
    const send = { client_id: entry.clientId, room, text: entry.text, at: entry.at };
    if (entry.attachments.length) send.attachments = [...entry.attachments];
    if (entry.replyTo !== null) send.reply_to = entry.replyTo;
    if (entry.state === "failed") send.failed = true;
    return send;
  });
  return others.concat(mine);
}
var Outbox = class {
  items = /* @__PURE__ */ new Map();
  waits = /* @__PURE__ */ new Map();
  // rate_limited timers
  options;
  constructor(options) {
    this.options = options;
  }
  /** The entries in send order. */
  entries() {
    return [...this.items.values()];
  }
  get(clientId) {
    return this.items.get(clientId);
  }
  get size() {
    return this.items.size;
  }
  /**
   * Queue a message and send it if a socket is open.
   *
   * @param options.clientId keep this `client_id` (one restored from
   *   storage); a new one by default
   * @param options.at when it was first queued (ms); now by default
   * @param options.failed restore it as failed: not sent
   * @param options.attachments ids of uploads to send with it
   * @param options.replyTo the `id` of the message it replies to
   */
  add(room, text, options = {}) {
    const clientId = options.clientId ?? this.options.newClientId();
    const entry = {
      clientId,
      room,
      text,
      attachments: (options.attachments ?? []).filter(Number.isInteger),
      replyTo: options.replyTo ?? null,
      state: options.failed ? "failed" : "pending",
      at: options.at ?? this.now(),
      code: null,
      reason: null
    };
    this.items.set(clientId, entry);
    if (entry.state === "pending") this.transmit(entry);
    this.changed();
    return entry;
  }
  /** A socket opened: send every entry not failed, in order (same
   * `client_id`); one waiting out `retry_after` goes when its wait ends. */
  flush() {
    for (const entry of this.items.values()) {
      if (entry.state !== "failed" && !this.waits.has(entry.clientId)) this.transmit(entry);
    }
  }
  /** The socket closed: what was sent and not acknowledged is pending. */
  disconnected() {
    for (const entry of this.items.values()) if (entry.state === "sent") entry.state = "pending";
  }
  /** Its `ack` came: the message is stored; it leaves the outbox. */
  ack(frame) {
    return this.settle(frame.client_id);
  }
  /** A stored message with this `client_id` was seen (its `message` frame,
   * or history): it leaves the outbox. */
  settle(clientId) {
    if (clientId == null) return null;
    const entry = this.items.get(clientId);
    if (entry === void 0) return null;
    this.remove(clientId);
    this.changed();
    return entry;
  }
  /**
   * An `error` frame; it concerns a send when its `ref` is the send's
   * `client_id`. `rate_limited` with `retry_after` (seconds) resends the
   * same frame after that wait; any other code fails the entry.
   *
   * @returns the entry concerned (check its `state`), or null
   */
  error(frame) {
    const entry = frame.ref === void 0 ? void 0 : this.items.get(frame.ref);
    if (entry === void 0 || entry.state === "failed") return null;
    const retryAfter = Number(frame.retry_after);
    if (frame.code === "rate_limited" && retryAfter >= 0) {
      entry.state = "pending";
      this.wait(entry, retryAfter * 1e3);
      return entry;
    }
    this.cancelWait(entry.clientId);
    entry.state = "failed";
    entry.code = frame.code;
    entry.reason = frame.message;
    this.changed();
    return entry;
  }
  /**
   * Send a failed entry again, as the newest. It keeps its `client_id`, so
   * a send that did reach the store is not stored twice; only one refused
   * with `client_id_reused` or `client_id_conflict` gets a new one.
   *
   * @returns the entry now (its `clientId` may be new), or null if unknown
   */
  retry(clientId) {
    const old = this.items.get(clientId);
    if (old === void 0) return null;
    this.remove(clientId);
    const id = KEY_TAKEN.has(old.code ?? "") ? this.options.newClientId() : clientId;
    const entry = {
      ...old,
      clientId: id,
      state: "pending",
      at: this.now(),
      code: null,
      reason: null
    };
    this.items.set(id, entry);
    this.transmit(entry);
    this.changed();
    return entry;
  }
  /** Forget an entry (the user discarded it). */
  discard(clientId) {
    const entry = this.items.get(clientId);
    if (entry === void 0) return null;
    this.remove(clientId);
    this.changed();
    return entry;
  }
  /** Fail every entry (the room is gone: nothing can be sent there). */
  failAll() {
    for (const entry of this.items.values()) {
      this.cancelWait(entry.clientId);
      entry.state = "failed";
    }
    this.changed();
  }
  transmit(entry) {
    const frame = {
      type: "send",
      room: entry.room,
      text: entry.text,
      client_id: entry.clientId
    };
    if (entry.attachments.length) frame.attachments = [...entry.attachments];
    if (entry.replyTo !== null) frame.reply_to = entry.replyTo;
    entry.state = this.options.send(frame) ? "sent" : "pending";
  }
  wait(entry, ms) {
    this.cancelWait(entry.clientId);
    const timer = this.options.timers.setTimeout(() => {
      this.waits.delete(entry.clientId);
      if (this.items.get(entry.clientId) === entry && entry.state === "pending") {
        this.transmit(entry);
      }
    }, ms);
    this.waits.set(entry.clientId, timer);
  }
  cancelWait(clientId) {
    if (!this.waits.has(clientId)) return;
    this.options.timers.clearTimeout(this.waits.get(clientId));
    this.waits.delete(clientId);
  }
  remove(clientId) {
    this.cancelWait(clientId);
    this.items.delete(clientId);
  }
  now() {
    return (this.options.now ?? Date.now)();
  }
  changed() {
    this.options.onChange?.(this.entries());
  }
};

// src/stream.ts
var RoomStream = class {
  /** The highest seq delivered (or known when subscribed). */
  lastSeq;
  /** While true, received items are kept, in arrival order. */
  holding;
  held = [];
  /**
   * @param lastSeq the seq already held (0: none)
   * @param holding start holding (a repair is under way)
   */
  constructor(lastSeq = 0, holding = false) {
    this.lastSeq = lastSeq;
    this.holding = holding;
  }
  /** Items kept while holding, in arrival order. */
  get heldItems() {
    return this.held.map((entry) => entry.item);
  }
  /**
   * One event of the room.
   *
   * @param seq the message's seq; null for an event that is not a message
   *   (edited, deleted, typing): forwarded as it comes unless holding
   */
  receive(seq, item) {
    if (this.holding) {
      this.held.push({ seq, item });
      return step([], null);
    }
    if (seq === null) return step([item], null);
    if (seq === this.lastSeq + 1) {
      this.lastSeq = seq;
      return step([item], null);
    }
    if (seq <= this.lastSeq) return step([], null);
    this.holding = true;
    this.held.push({ seq, item });
    return step([], { after: this.lastSeq, before: seq });
  }
  /**
   * The store's newest seq is `lastSeq` (the periodic check, or
   * `subscribed`): if it is ahead and nothing is being repaired, start
   * holding and repair up to it.
   */
  head(lastSeq) {
    if (this.holding || lastSeq <= this.lastSeq) return step([], null);
    this.holding = true;
    return step([], { after: this.lastSeq, before: lastSeq + 1 });
  }
  /** Start holding (re-subscribing while following). */
  hold() {
    this.holding = true;
  }
  /**
   * The caller delivered the store's messages up to `lastSeq`: advance,
   * stop holding and re-offer each held item in order through `receive()`.
   * If a new gap appears, the rest stays held and the step carries that
   * repair.
   */
  replayed(lastSeq) {
    this.lastSeq = Math.max(this.lastSeq, lastSeq);
    this.holding = false;
    const held = this.held;
    this.held = [];
    const forward = [];
    for (let i = 0; i < held.length; i++) {
      const entry = held[i];
      const next = this.receive(entry.seq, entry.item);
      forward.push(...next.forward);
      if (next.repair !== null) {
        this.held.push(...held.slice(i + 1));
        return step(forward, next.repair);
      }
    }
    return step(forward, null);
  }
  /** Drop the held items `predicate` matches (ones a replay brings again). */
  discardHeld(predicate) {
    this.held = this.held.filter((entry) => !predicate(entry.item));
  }
};
function step(forward, repair) {
  return { forward, repair };
}

// src/timers.ts
function globalTimers() {
  const host = globalThis;
  return {
    setTimeout: (callback, ms) => host.setTimeout(callback, ms),
    clearTimeout: (handle) => host.clearTimeout(handle),
    setInterval: (callback, ms) => host.setInterval(callback, ms),
    clearInterval: (handle) => host.clearInterval(handle)
  };
}

// src/feed.ts
var RoomFeed = class extends Emitter {
  room;
  /** The sends not acknowledged yet, in send order. */
  outbox;
  socket;
  fetchPage;
  stream;
  ref;
  offs;
  subscriptions = 0;
  constructor(options) {
    super();
    const { socket, room } = options;
    this.room = room;
    this.socket = socket;
    this.fetchPage = options.fetchPage;
    this.stream = options.lastSeq === void 0 ? null : new RoomStream(options.lastSeq);
    this.ref = `feed:${room}`;
    this.outbox = new Outbox({
      send: (frame) => socket.send(frame),
      newClientId: options.newClientId,
      timers: options.timers ?? globalTimers()
    });
    this.offs = [
      socket.on("open", () => this.outbox.flush()),
      socket.on("state", (state) => {
        if (state !== "open") this.outbox.disconnected();
      }),
      socket.on("frame", (frame) => {
        if (frame.type === "error") this.onError(frame);
        else if ("room" in frame && frame.room === room) this.onFrame(frame);
      })
    ];
    socket.follow(room, { after: () => this.stream?.lastSeq, ref: () => this.ref });
  }
  /** The seq of the last message delivered (0 before any). */
  get lastSeq() {
    return this.stream?.lastSeq ?? 0;
  }
  /**
   * Send `text` (queued while no socket is open, resent after a reconnect
   * until acknowledged).
   *
   * @returns its outbox entry; its `clientId` comes back in `ack` and in
   *   the stored message
   */
  send(text, options = {}) {
    return this.outbox.add(this.room, text, { replyTo: options.replyTo ?? null });
  }
  /** Stop following the room (an `unsubscribe` goes out) and hear no more. */
  close() {
    this.socket.unfollow(this.room);
    for (const off of this.offs) off();
  }
  onError(frame) {
    if (frame.ref === this.ref) {
      if (frame.code !== "rate_limited") this.emit("error", [frame]);
      return;
    }
    const entry = this.outbox.error(frame);
    if (entry?.state === "failed") this.emit("refused", [entry, frame]);
  }
  onFrame(frame) {
    switch (frame.type) {
      case "subscribed":
        this.onSubscribed(frame);
        break;
      case "message":
        this.apply(this.stream?.receive(frame.seq, frame));
        break;
      case "edited":
      case "deleted":
        this.apply(this.stream?.receive(null, frame));
        break;
      case "ack":
        if (this.outbox.ack(frame)) this.emit("ack", [frame]);
        break;
      default:
        this.emit("frame", [frame]);
    }
  }
  onSubscribed(frame) {
    const subscription = ++this.subscriptions;
    const stream = this.stream;
    if (stream === null) {
      this.stream = new RoomStream(frame.last_seq);
    } else if (frame.resync && frame.last_seq > stream.lastSeq) {
      stream.hold();
      const gap = { after: stream.lastSeq, before: frame.last_seq + 1 };
      fetchRange(gap, this.fetchPage).then(
        (messages) => {
          if (subscription !== this.subscriptions) return;
          for (const message of messages) this.emit("message", [message]);
          this.apply(stream.replayed(frame.last_seq));
        },
        // Try again on a new socket after the backoff.
        () => this.socket.restart()
      );
    } else {
      stream.discardHeld((item) => item.type === "message");
      this.apply(stream.replayed(stream.lastSeq));
    }
    this.emit("subscribed", [frame]);
  }
  apply(step2) {
    if (step2 === void 0) return;
    for (const item of step2.forward) {
      if (item.type === "message") this.emit("message", [item]);
      else this.emit("changed", [item]);
    }
    if (step2.repair) this.socket.resubscribe(this.room);
  }
};

// src/frames.ts
function parseServerFrame(data) {
  if (typeof data !== "string") return null;
  let value;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  if (typeof value.type !== "string") return null;
  return value;
}

// src/lists.ts
function roomsUrl(base, params = {}) {
  const pairs = [];
  if (params.member !== void 0) pairs.push(["member", String(params.member)]);
  for (const kind of params.kind ?? []) pairs.push(["kind", kind]);
  if (params.after) pairs.push(["after", params.after]);
  if (params.limit !== void 0) pairs.push(["limit", String(params.limit)]);
  if (!pairs.length) return base;
  const query = pairs.map(([name, value]) => `${name}=${encodeURIComponent(value)}`);
  return `${base}?${query.join("&")}`;
}
async function* allPages(fetchPage) {
  let cursor = null;
  do {
    const page = await fetchPage(cursor);
    yield* page.items;
    cursor = page.next;
  } while (cursor !== null);
}

// src/socket.ts
var PING_INTERVAL_MS = 25e3;
var OPEN = 1;
function hostWebSocket() {
  const found = globalThis.WebSocket;
  if (found === void 0) {
    throw new Error("parley-client: this host has no WebSocket; pass options.WebSocket");
  }
  return found;
}
var ParleySocket = class extends Emitter {
  options;
  socket = null;
  openedAt = null;
  everOpened = false;
  attempt = 0;
  reconnectTimer = null;
  keepaliveTimer = null;
  awaitingPong = false;
  started = false;
  stopped = false;
  currentState = "closed";
  follows = /* @__PURE__ */ new Map();
  subscribedRooms = /* @__PURE__ */ new Set();
  subscribeRefs = /* @__PURE__ */ new Map();
  // on this socket
  constructor(options) {
    super();
    this.options = {
      now: () => Date.now(),
      random: () => Math.random(),
      isOnline: () => true,
      pingIntervalMs: PING_INTERVAL_MS,
      ...options,
      WebSocket: options.WebSocket ?? hostWebSocket(),
      timers: options.timers ?? globalTimers()
    };
  }
  /** The state now. */
  get state() {
    return this.currentState;
  }
  /** Whether a socket is open now. */
  get isOpen() {
    return this.socket !== null && this.socket.readyState === OPEN;
  }
  /** Reconnects in a row so far (0 after a healthy socket). */
  get attempts() {
    return this.attempt;
  }
  /** Open the socket (once; later calls do nothing). */
  start() {
    if (this.started) return;
    this.started = true;
    this.connect();
  }
  /** Close for good: nothing more is sent or received. */
  stop() {
    this.stopped = true;
    this.cancelReconnect();
    this.drop();
    this.currentState = "closed";
  }
  /** Give up on this socket and open a new one after the backoff. */
  restart() {
    this.drop();
    this.scheduleReconnect(null);
  }
  /** The network is down (the browser's `offline` event): drop the socket
   * and wait for {@link online}. */
  offline() {
    if (this.stopped) return;
    this.cancelReconnect();
    this.drop();
    this.setState("offline");
  }
  /** The network is back: reconnect now, with the backoff reset. */
  online() {
    this.attempt = 0;
    if (!this.socket && this.started && !this.stopped) this.connect();
  }
  /**
   * Call `listener` with each server frame of type `type`, typed by it
   * (`onFrame("message", (m) => m.seq)`: `m` is a `MessageFrame`);
   * returns a function that removes it. The same frames as the `frame`
   * event, after the socket's own handling of them.
   */
  onFrame(type, listener) {
    return this.on("frame", (frame) => {
      if (frame.type === type) listener(frame);
    });
  }
  /** Send one frame; false if no socket is open (nothing is queued). */
  send(frame) {
    if (this.socket === null || this.socket.readyState !== OPEN) return false;
    this.socket.send(JSON.stringify(frame));
    return true;
  }
  /**
   * Follow `room`: subscribe now if open, and again on every reconnect with
   * `after` from `options.after()`.
   *
   * @returns whether the subscribe went out now
   */
  follow(room, options = {}) {
    this.follows.set(room, options);
    return this.resubscribe(room);
  }
  /** Stop following `room` (an `unsubscribe` goes out if open). */
  unfollow(room) {
    if (!this.follows.delete(room)) return;
    this.subscribedRooms.delete(room);
    this.send({ type: "unsubscribe", room });
  }
  /** Subscribe to a followed room again now (a gap to repair, a refused
   * subscribe to retry); false if it is not followed or no socket is open. */
  resubscribe(room) {
    const follow = this.follows.get(room);
    if (follow === void 0) return false;
    const frame = { type: "subscribe", room };
    const after = follow.after?.();
    if (after !== null && after !== void 0) frame.after = after;
    const ref = follow.ref?.();
    if (ref !== void 0) frame.ref = ref;
    const sent = this.send(frame);
    if (sent && ref !== void 0) this.subscribeRefs.set(ref, room);
    return sent;
  }
  /** Whether `subscribed` for `room` came on the current socket. */
  isSubscribed(room) {
    return this.subscribedRooms.has(room);
  }
  setState(state) {
    this.currentState = state;
    this.emit("state", [state, { everOpened: this.everOpened }]);
  }
  connect() {
    this.cancelReconnect();
    if (this.stopped || this.socket) return;
    if (!this.options.isOnline()) {
      this.setState("offline");
      return;
    }
    this.setState("connecting");
    const ws = new this.options.WebSocket(this.options.url);
    this.socket = ws;
    const current = () => ws === this.socket;
    ws.onopen = () => {
      if (!current()) return;
      this.openedAt = this.options.now();
      this.everOpened = true;
      this.subscribedRooms.clear();
      this.setState("open");
      for (const room of this.follows.keys()) this.resubscribe(room);
      if (!current()) return;
      this.emit("open", [], current);
      if (current()) this.startKeepalive(ws);
    };
    ws.onmessage = (event) => {
      if (!current()) return;
      this.awaitingPong = false;
      const frame = parseServerFrame(event.data);
      if (frame === null) {
        this.options.warn?.("parley: a frame that is not a JSON object");
        return;
      }
      if (frame.type === "subscribed" && this.follows.has(frame.room)) {
        this.subscribedRooms.add(frame.room);
      } else if (frame.type === "unsubscribed" && frame.reason === "left") {
        this.follows.delete(frame.room);
        this.subscribedRooms.delete(frame.room);
      } else if (frame.type === "error") {
        this.retryLater(frame, ws);
      }
      this.emit("frame", [frame], current);
    };
    ws.onclose = (event) => {
      if (!current()) return;
      const refused = this.openedAt === null;
      this.forget();
      this.scheduleReconnect(event.code);
      if (refused && this.attempt > 1) this.emit("refused", [this.attempt]);
    };
    ws.onerror = () => {
    };
  }
  // A followed room's subscribe refused with `rate_limited`: ask again on
  // this socket after `retry_after` seconds (a new socket asks anyway).
  retryLater(frame, ws) {
    const room = frame.ref === void 0 ? void 0 : this.subscribeRefs.get(frame.ref);
    const waitMs = Number(frame.retry_after) * 1e3;
    if (room === void 0 || frame.code !== "rate_limited" || !(waitMs >= 0)) return;
    this.options.timers.setTimeout(() => {
      if (ws === this.socket && this.follows.has(room)) this.resubscribe(room);
    }, waitMs);
  }
  // The current socket is done; if it was healthy, back off afresh.
  forget() {
    const openFor = this.openedAt === null ? null : this.options.now() - this.openedAt;
    this.attempt = attemptAfterOpen(this.attempt, openFor);
    this.openedAt = null;
    this.socket = null;
    this.subscribedRooms.clear();
    this.subscribeRefs.clear();
    this.stopKeepalive();
  }
  // Forget the socket (its late events are ignored) and close it.
  drop() {
    const ws = this.socket;
    this.forget();
    if (ws === null) return;
    try {
      ws.close();
    } catch {
    }
  }
  cancelReconnect() {
    if (this.reconnectTimer !== null) this.options.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }
  scheduleReconnect(code) {
    this.cancelReconnect();
    if (this.stopped) return;
    const decision = decideClose(code, this.attempt, this.options.random);
    if (decision.action === "stop") {
      this.stop();
      this.emit("sessionEnded", []);
      return;
    }
    if (!this.options.isOnline()) {
      this.setState("offline");
      return;
    }
    this.attempt = decision.attempt;
    this.setState("closed");
    this.reconnectTimer = this.options.timers.setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, decision.delayMs);
  }
  startKeepalive(ws) {
    this.stopKeepalive();
    this.awaitingPong = false;
    this.keepaliveTimer = this.options.timers.setInterval(() => {
      if (ws !== this.socket) {
        this.stopKeepalive();
        return;
      }
      if (this.awaitingPong) {
        this.options.warn?.("parley: no answer to ping; reconnecting");
        this.restart();
        return;
      }
      this.awaitingPong = true;
      this.send({ type: "ping" });
    }, this.options.pingIntervalMs);
  }
  stopKeepalive() {
    if (this.keepaliveTimer !== null) this.options.timers.clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }
};

// src/search.ts
function searchUrl(base, params) {
  const query = Object.entries(params).filter(([, value]) => value !== void 0 && value !== null).map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`).join("&");
  return `${base}?${query}`;
}
function snippetParts(snippet, highlights) {
  const points = Array.from(snippet);
  const parts = [];
  let at = 0;
  for (const [start, end] of highlights) {
    if (!(Number.isInteger(start) && Number.isInteger(end))) continue;
    if (start < at || end <= start || end > points.length) continue;
    if (start > at) parts.push({ text: points.slice(at, start).join(""), hit: false });
    parts.push({ text: points.slice(start, end).join(""), hit: true });
    at = end;
  }
  if (at < points.length) parts.push({ text: points.slice(at).join(""), hit: false });
  return parts;
}

// src/reactions.ts
function applyReaction(counts, frame, me) {
  const mine = frame.user === me;
  const next = [];
  let seen = false;
  for (const entry of counts) {
    if (entry.emoji !== frame.emoji) {
      next.push({ ...entry });
      continue;
    }
    seen = true;
    if (frame.count > 0) {
      next.push({ emoji: entry.emoji, count: frame.count, me: mine ? frame.on : entry.me });
    }
  }
  if (!seen && frame.count > 0) {
    next.push({ emoji: frame.emoji, count: frame.count, me: mine && frame.on });
  }
  return next;
}

// src/unread.ts
var UnreadCount = class {
  // seqs counted since subscribed
  /**
   * @param user the signed-in user's name: their own messages do not count
   * @param unread the count to start from (the page's server-rendered one)
   */
  constructor(user, unread = 0) {
    this.user = user;
    this.unread = Math.max(0, unread);
  }
  user;
  /** The count now, never below 0. */
  unread;
  readSeq = 0;
  seenSeq = 0;
  counted = /* @__PURE__ */ new Set();
  /** `subscribed`: the server's count and the room's newest seq. */
  subscribed(frame) {
    this.readSeq = frame.read_seq ?? this.readSeq;
    this.seenSeq = frame.last_seq;
    this.counted.clear();
    return this.set(frame.unread ?? this.unread);
  }
  /** A `message`: one more unread if it is new, someone else's, not
   * deleted and after the read position. Duplicates count once. */
  message(frame) {
    if (frame.seq <= this.seenSeq) return this.unread;
    this.seenSeq = frame.seq;
    if (frame.author !== this.user && !frame.deleted && frame.seq > this.readSeq) {
      this.counted.add(frame.seq);
      this.set(this.unread + 1);
    }
    return this.unread;
  }
  /** `deleted`: one fewer if this count included it. */
  deleted(frame) {
    if (this.counted.delete(frame.seq)) this.set(this.unread - 1);
    return this.unread;
  }
  /** The user frame `read`: the server's exact count. */
  read(frame) {
    this.readSeq = Math.max(this.readSeq, frame.seq);
    for (const seq of this.counted) if (seq <= this.readSeq) this.counted.delete(seq);
    return this.set(frame.unread);
  }
  set(unread) {
    this.unread = Math.max(0, unread);
    return this.unread;
  }
};
export {
  BACKOFF_BASE_MS,
  BACKOFF_MAX_MS,
  CloseCode,
  Emitter,
  FAILED_TTL_MS,
  Outbox,
  PING_INTERVAL_MS,
  PROMPT_JITTER_MS,
  ParleySocket,
  RoomFeed,
  RoomStream,
  STABLE_MS,
  UnreadCount,
  allPages,
  applyReaction,
  attemptAfterOpen,
  backoffCeilingMs,
  decideClose,
  endsSession,
  fetchRange,
  globalTimers,
  nextPage,
  parseServerFrame,
  restorableSends,
  roomsUrl,
  searchUrl,
  snippetParts,
  storedSends
};
