/**
 * Search (`GET /api/search`, `docs/protocol.md`, "Search"): the request's
 * URL, the answer's shape, and a hit's snippet cut into plain and marked
 * parts for rendering as text. No HTTP here: the caller fetches.
 *
 * @packageDocumentation
 */

import type { RoomSlug, StoredMessage } from "./frames.js";

/** One result: the message, its room's title as the user sees it, and a
 * plain-text `snippet` whose matched words are `highlights`, `[start, end)`
 * in Unicode code points (not UTF-16 units). */
export interface SearchHit {
  message: StoredMessage;
  room_title: string;
  snippet: string;
  highlights: [number, number][];
}

/** A page of results, best first; `next_cursor` is null after the last. */
export interface SearchPage {
  hits: SearchHit[];
  next_cursor: number | null;
}

/** What to search: `q` in the query syntax (words, "phrases", `from:user`,
 * `in:room`), optional filters and the page's cursor. */
export interface SearchParams {
  q: string;
  room?: RoomSlug;
  from?: string;
  before?: string;
  cursor?: number;
  limit?: number;
}

/** The URL of a search: `base` (e.g. `/api/search`, with no query
 * string) and `params` as its query string; unset ones left out. */
export function searchUrl(base: string, params: SearchParams): string {
  const query = Object.entries(params)
    .filter(([, value]) => value !== undefined && value !== null)
    .map(([name, value]) => `${encodeURIComponent(name)}=${encodeURIComponent(String(value))}`)
    .join("&");
  return `${base}?${query}`;
}

/** A piece of a snippet: render `text` as text, marked when `hit`. */
export interface SnippetPart {
  text: string;
  hit: boolean;
}

/**
 * `snippet` cut at its `highlights` into parts, in order; ranges out of
 * bounds or overlapping an earlier one are ignored, so a malformed answer
 * can only lose marks, never text.
 */
export function snippetParts(snippet: string, highlights: [number, number][]): SnippetPart[] {
  const points = Array.from(snippet);
  const parts: SnippetPart[] = [];
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
