import assert from "node:assert/strict";
import { test } from "node:test";

import { allPages, roomsUrl } from "../src/lists.js";

test("a rooms URL carries the set parameters, each kind repeated", () => {
  assert.equal(roomsUrl("/api/rooms"), "/api/rooms");
  const url = new URL(
    roomsUrl("/api/rooms", { member: true, kind: ["public", "private"], after: "bG9iYnk", limit: 20 }),
    "http://host",
  );
  assert.deepEqual(url.searchParams.getAll("kind"), ["public", "private"]);
  assert.equal(url.searchParams.get("member"), "true");
  assert.equal(url.searchParams.get("after"), "bG9iYnk");
  assert.equal(url.searchParams.get("limit"), "20");
  assert.equal(new URL(roomsUrl("/api/rooms", { after: null }), "http://host").search, "");
});

test("allPages follows the cursors to the last page", async () => {
  const pages = new Map<string | null, { items: number[]; next: string | null }>([
    [null, { items: [1, 2], next: "a" }],
    ["a", { items: [3], next: "b" }],
    ["b", { items: [], next: null }],
  ]);
  const asked: (string | null)[] = [];
  const items: number[] = [];
  for await (const item of allPages(async (cursor: string | null) => {
    asked.push(cursor);
    return pages.get(cursor)!;
  })) {
    items.push(item);
  }
  assert.deepEqual(items, [1, 2, 3]);
  assert.deepEqual(asked, [null, "a", "b"]);
});
