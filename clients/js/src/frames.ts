/**
 * The frames of Parley's socket `/ws/`, as `docs/protocol.md` ("The socket")
 * names them. Every frame is one JSON object with a `type`; these names are
 * fixed. Servers may add fields and frame types: clients ignore what they do
 * not know, so every server frame here is open to extra fields.
 *
 * @packageDocumentation
 */

/** A room's slug, e.g. `"lobby"` or `"лобби-room"`. */
export type RoomSlug = string;

/** An ISO 8601 time in UTC with milliseconds: `2026-11-21T07:35:46.123Z`. */
export type Timestamp = string;

// --- client → server ---------------------------------------------------

/** Any client frame may carry a `ref` (at most 64 characters); an `error`
 * or direct answer to it echoes it. */
interface Referenced {
  ref?: string;
}

/** Follow a room; with `after`, first replay every message with
 * `seq > after`. */
export interface SubscribeFrame extends Referenced {
  type: "subscribe";
  room: RoomSlug;
  after?: number | null;
}
export interface UnsubscribeFrame extends Referenced {
  type: "unsubscribe";
  room: RoomSlug;
}
/** Post a message; `client_id` (1–64 characters) is its idempotency key.
 * `attachments`: ids of the sender's uploads into the room
 * (`POST /api/rooms/{slug}/attachments`); with any, `text` may be "". */
export interface SendFrame extends Referenced {
  type: "send";
  room: RoomSlug;
  text: string;
  client_id: string;
  attachments?: number[];
  /** The `id` of the message of `room` this one replies to. */
  reply_to?: number;
}
export interface EditFrame extends Referenced {
  type: "edit";
  id: number;
  text: string;
}
export interface DeleteFrame extends Referenced {
  type: "delete";
  id: number;
}
export interface TypingFrame extends Referenced {
  type: "typing";
  room: RoomSlug;
}
/** Store the read position; it never moves back. */
export interface ReadFrame extends Referenced {
  type: "read";
  room: RoomSlug;
  seq: number;
}
export interface PingFrame extends Referenced {
  type: "ping";
}
/** Set a room's topic (`""` clears it); the room's owner only. */
export interface TopicFrame extends Referenced {
  type: "topic";
  room: RoomSlug;
  topic: string;
}
/** Pin (`pin`) or unpin (`unpin`) a message; its room's owner only. */
export interface PinFrame extends Referenced {
  type: "pin" | "unpin";
  id: number;
}
/** Add (`react`) or take back (`unreact`) your reaction `emoji` (one
 * emoji) on message `id`; answered by a `reaction` frame. */
export interface ReactFrame extends Referenced {
  type: "react" | "unreact";
  id: number;
  emoji: string;
}

/** Every frame a client may send. */
export type ClientFrame =
  | SubscribeFrame
  | UnsubscribeFrame
  | SendFrame
  | EditFrame
  | DeleteFrame
  | TypingFrame
  | ReadFrame
  | PingFrame
  | TopicFrame
  | PinFrame

  | ReactFrame;

// --- server → client ---------------------------------------------------

export type RoomKind = "public" | "private" | "direct";

/** The answer to `subscribe`. `resync: true`: more was missed than the
 * server replays; page `(after, last_seq]` over HTTP. */
export interface SubscribedFrame {
  type: "subscribed";
  room: RoomSlug;
  title?: string;
  kind?: RoomKind;
  /** The room's topic; `""` for none. Text, never markup. */
  topic?: string;
  /** `true`: the room is archived, read-only for everyone. */
  archived?: boolean;
  last_seq: number;
  /** The room's earliest stored seq: 1 unless retention purged older
   * messages (`last_seq + 1` when none is left). Messages before it are
   * gone, not a gap: a stream resuming from before it skips to it. */
  first_seq?: number;
  online?: string[];
  read_seq?: number;
  unread?: number;
  resync?: boolean;
  ref?: string;
}
/** With a `reason`, a user frame: the user left the room (`"left"`), or a
 * moderator removed (`"removed"`) or banned (`"banned"`) them; the socket
 * no longer follows it. */
