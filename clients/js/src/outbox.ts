/**
 * The outbox: messages sent and not yet acknowledged, keyed by their
 * `client_id` (the idempotency key, `docs/protocol.md`, "Sending,
 * acknowledgement and idempotency"), in send order.
 *
 * - `pending`: waiting for a socket (or for a `rate_limited` wait to end);
 * - `sent`: written to the current socket, waiting for its `ack`;
 * - `failed`: refused by the server; {@link Outbox.retry} or
 *   {@link Outbox.discard} it.
 *
 * Every reconnect resends what is pending or sent with the same
 * `client_id`, so the server stores each message once however often it
 * arrives. A `rate_limited` refusal is not a failure: the same frame goes
 * again after `retry_after` seconds (rule 6 of "Resuming").
 *
 * @packageDocumentation
 */

import type { AckFrame, ErrorFrame, RoomSlug, SendFrame } from "./frames.js";
import type { Timers } from "./timers.js";

export type SendState = "pending" | "sent" | "failed";

/**
 * How long (ms) a failed send is kept across reloads for the user to retry
 * or discard: an hour, then it is dropped. Pending ones are kept until
 * acknowledged.
 */
export const FAILED_TTL_MS = 60 * 60 * 1000;

/** Refusals that mean the `client_id` belongs to another message: a retry
 * needs a new one (`docs/protocol.md`, "Errors"). */
const KEY_TAKEN: ReadonlySet<string> = new Set(["client_id_reused", "client_id_conflict"]);

/** One unacknowledged send as a page keeps it across reloads (the JSON of
 * sessionStorage's `parley:outbox`). */
export interface StoredSend {
  client_id: string;
  room: RoomSlug;
  text: string;
  /** Ids of the uploads it carries. */
  attachments?: number[];
  /** The `id` of the message it replies to. */
  reply_to?: number;
  failed?: boolean;
  /** When it was queued, ms since the epoch. */
  at: number;
}

function isStoredSend(value: unknown): value is StoredSend {
  if (value === null || typeof value !== "object") return false;
  const send = value as Partial<StoredSend>;
  return typeof send.client_id === "string" && typeof send.text === "string";
}

function expired(send: StoredSend, now: number): boolean {
  return Boolean(send.failed) && !(now - Number(send.at) < FAILED_TTL_MS);
}

/**
 * The sends of `room` worth restoring from `stored` (parsed JSON of any
 * shape): well-formed, and failed ones younger than {@link FAILED_TTL_MS}.
 *
 * @param now ms since the epoch
 */
export function restorableSends(stored: unknown, room: RoomSlug, now: number): StoredSend[] {
  if (!Array.isArray(stored)) return [];
  return stored
    .filter(isStoredSend)
    .filter((send) => send.room === room && !expired(send, now))
    .map((send) => ({ ...send, at: Number(send.at) || now }));
}

/**
 * What to store after a change in `room`'s outbox: the other rooms' sends
 * from `stored` (pages of other rooms earlier in this tab), less expired
 * failed ones, then `entries`, in send order.
 *
 * @param now ms since the epoch
 */
export function storedSends(
  stored: unknown,
  room: RoomSlug,
  entries: readonly OutboxEntry[],
  now: number,
): StoredSend[] {
  const others = Array.isArray(stored)
    ? stored.filter(isStoredSend).filter((send) => send.room !== room && !expired(send, now))
    : [];
  const mine = entries.map((entry): StoredSend => {
    const send: StoredSend = { client_id: entry.clientId, room, text: entry.text, at: entry.at };
    if (entry.attachments.length) send.attachments = [...entry.attachments];
    if (entry.replyTo !== null) send.reply_to = entry.replyTo;
    if (entry.state === "failed") send.failed = true;
    return send;
  });
  return others.concat(mine);
}

/** One unacknowledged message. */
export interface OutboxEntry {
  readonly clientId: string;
  readonly room: RoomSlug;
  readonly text: string;
  /** Ids of the uploads it carries (`SendFrame.attachments`). */
  readonly attachments: readonly number[];
  /** The `id` of the message it replies to, else null. */
  readonly replyTo: number | null;
  state: SendState;
  /** When it was queued (or last retried), ms since the epoch. */
  at: number;
  /** The error code that failed it (`failed` only), else null. */
  code: string | null;
  /** The server's sentence for that error, else null. */
  reason: string | null;
}

export interface OutboxOptions {
  /** Write a frame to the socket; false when none is open. */
  send: (frame: SendFrame) => boolean;
  /** A fresh `client_id` (1–64 characters), e.g. `crypto.randomUUID`. */
  newClientId: () => string;
  timers: Timers;
  /** The time in ms since the epoch (`Date.now`). */
  now?: () => number;
  /** Called after every change of the entries (to persist them). */
  onChange?: (entries: readonly OutboxEntry[]) => void;
}

