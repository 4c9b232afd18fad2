/**
 * parley-client: the protocol core of Parley's browser pages and of any
 * JavaScript client. No DOM and no import-time side effects: the WebSocket
 * class, timers and the clock are passed in.
 *
 * @packageDocumentation
 */

export {
  BACKOFF_BASE_MS,
  BACKOFF_MAX_MS,
  CloseCode,
  PROMPT_JITTER_MS,
  STABLE_MS,
  attemptAfterOpen,
  backoffCeilingMs,
  decideClose,
  endsSession,
  type CloseDecision,
} from "./close.js";
export { nextPage, type Member, type Pinned, type PinsPage } from "./details.js";
export { Emitter } from "./events.js";
export { RoomFeed, type RoomFeedEvents, type RoomFeedOptions } from "./feed.js";
export * from "./frames.js";
export { fetchRange, type FetchPage } from "./history.js";
export {
  allPages,
  roomsUrl,
  type NotificationEntry,
  type NotificationsPage,
  type RoomEntry,
  type RoomsPage,
  type RoomsParams,
} from "./lists.js";
export {
  FAILED_TTL_MS,
  Outbox,
  restorableSends,
  storedSends,
  type OutboxEntry,
  type OutboxOptions,
  type SendState,
  type StoredSend,
} from "./outbox.js";
export {
  PING_INTERVAL_MS,
  ParleySocket,
  type FollowOptions,
  type FrameOf,
  type ParleySocketOptions,
  type SocketEvents,
  type SocketState,
  type WebSocketFactory,
  type WebSocketLike,
} from "./socket.js";
export {
  searchUrl,
  snippetParts,
  type SearchHit,
  type SearchPage,
  type SearchParams,
  type SnippetPart,
} from "./search.js";
export { applyReaction } from "./reactions.js";
export { RoomStream, type Gap, type Step } from "./stream.js";
export { globalTimers, type Timers } from "./timers.js";
export { UnreadCount } from "./unread.js";
