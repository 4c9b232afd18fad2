import assert from "node:assert/strict";
import { test } from "node:test";

import { searchUrl, snippetParts } from "../src/search.js";

test("a search URL carries the set parameters only", () => {
  const url = searchUrl("/api/search", { q: 'a "b c"', room: "лобби", cursor: 20 });
  const parsed = new URL(url, "http://host");
  assert.equal(parsed.pathname, "/api/search");
  assert.equal(parsed.searchParams.get("q"), 'a "b c"');
  assert.equal(parsed.searchParams.get("room"), "лобби");
  assert.equal(parsed.searchParams.get("cursor"), "20");
  assert.equal(parsed.searchParams.has("from"), false);
});

test("snippet parts follow the highlights, in code points", () => {
  assert.deepEqual(snippetParts("😀 <b>mango</b>", [[5, 10]]), [
    { text: "😀 <b>", hit: false },
    { text: "mango", hit: true },
    { text: "</b>", hit: false },
  ]);
});

test("bad highlights lose marks, never text", () => {
  const parts = snippetParts("abc def", [[4, 99], [2, 1], [0, 3], [1, 2]]);
  assert.deepEqual(parts, [
    { text: "abc", hit: true },
    { text: " def", hit: false },
  ]);
});
