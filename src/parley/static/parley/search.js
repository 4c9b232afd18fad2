// Search (GET /api/search): the sidebar's search box and its results, and
// the room page's jump to a result (?around=<seq>: the history around it,
// the message marked). A result's snippet is plain text with ranges
// (snippetParts): it reaches the page through text nodes and <mark>s only.
// Nothing runs on import.
"use strict";

import { searchUrl, snippetParts } from "./parley-client.js";

/** The `?around=<seq>` of a room page's address, or null. */
export function aroundSeq(location) {
  const seq = Number(new URLSearchParams(location.search).get("around"));
  return Number.isInteger(seq) && seq > 0 ? seq : null;
}

/** Mark the message a search result opened, and bring it into view. */
export function showFound(li) {
  if (!li) return;
  li.classList.add("found");
  li.scrollIntoView({ block: "center" });
}

/** A result's snippet as a <p>: text nodes, the matched words in <mark>. */
function snippetElement(hit) {
  const p = document.createElement("p");
  p.className = "snippet";
  p.dir = "auto";
  for (const part of snippetParts(hit.snippet, hit.highlights)) {
    if (part.hit) {
      const mark = document.createElement("mark");
      mark.textContent = part.text;
      p.append(mark);
    } else {
      p.append(document.createTextNode(part.text));
    }
  }
  return p;
}

/** One result: a link to its room at the message, with the room's title,
 * the author, the time and the snippet. */
function resultItem(page, hit) {
  const m = hit.message;
  const li = document.createElement("li");
  const link = document.createElement("a");
  // The room page, opened at the message (aroundSeq reads it back).
  const path = `${page.roomUrl.replace("__room__", encodeURIComponent(m.room))}?around=${m.seq}`;
  link.href = path;
  const head = document.createElement("span");
  head.className = "search-head";
  const title = document.createElement("bdi");
  title.className = "search-room";
  title.textContent = hit.room_title;
  const author = document.createElement("bdi");
  author.className = "search-author";
  author.textContent = m.author_name ?? m.author ?? "";
  const time = document.createElement("time");
  time.dateTime = m.ts;
  time.textContent = new Date(m.ts).toLocaleString();
  head.append(title, " · ", author, " · ", time);
  link.append(head, snippetElement(hit));
  li.append(link);
  return li;
}

/**
 * Wire the sidebar's search form (base.html): each search lists its first
 * page of results; "More results" appends the next.
 *
 * @param {object} page the page's configuration (`parley-page`)
 * @param {{api: Function}} http `live.js`'s httpClient
 */
export function setupSearch(page, http) {
  const form = document.getElementById("search-form");
  if (!form) return;
  const input = document.getElementById("search-input");
  const box = document.getElementById("search-results");
  const status = document.getElementById("search-status");
  const list = document.getElementById("search-list");
  const more = document.getElementById("search-more");
  const S = page.strings;
  let query = "";
  let cursor = null;
  let searches = 0; // a newer search drops an older one's late answer

  async function load() {
    const search = searches;
    more.hidden = true;
    box.hidden = false;
    try {
      const params = { q: query, ...(cursor === null ? {} : { cursor }) };
      const found = await http.api(searchUrl(page.searchUrl, params));
      if (search !== searches) return;
      list.append(...found.hits.map((hit) => resultItem(page, hit)));
      status.textContent = list.childElementCount ? "" : S.searchNone;
      cursor = found.next_cursor;
      more.hidden = cursor === null;
    } catch (error) {
      if (search !== searches) return;
      status.textContent = S.searchErrors[error.code] ?? S.searchFailed;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    query = input.value.trim();
    cursor = null;
    searches += 1;
    list.replaceChildren();
    status.textContent = "";
    if (query) load().catch(console.error);
  });
  more.addEventListener("click", () => load().catch(console.error));
}
