// The sidebar's "Show more" under each list of the user's rooms: the list's
// next page from `GET /api/rooms` (by slug, the order the first page was
// rendered in), appended with its unread counts; each new entry is handed
// to `onListed` (live.js: its badge follows the room). The button keeps the
// next cursor and goes once the last page is in. Nothing runs on import.
"use strict";

import { roomsUrl } from "./parley-client.js";
import { listRoom } from "./shell.js";

/**
 * Wire the sidebar's "Show more" buttons (`[data-more-rooms]`, with
 * `data-kinds` and `data-after`, see _rooms.html).
 *
 * @param {object} page the page's configuration (`roomsUrl`, `roomUrl`,
 *   `strings`)
 * @param {(url: string) => Promise<object>} api live.js's JSON API call
 * @param {string | null} current the room shown on this page
 * @param {(li: HTMLLIElement) => void} onListed called with each new entry
 */
export function setupMoreRooms(page, api, current, onListed) {
  for (const more of document.querySelectorAll("[data-more-rooms]")) {
    more.addEventListener("click", () => {
      more.disabled = true;
      showMore(page, api, current, onListed, more)
        .catch(console.error)
        .finally(() => {
          more.disabled = false;
        });
    });
  }
}

async function showMore(page, api, current, onListed, more) {
  const kind = more.dataset.kinds.split(" ");
  const data = await api(roomsUrl(page.roomsUrl, { member: true, kind, after: more.dataset.after }));
  const listed = new Set(
    [...document.querySelectorAll("ul.live-rooms li[data-room]")].map((li) => li.dataset.room),
  );
  for (const room of data.items) {
    if (listed.has(room.slug)) continue; // listed live meanwhile (joined)
    const entry = { room: room.slug, title: room.title, kind: room.kind };
    const li = listRoom(page, entry, current, { append: true, unread: room.unread });
    if (li) onListed(li);
  }
  if (data.next) more.dataset.after = data.next;
  else more.remove();
}