/** Unacknowledged sends, in send order. */
export class Outbox {
  private readonly items = new Map<string, OutboxEntry>();
  private readonly waits = new Map<string, unknown>(); // rate_limited timers
  private readonly options: OutboxOptions;

  constructor(options: OutboxOptions) {
    this.options = options;
  }

  /** The entries in send order. */
  entries(): readonly OutboxEntry[] {
    return [...this.items.values()];
  }

  get(clientId: string): OutboxEntry | undefined {
    return this.items.get(clientId);
  }

  get size(): number {
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
  add(
    room: RoomSlug,
    text: string,
    options: {
      clientId?: string;
      at?: number;
      failed?: boolean;
      attachments?: number[];
      replyTo?: number | null;
    } = {},
  ): OutboxEntry {
    const clientId = options.clientId ?? this.options.newClientId();
    const entry: OutboxEntry = {
      clientId,
      room,
      text,
      attachments: (options.attachments ?? []).filter(Number.isInteger),
      replyTo: options.replyTo ?? null,
      state: options.failed ? "failed" : "pending",
      at: options.at ?? this.now(),
      code: null,
      reason: null,
    };
    this.items.set(clientId, entry);
    if (entry.state === "pending") this.transmit(entry);
    this.changed();
    return entry;
  }

  /** A socket opened: send every entry not failed, in order (same
   * `client_id`); one waiting out `retry_after` goes when its wait ends. */
  flush(): void {
    for (const entry of this.items.values()) {
      if (entry.state !== "failed" && !this.waits.has(entry.clientId)) this.transmit(entry);
    }
  }

  /** The socket closed: what was sent and not acknowledged is pending. */
  disconnected(): void {
    for (const entry of this.items.values()) if (entry.state === "sent") entry.state = "pending";
  }

  /** Its `ack` came: the message is stored; it leaves the outbox. */
  ack(frame: Pick<AckFrame, "client_id">): OutboxEntry | null {
    return this.settle(frame.client_id);
  }

  /** A stored message with this `client_id` was seen (its `message` frame,
   * or history): it leaves the outbox. */
  settle(clientId: string | null | undefined): OutboxEntry | null {
    if (clientId == null) return null;
    const entry = this.items.get(clientId);
    if (entry === undefined) return null;
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
  error(frame: Pick<ErrorFrame, "code" | "message" | "ref" | "retry_after">): OutboxEntry | null {
    const entry = frame.ref === undefined ? undefined : this.items.get(frame.ref);
    if (entry === undefined || entry.state === "failed") return null;
    const retryAfter = Number(frame.retry_after);
    if (frame.code === "rate_limited" && retryAfter >= 0) {
      entry.state = "pending";
      this.wait(entry, retryAfter * 1000);
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
  retry(clientId: string): OutboxEntry | null {
    const old = this.items.get(clientId);
    if (old === undefined) return null;
    this.remove(clientId);
    const id = KEY_TAKEN.has(old.code ?? "") ? this.options.newClientId() : clientId;
    const entry: OutboxEntry = {
      ...old,
      clientId: id,
      state: "pending",
      at: this.now(),
      code: null,
      reason: null,
    };
    this.items.set(id, entry);
    this.transmit(entry);
    this.changed();
    return entry;
  }

  /** Forget an entry (the user discarded it). */
  discard(clientId: string): OutboxEntry | null {
    const entry = this.items.get(clientId);
    if (entry === undefined) return null;
    this.remove(clientId);
    this.changed();
    return entry;
  }

  /** Fail every entry (the room is gone: nothing can be sent there). */
  failAll(): void {
    for (const entry of this.items.values()) {
      this.cancelWait(entry.clientId);
      entry.state = "failed";
    }
    this.changed();
  }

  private transmit(entry: OutboxEntry): void {
    const frame: SendFrame = {
      type: "send",
      room: entry.room,
      text: entry.text,
      client_id: entry.clientId,
    };
    if (entry.attachments.length) frame.attachments = [...entry.attachments];
    if (entry.replyTo !== null) frame.reply_to = entry.replyTo;
    entry.state = this.options.send(frame) ? "sent" : "pending";
  }

  private wait(entry: OutboxEntry, ms: number): void {
    this.cancelWait(entry.clientId);
    const timer = this.options.timers.setTimeout(() => {
      this.waits.delete(entry.clientId);
      if (this.items.get(entry.clientId) === entry && entry.state === "pending") {
        this.transmit(entry);
      }
    }, ms);
    this.waits.set(entry.clientId, timer);
  }

  private cancelWait(clientId: string): void {
    if (!this.waits.has(clientId)) return;
    this.options.timers.clearTimeout(this.waits.get(clientId));
    this.waits.delete(clientId);
  }

  private remove(clientId: string): void {
    this.cancelWait(clientId);
    this.items.delete(clientId);
  }

  private now(): number {
    return (this.options.now ?? Date.now)();
  }

  private changed(): void {
    this.options.onChange?.(this.entries());
  }
}
