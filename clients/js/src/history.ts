/**
 * Filling a gap from the history API, `GET /api/rooms/{slug}/messages`
 * (`docs/protocol.md`, "Rooms and messages"): pages come newest first,
 * `before` is exclusive, and `next_before` is null at the start of the room.
 *
 * @packageDocumentation
 */

import type { HistoryPage, StoredMessage } from "./frames.js";
import type { Gap } from "./stream.js";

/** Fetch the page of messages with `seq < before` (newest first). The
 * caller does the HTTP (fetch, credentials, sign-in on 401). */
export type FetchPage = (before: number) => Promise<HistoryPage>;

/**
 * The stored messages with `gap.after < seq < gap.before`, oldest first:
 * pages from `before` down (each page's oldest `seq` is the next `before`)
 * until `after` is reached or the room starts. A resync of
 * `subscribed {resync: true, last_seq: head}` is the gap
 * `{after: lastSeq, before: head + 1}`.
 *
 * @throws whatever `fetchPage` throws; nothing is returned then, so the
 *   caller holds only what is complete
 */
export async function fetchRange(gap: Gap, fetchPage: FetchPage): Promise<StoredMessage[]> {
  const found: StoredMessage[] = [];
  let before = gap.before;
  while (before > gap.after + 1) {
    const page = await fetchPage(before);
    const oldest = page.messages.at(-1);
    if (oldest === undefined) break;
    for (const message of page.messages) {
      if (message.seq > gap.after && message.seq < gap.before) found.push(message);
    }
    if (page.next_before === null || oldest.seq >= before) break;
    before = oldest.seq;
  }
  return found.sort((a, b) => a.seq - b.seq);
}
