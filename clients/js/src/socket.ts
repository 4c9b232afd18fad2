/**
 * One multiplexed socket to Parley's `/ws/`: connect, keep alive, reconnect
 * with backoff, re-subscribe with `after` on every (re)connect. Its shape
 * follows centrifuge-js and phoenix.js: explicit states, typed events.
 *
 * Guarantees it keeps (`docs/protocol.md`, "Resuming: what a client does"):
 * - after a dropped socket it reconnects (exponential backoff with jitter;
 *   promptly when the server asks for it with 4000/1001, or when the caller
 *   says the network is back with {@link ParleySocket.online});
 * - a socket that stops answering pings is treated as dead (a half-open TCP
 *   connection otherwise looks connected forever);
 * - a handshake refused again and again emits `refused`, so the caller can
 *   ask over HTTP whether it is still signed in (a refused handshake does
 *   not say why);
 * - a socket closed with 4001 (its sign-in ended) is not reopened:
 *   `sessionEnded` is emitted and the socket stops.
 *
 * @packageDocumentation
 */

import { attemptAfterOpen, decideClose } from "./close.js";
import { Emitter } from "./events.js";
import {
  parseServerFrame,
  type ClientFrame,
  type ErrorFrame,
  type RoomSlug,
  type ServerFrame,
  type SubscribeFrame,
} from "./frames.js";
import { globalTimers, type Timers } from "./timers.js";

/**
 * Keepalive interval in ms: a ping every interval; a ping still unanswered
 * (no frame of any kind since) one interval later means the connection is
 * dead. 25 s stays under the idle timeouts of common proxies (60 s).
 */
export const PING_INTERVAL_MS = 25_000;

/** `WebSocket.OPEN`: the readyState of an open socket. */
const OPEN = 1;

/**
 * - `connecting`: a handshake is under way;
 * - `open`: the socket is open (subscribes were sent);
 * - `closed`: no socket; a reconnect is scheduled, or the socket stopped;
 * - `offline`: the network is down; {@link ParleySocket.online} reconnects.
 */
export type SocketState = "connecting" | "open" | "closed" | "offline";

/** The part of a browser `WebSocket` this client uses. */
export interface WebSocketLike {
  readonly readyState: number;
  onopen: ((event: unknown) => void) | null;
  onmessage: ((event: { data: unknown }) => void) | null;
  onclose: ((event: { code: number; reason?: string }) => void) | null;
  onerror: ((event: unknown) => void) | null;
  send(data: string): void;
  close(code?: number, reason?: string): void;
}

/** A `WebSocket` class: the browser's, Node's, or a test's fake. */
export type WebSocketFactory = new (url: string) => WebSocketLike;

export interface ParleySocketOptions {
  /** The socket's URL, `ws://host/ws/` or `wss://host/ws/`. */
  url: string;
  /** The WebSocket class; the host's own (`globalThis.WebSocket`: a
   * browser's, Node 22's) if omitted. */
  WebSocket?: WebSocketFactory;
  /** The host's timers ({@link globalTimers}) if omitted. */
  timers?: Timers;
  /** The time in ms (`Date.now`). */
  now?: () => number;
  /** A number in [0, 1) for the backoff's jitter (`Math.random`). */
  random?: () => number;
  /** Whether the network is up (`navigator.onLine`); true if omitted. */
  isOnline?: () => boolean;
  /** The keepalive interval in ms; {@link PING_INTERVAL_MS} if omitted. */
  pingIntervalMs?: number;
  /** Where to report oddities (a frame that is not JSON, a dead socket). */
  warn?: (message: string) => void;
}

/** How a followed room is (re)subscribed on every connect. */
export interface FollowOptions {
  /** The `after` to send: the last seq held; null or undefined for none
   * (live from now). Asked at each subscribe. */
  after?: () => number | null | undefined;
  /** The subscribe's `ref`, asked at each subscribe. With a ref, a
   * subscribe refused with `rate_limited` is sent again after its
   * `retry_after` (`docs/protocol.md`, "Resuming", rule 6). */
  ref?: () => string | undefined;
}

/** The host's WebSocket class, looked up when a socket is made without
 * one; a host without (Node before 22) must pass one (the `ws` package's).
 * @throws Error when there is none */
function hostWebSocket(): WebSocketFactory {
  const found = (globalThis as { WebSocket?: WebSocketFactory }).WebSocket;
  if (found === undefined) {
    throw new Error("parley-client: this host has no WebSocket; pass options.WebSocket");
  }
  return found;
}