export interface UnsubscribedFrame {
  type: "unsubscribed";
  room: RoomSlug;
  reason?: "left" | "removed" | "banned" | (string & {});
  ref?: string;
}
/** A file sent with a message. `type` was sniffed from its bytes by the
 * server; images also have a thumbnail and their size in pixels. */
export interface Attachment {
  id: number;
  name: string;
  /** In bytes. */
  size: number;
  type: string;
  /** The download; readers of the room only. */
  url: string;
  thumb_url?: string | null;
  width?: number | null;
  height?: number | null;
}
/** A reply's compact quote of its parent: its first 100 characters in
 * `excerpt` (`""` once deleted). */
export interface ReplyQuote {
  id: number;
  seq: number;
  author: string | null;
  author_name: string | null;
  excerpt: string;
  deleted: boolean;
}
/** One emoji's reactions on a message; `me`: whether you reacted with it. */
export interface ReactionCount {
  emoji: string;
  count: number;
  me: boolean;
}
/** A stored message (also the shape of one in the history API). */
export interface MessageFrame {
  type: "message";
  id: number;
  seq: number;
  room: RoomSlug;
  /** The author's username; null for a deleted account. */
  author: string | null;
  /** The author's user id; null for a deleted account. */
  author_id?: number | null;
  text: string;
  /** The text's formatting as HTML the server rendered and sanitized (a
   * Markdown subset, docs/protocol.md); "" (or absent, from an older
   * server): show `text` as plain text. */
  html?: string;
  ts: Timestamp;
  client_id?: string | null;
  edited_ts?: Timestamp | null;
  deleted?: boolean;
  /** True while pinned in its room. */
  pinned?: boolean;
  /** Its files; absent when none, and once deleted. */
  attachments?: Attachment[];
  /** A reply's quote of its parent; absent (or null) for other messages. */
  reply_to?: ReplyQuote | null;
  reply_count?: number;
  /** Emoji in the order first used. */
  reactions?: ReactionCount[];
}
/** A parent's new count of replies. */
export interface RepliesFrame {
  type: "replies";
  id: number;
  seq: number;
  room: RoomSlug;
  reply_count: number;
}
/** `user` toggled `emoji` on message `id`: `count` users react with it
 * now; `on` whether `user` does. */
export interface ReactionFrame {
  type: "reaction";
  id: number;
  seq: number;
  room: RoomSlug;
  emoji: string;
  user: string;
  count: number;
  on: boolean;
  ref?: string;
}
/** The receipt of a `send`: the message is stored as `seq`. */
export interface AckFrame {
  type: "ack";
  client_id: string;
  id: number;
  seq: number;
  room: RoomSlug;
  ts: Timestamp;
  /** The stored message's formatting, as `MessageFrame.html`. */
  html?: string;
}
export interface EditedFrame {
  type: "edited";
  id: number;
  seq: number;
  room: RoomSlug;
  text: string;
  /** The new text's formatting, as `MessageFrame.html`. */
  html?: string;
  edited_ts: Timestamp;
  ref?: string;
}
export interface DeletedFrame {
  type: "deleted";
  id: number;
  seq: number;
  room: RoomSlug;
  ref?: string;
}
export interface PresenceFrame {
  type: "presence";
  room: RoomSlug;
  user: string;
  online: boolean;
}
export interface TypingNoticeFrame {
  type: "typing";
  room: RoomSlug;
  user: string;
  /** How long to show it, in seconds. */
  expires_in: number;
}
/** A user frame: the user's read position in `room` moved to `seq`. */
export interface ReadNoticeFrame {
  type: "read";
  room: RoomSlug;
  seq: number;
  unread: number;
}
/** A user frame: a notification for the user. */
export interface NotificationFrame {
  type: "notification";
  id: number;
  kind: string;
  title: string;
  body: string;
  url: string;
  data: Record<string, unknown>;
  ts: Timestamp;
}
/** A user frame: the user was added to a room. */
export interface JoinedFrame {
  type: "joined";
  room: RoomSlug;
  title: string;
  kind: RoomKind;
}
/** A refused frame; `retry_after` (seconds) comes with `rate_limited`. */
export interface ErrorFrame {
  type: "error";
  code: ErrorCode | (string & {});
  message: string;
  ref?: string;
  retry_after?: number;
}
export interface PongFrame {
  type: "pong";
  ref?: string;
}
/** The room's topic changed (`by`: who set it). */
export interface TopicNoticeFrame {
  type: "topic";
  room: RoomSlug;
  topic: string;
  by: string;
  ref?: string;
}
/** A message was pinned (`on`) or unpinned. */
export interface PinNoticeFrame {
  type: "pin";
  room: RoomSlug;
  id: number;
  seq: number;
  on: boolean;
  by: string;
  ref?: string;
}
/** A member's place in the room changed: `left`, they left it (`reason`). */
export interface MemberFrame {
  type: "member";
  room: RoomSlug;
  user: string;
  role?: string;
  left?: boolean;
  /** Why they left: `"left"`, `"removed"` or `"banned"`. */
  reason?: string;
}

