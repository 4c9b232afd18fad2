/**
 * Lists a page at a time over HTTP (`docs/protocol.md`, "Lists a page at a
 * time"): the rooms one may read (`GET /api/rooms`, an opaque cursor) and
 * one's notifications (`GET /api/notifications`, cursor by id). The URLs
 * and the answers' shapes; no HTTP here: the caller fetches.
 *
 * @packageDocumentation
 */

import type { NotificationFrame, RoomKind, RoomSlug, Timestamp } from "./frames.js";

/** A room of `GET /api/rooms` (and `GET /api/rooms/{slug}`). */
export interface RoomEntry {
  slug: RoomSlug;
  /** A direct room's is the other person's username. */
  title: string;
  kind: RoomKind;
  topic: string;
  /** The `seq` of the room's newest message; 0 if none. */
  last_seq: number;
  /** The user's read position. */
  read_seq: number;
  /** Messages after `read_seq` by others, not deleted. */
  unread: number;
  /** Direct rooms: the other person's username. */
  peer: string | null;
  created_at: Timestamp;
  /** The room's page on the server. */
  url: string;
}

/** A page of `GET /api/rooms`, by slug; `next` is null after the last. */
export interface RoomsPage {
  items: RoomEntry[];
  next: string | null;
}

/** Which rooms: `member` true for the user's own, false for public rooms
 * they never joined, unset for both; `kind` narrows to those kinds;
 * `after` is the previous page's `next`; `limit` the page size (capped by
 * the server). */
export interface RoomsParams {
  member?: boolean;
  kind?: RoomKind[];
  after?: string | null;
  limit?: number;
}

/** One notification of `GET /api/notifications`. */
export type NotificationEntry = Omit<NotificationFrame, "type"> & { read: boolean };

/** A page of `GET /api/notifications`, newest first; `next_before` is
 * null after the last. */
export interface NotificationsPage {
  notifications: NotificationEntry[];
  /** The user's unread notifications, in all. */
  unread: number;
  next_before: number | null;
}

/** The URL of a page of rooms: `base` (e.g. `/api/rooms`) and `params` as
 * its query string; unset ones left out, each kind repeated. */
export function roomsUrl(base: string, params: RoomsParams = {}): string {
  const pairs: [string, string][] = [];
  if (params.member !== undefined) pairs.push(["member", String(params.member)]);
  for (const kind of params.kind ?? []) pairs.push(["kind", kind]);
  if (params.after) pairs.push(["after", params.after]);
  if (params.limit !== undefined) pairs.push(["limit", String(params.limit)]);
  if (!pairs.length) return base;
  const query = pairs.map(([name, value]) => `${name}=${encodeURIComponent(value)}`);
  return `${base}?${query.join("&")}`;
}

/**
 * Every item of a cursor-paged list, page after page: `fetchPage(cursor)`
 * answers the page at `cursor` (null for the first) with its items and the
 * next cursor (null after the last).
 */
export async function* allPages<T, C>(
  fetchPage: (cursor: C | null) => Promise<{ items: T[]; next: C | null }>,
): AsyncGenerator<T, void, undefined> {
  let cursor: C | null = null;
  do {
    const page: { items: T[]; next: C | null } = await fetchPage(cursor);
    yield* page.items;
    cursor = page.next;
  } while (cursor !== null);
}