/** The events of a {@link ParleySocket}, in the order listeners were added. */
export interface SocketEvents {
  /** The state changed; `everOpened`: a socket opened before (so a new
   * `connecting` is a reconnect). */
  state: (state: SocketState, detail: { everOpened: boolean }) => void;
  /** A socket opened and the followed rooms' subscribes went out: resend
   * what is unacknowledged now. */
  open: () => void;
  /** A frame from the server. */
  frame: (frame: ServerFrame) => void;
  /** Closed with 4001: the sign-in ended. The socket has stopped. */
  sessionEnded: () => void;
  /** A handshake failed again (`attempt` in a row): check the sign-in. */
  refused: (attempt: number) => void;
}

/** The frame of type `T` among the server's frames: `FrameOf<"message">`
 * is `MessageFrame`. */
export type FrameOf<T extends ServerFrame["type"]> = Extract<ServerFrame, { type: T }>;

/** The page's (or a bot's) one socket to `/ws/`. */
export class ParleySocket extends Emitter<SocketEvents> {
  private readonly options: Required<Omit<ParleySocketOptions, "warn">> &
    Pick<ParleySocketOptions, "warn">;
  private socket: WebSocketLike | null = null;
  private openedAt: number | null = null;
  private everOpened = false;
  private attempt = 0;
  private reconnectTimer: unknown = null;
  private keepaliveTimer: unknown = null;
  private awaitingPong = false;
  private started = false;
  private stopped = false;
  private currentState: SocketState = "closed";
  private readonly follows = new Map<RoomSlug, FollowOptions>();
  private readonly subscribedRooms = new Set<RoomSlug>();
  private readonly subscribeRefs = new Map<string, RoomSlug>(); // on this socket

  constructor(options: ParleySocketOptions) {
    super();
    this.options = {
      now: () => Date.now(),
      random: () => Math.random(),
      isOnline: () => true,
      pingIntervalMs: PING_INTERVAL_MS,
      ...options,
      WebSocket: options.WebSocket ?? hostWebSocket(),
      timers: options.timers ?? globalTimers(),
    };
  }

  /** The state now. */
  get state(): SocketState {
    return this.currentState;
  }

  /** Whether a socket is open now. */
  get isOpen(): boolean {
    return this.socket !== null && this.socket.readyState === OPEN;
  }

  /** Reconnects in a row so far (0 after a healthy socket). */
  get attempts(): number {
    return this.attempt;
  }

  /** Open the socket (once; later calls do nothing). */
  start(): void {
    if (this.started) return;
    this.started = true;
    this.connect();
  }

  /** Close for good: nothing more is sent or received. */
  stop(): void {
    this.stopped = true;
    this.cancelReconnect();
    this.drop();
    this.currentState = "closed"; // said by whoever stopped it
  }

  /** Give up on this socket and open a new one after the backoff. */
  restart(): void {
    this.drop();
    this.scheduleReconnect(null);
  }

  /** The network is down (the browser's `offline` event): drop the socket
   * and wait for {@link online}. */
  offline(): void {
    if (this.stopped) return;
    this.cancelReconnect();
    this.drop();
    this.setState("offline");
  }

  /** The network is back: reconnect now, with the backoff reset. */
  online(): void {
    this.attempt = 0;
    if (!this.socket && this.started && !this.stopped) this.connect();
  }

  /**
   * Call `listener` with each server frame of type `type`, typed by it
   * (`onFrame("message", (m) => m.seq)`: `m` is a `MessageFrame`);
   * returns a function that removes it. The same frames as the `frame`
   * event, after the socket's own handling of them.
   */
  onFrame<T extends ServerFrame["type"]>(
    type: T,
    listener: (frame: FrameOf<T>) => void,
  ): () => void {
    return this.on("frame", (frame) => {
      if (frame.type === type) listener(frame as FrameOf<T>);
    });
  }

