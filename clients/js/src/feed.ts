/**
 * RoomFeed: one room's conversation over a {@link ParleySocket}, with the
 * resume rules done for the caller (`docs/protocol.md`, "Resuming: what a
 * client does"): every (re)connect subscribes with `after` = the last seq
 * delivered, a gap is repaired by the replay, a resync is paged over HTTP,
 * and unacknowledged sends go again with their `client_id` (so each is
 * stored once). The caller hears each message once, in `seq` order.
 *
 * @packageDocumentation
 */

import { Emitter } from "./events.js";
import type {
  AckFrame,
  DeletedFrame,
  EditedFrame,
  ErrorFrame,
  MessageFrame,
  RoomFrame,
  RoomSlug,
  StoredMessage,
  SubscribedFrame,
} from "./frames.js";
import { fetchRange, type FetchPage } from "./history.js";
import { Outbox, type OutboxEntry } from "./outbox.js";
import type { ParleySocket } from "./socket.js";
import { RoomStream, type Step } from "./stream.js";
import { globalTimers, type Timers } from "./timers.js";

export interface RoomFeedOptions {
  socket: ParleySocket;
  room: RoomSlug;
  /** A page of the room's history, `GET /api/rooms/{room}/messages?before=`
   * (for a resync: more was missed than the server replays). */
  fetchPage: FetchPage;
  /** A fresh `client_id` (1–64 characters), e.g. `crypto.randomUUID`. */
  newClientId: () => string;
  /** The host's timers ({@link globalTimers}) if omitted. */
  timers?: Timers;
  /** The seq of the newest message the caller already shows (from
   * history): the feed goes on after it. Omitted: from the subscribe on. */
  lastSeq?: number;
}

/** The events of a {@link RoomFeed}. */
export interface RoomFeedEvents {
  /** A message, once each and in `seq` order: live, replayed after a
   * reconnect, or paged after a resync. */
  message: (message: StoredMessage) => void;
  /** A message shown was edited or deleted. */
  changed: (frame: EditedFrame | DeletedFrame) => void;
  /** One of {@link RoomFeed.send}'s messages was stored (its `message`
   * follows, with the same `client_id`). */
  ack: (ack: AckFrame) => void;
  /** One of {@link RoomFeed.send}'s messages was refused; it stays in
   * {@link RoomFeed.outbox} as `failed` (`retry` or `discard` it). */
  refused: (entry: OutboxEntry, error: ErrorFrame) => void;
  /** The room's `subscribed` (each connect): title, topic, who is online. */
  subscribed: (frame: SubscribedFrame) => void;
  /** The subscribe was refused: `room_not_found` (not the user's to
   * read), `too_many_rooms` …; `rate_limited` is retried by the socket. */
  error: (error: ErrorFrame) => void;
  /** Any other frame of this room: `presence`, `typing`, `reaction`,
   * `topic`, `pin`, `member`, `unsubscribed` … */
  frame: (frame: RoomFrame) => void;
}

type Streamed = MessageFrame | EditedFrame | DeletedFrame;

/** One room followed on a socket; {@link RoomFeed.close} stops it. */
export class RoomFeed extends Emitter<RoomFeedEvents> {
  readonly room: RoomSlug;
  /** The sends not acknowledged yet, in send order. */
  readonly outbox: Outbox;
  private readonly socket: ParleySocket;
  private readonly fetchPage: FetchPage;
  private stream: RoomStream<Streamed> | null;
  private readonly ref: string;
  private readonly offs: (() => void)[];
  private subscriptions = 0;

  constructor(options: RoomFeedOptions) {
    super();
    const { socket, room } = options;
    this.room = room;
    this.socket = socket;
    this.fetchPage = options.fetchPage;
    this.stream = options.lastSeq === undefined ? null : new RoomStream(options.lastSeq);
    this.ref = `feed:${room}`;
    this.outbox = new Outbox({
      send: (frame) => socket.send(frame),
      newClientId: options.newClientId,
      timers: options.timers ?? globalTimers(),
    });
    this.offs = [
      socket.on("open", () => this.outbox.flush()),
      socket.on("state", (state) => {
        if (state !== "open") this.outbox.disconnected();
      }),
      socket.on("frame", (frame) => {
        if (frame.type === "error") this.onError(frame);
        else if ("room" in frame && frame.room === room) this.onFrame(frame);
      }),
    ];
    socket.follow(room, { after: () => this.stream?.lastSeq, ref: () => this.ref });
  }

  /** The seq of the last message delivered (0 before any). */
  get lastSeq(): number {
    return this.stream?.lastSeq ?? 0;
  }

  /**
   * Send `text` (queued while no socket is open, resent after a reconnect
   * until acknowledged).
   *
   * @returns its outbox entry; its `clientId` comes back in `ack` and in
   *   the stored message
   */
  send(text: string, options: { replyTo?: number | null } = {}): OutboxEntry {
    return this.outbox.add(this.room, text, { replyTo: options.replyTo ?? null });
  }

  /** Stop following the room (an `unsubscribe` goes out) and hear no more. */
  close(): void {
    this.socket.unfollow(this.room);
    for (const off of this.offs) off();
  }

  private onError(frame: ErrorFrame): void {
    if (frame.ref === this.ref) {
      if (frame.code !== "rate_limited") this.emit("error", [frame]);
      return;
    }
    const entry = this.outbox.error(frame);
    if (entry?.state === "failed") this.emit("refused", [entry, frame]);
  }

  private onFrame(frame: RoomFrame): void {
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

  private onSubscribed(frame: SubscribedFrame): void {
    const subscription = ++this.subscriptions;
    const stream = this.stream;
    if (stream === null) {
      this.stream = new RoomStream(frame.last_seq);
    } else if (frame.resync && frame.last_seq > stream.lastSeq) {
      // Too much was missed to replay: page it over HTTP, holding what
      // arrives live meanwhile.
      stream.hold();
      const gap = { after: stream.lastSeq, before: frame.last_seq + 1 };
      fetchRange(gap, this.fetchPage).then(
        (messages) => {
          if (subscription !== this.subscriptions) return;
          for (const message of messages) this.emit("message", [message]);
          this.apply(stream.replayed(frame.last_seq));
        },
        // Try again on a new socket after the backoff.
        () => this.socket.restart(),
      );
    } else {
      // The replay of every message after `after` follows this frame.
      stream.discardHeld((item) => item.type === "message");
      this.apply(stream.replayed(stream.lastSeq));
    }
    this.emit("subscribed", [frame]);
  }

  private apply(step: Step<Streamed> | undefined): void {
    if (step === undefined) return;
    for (const item of step.forward) {
      if (item.type === "message") this.emit("message", [item]);
      else this.emit("changed", [item]);
    }
    if (step.repair) this.socket.resubscribe(this.room);
  }
}