/** The room was archived (`on`: read-only now) or reopened, by `by`. */
export interface ArchivedFrame {
  type: "archived";
  room: RoomSlug;
  on: boolean;
  by: string;
}

/** Every frame the server sends that this client knows. */
export type ServerFrame =
  | SubscribedFrame
  | UnsubscribedFrame
  | MessageFrame
  | AckFrame
  | EditedFrame
  | DeletedFrame
  | PresenceFrame
  | TypingNoticeFrame
  | ReadNoticeFrame
  | NotificationFrame
  | JoinedFrame
  | ErrorFrame
  | PongFrame
  | TopicNoticeFrame
  | PinNoticeFrame
  | MemberFrame
  | RepliesFrame
  | ReactionFrame
  | ArchivedFrame;

/** Frames about one room (they carry `room`). */
export type RoomFrame = Extract<ServerFrame, { room: RoomSlug }>;

/** The error codes of `docs/protocol.md` ("Errors"). */
export type ErrorCode =
  | "invalid_json"
  | "frame_too_large"
  | "unknown_type"
  | "invalid_frame"
  | "invalid_room"
  | "room_not_found"
  | "invalid_text"
  | "text_too_long"
  | "client_id_reused"
  | "client_id_conflict"
  | "not_subscribed"
  | "not_found"
  | "forbidden"
  | "message_deleted"
  | "rate_limited"
  | "too_many_rooms"
  | "too_many_sockets"
  | "too_many_pins"
  | "last_owner"
  | "invalid_query"
  | "internal_error"
  | "reply_wrong_room"
  | "invalid_emoji"
  | "too_many_reactions"
  | "unknown_command"
  | "muted"
  | "room_archived";

/** A stored message as the history API gives it: a `message` frame
 * without its `type`. */
export type StoredMessage = Omit<MessageFrame, "type">;

/** A page of `GET /api/rooms/{slug}/messages`: newest first;
 * `next_before` is null at the start of the room. */
export interface HistoryPage {
  messages: StoredMessage[];
  next_before: number | null;
  /** The room's earliest stored seq (see `SubscribedFrame.first_seq`). */
  first_seq?: number;
}

/** A page of `GET /api/messages/{id}/replies`: the parent and its replies,
 * newest first, paged like history. */
export interface RepliesPage extends HistoryPage {
  parent: StoredMessage;
}

/**
 * Parse one text frame from the server.
 *
 * @returns the frame, or null when it is not a JSON object with a string
 *   `type` (such a frame is ignored, as the protocol asks of unknown ones).
 */
export function parseServerFrame(data: unknown): ServerFrame | null {
  if (typeof data !== "string") return null;
  let value: unknown;
  try {
    value = JSON.parse(data);
  } catch {
    return null;
  }
  if (value === null || typeof value !== "object" || Array.isArray(value)) return null;
  if (typeof (value as { type?: unknown }).type !== "string") return null;
  return value as ServerFrame;
}