  /** Send one frame; false if no socket is open (nothing is queued). */
  send(frame: ClientFrame): boolean {
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
  follow(room: RoomSlug, options: FollowOptions = {}): boolean {
    this.follows.set(room, options);
    return this.resubscribe(room);
  }

  /** Stop following `room` (an `unsubscribe` goes out if open). */
  unfollow(room: RoomSlug): void {
    if (!this.follows.delete(room)) return;
    this.subscribedRooms.delete(room);
    this.send({ type: "unsubscribe", room });
  }

  /** Subscribe to a followed room again now (a gap to repair, a refused
   * subscribe to retry); false if it is not followed or no socket is open. */
  resubscribe(room: RoomSlug): boolean {
    const follow = this.follows.get(room);
    if (follow === undefined) return false;
    const frame: SubscribeFrame = { type: "subscribe", room };
    const after = follow.after?.();
    if (after !== null && after !== undefined) frame.after = after;
    const ref = follow.ref?.();
    if (ref !== undefined) frame.ref = ref;
    const sent = this.send(frame);
    if (sent && ref !== undefined) this.subscribeRefs.set(ref, room);
    return sent;
  }

  /** Whether `subscribed` for `room` came on the current socket. */
  isSubscribed(room: RoomSlug): boolean {
    return this.subscribedRooms.has(room);
  }

  private setState(state: SocketState): void {
    this.currentState = state;
    this.emit("state", [state, { everOpened: this.everOpened }]);
  }

  private connect(): void {
    this.cancelReconnect();
    if (this.stopped || this.socket) return;
    if (!this.options.isOnline()) {
      this.setState("offline");
      return;
    }
    this.setState("connecting");
    const ws = new this.options.WebSocket(this.options.url);
    this.socket = ws;
    const current = (): boolean => ws === this.socket;
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
      this.awaitingPong = false; // any frame shows the connection is alive
      const frame = parseServerFrame(event.data);
      if (frame === null) {
        this.options.warn?.("parley: a frame that is not a JSON object");
        return;
      }
      if (frame.type === "subscribed" && this.follows.has(frame.room)) {
        this.subscribedRooms.add(frame.room);
      } else if (frame.type === "unsubscribed" && frame.reason === "left") {
        // The user left the room: never subscribe to it again.
        this.follows.delete(frame.room);
        this.subscribedRooms.delete(frame.room);
      } else if (frame.type === "error") {
        this.retryLater(frame, ws);
      }
      this.emit("frame", [frame], current);
    };
    ws.onclose = (event) => {
      if (!current()) return; // one we dropped on purpose
      const refused = this.openedAt === null;
      this.forget();
      this.scheduleReconnect(event.code);
      // A refused handshake looks like any failed connection here; HTTP
      // tells whether the sign-in ended.
      if (refused && this.attempt > 1) this.emit("refused", [this.attempt]);
    };
    ws.onerror = () => {}; // a close event follows
  }

  // A followed room's subscribe refused with `rate_limited`: ask again on
  // this socket after `retry_after` seconds (a new socket asks anyway).
  private retryLater(frame: ErrorFrame, ws: WebSocketLike): void {
    const room = frame.ref === undefined ? undefined : this.subscribeRefs.get(frame.ref);
    const waitMs = Number(frame.retry_after) * 1000;
    if (room === undefined || frame.code !== "rate_limited" || !(waitMs >= 0)) return;
    this.options.timers.setTimeout(() => {
      if (ws === this.socket && this.follows.has(room)) this.resubscribe(room);
    }, waitMs);
  }

  // The current socket is done; if it was healthy, back off afresh.
  private forget(): void {
    const openFor = this.openedAt === null ? null : this.options.now() - this.openedAt;
    this.attempt = attemptAfterOpen(this.attempt, openFor);
    this.openedAt = null;
    this.socket = null;
    this.subscribedRooms.clear();
    this.subscribeRefs.clear();
    this.stopKeepalive();
  }

  // Forget the socket (its late events are ignored) and close it.
  private drop(): void {
    const ws = this.socket;
    this.forget();
    if (ws === null) return;
    try {
      ws.close();
    } catch {
      // closing a socket that never opened may throw in old browsers
    }
  }

  private cancelReconnect(): void {
    if (this.reconnectTimer !== null) this.options.timers.clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
  }

  private scheduleReconnect(code: number | null): void {
    this.cancelReconnect();
    if (this.stopped) return;
    const decision = decideClose(code, this.attempt, this.options.random);
    if (decision.action === "stop") {
      this.stop();
      this.emit("sessionEnded", []);
      return;
    }
    if (!this.options.isOnline()) {
      this.setState("offline"); // online() reconnects
      return;
    }
    this.attempt = decision.attempt;
    this.setState("closed");
    this.reconnectTimer = this.options.timers.setTimeout(() => {
      this.reconnectTimer = null;
      this.connect();
    }, decision.delayMs);
  }

  private startKeepalive(ws: WebSocketLike): void {
    this.stopKeepalive();
    this.awaitingPong = false;
    this.keepaliveTimer = this.options.timers.setInterval(() => {
      if (ws !== this.socket) {
        this.stopKeepalive();
        return;
      }
      if (this.awaitingPong) {
        // A whole interval without a frame, not even the pong: a dead
        // connection nobody noticed. Start over.
        this.options.warn?.("parley: no answer to ping; reconnecting");
        this.restart();
        return;
      }
      this.awaitingPong = true;
      this.send({ type: "ping" });
    }, this.options.pingIntervalMs);
  }

  private stopKeepalive(): void {
    if (this.keepaliveTimer !== null) this.options.timers.clearInterval(this.keepaliveTimer);
    this.keepaliveTimer = null;
  }
}
