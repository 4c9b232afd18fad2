/**
 * A room's details over HTTP (`docs/protocol.md`, "Room details"): the
 * shapes of its members and pins, and the members list's paging by
 * `Link: <…>; rel="next"` (RFC 8288).
 *
 * @packageDocumentation
 */

import type { StoredMessage, Timestamp } from "./frames.js";

/** One member of `GET /api/rooms/{slug}/members`; more roles may come. */
export interface Member {
  username: string;
  /** The display name, else the username. */
  name: string;
  role: "owner" | "member" | (string & {});
  joined_at: Timestamp;
}

/** One pin of `GET /api/rooms/{slug}/pins`. */
export interface Pinned {
  message: StoredMessage;
  /** Who pinned it; null for a deleted account. */
  by: string | null;
  pinned_at: Timestamp;
}

/** The answer of `GET /api/rooms/{slug}/pins`: newest pin first. */
export interface PinsPage {
  pins: Pinned[];
}

/**
 * The URL of the next page from a `Link` header (RFC 8288, section 3): the
 * target of the link whose `rel` holds `next`.
 *
 * @returns the URL, or null when there is no next page
 */
export function nextPage(link: string | null): string | null {
  if (!link) return null;
  for (const part of link.split(/,(?=\s*<)/)) {
    const match = /^\s*<([^>]*)>(.*)$/.exec(part);
    if (match === null) continue;
    const rel = /;\s*rel="?([^";]*)"?/i.exec(match[2] ?? "");
    if (rel?.[1]?.toLowerCase().split(/\s+/).includes("next")) return match[1] ?? null;
  }
  return null;
}
