import assert from "node:assert/strict";
import { test } from "node:test";

import { fetchRange, type HistoryPage, type StoredMessage } from "../src/index.js";

/** A room of `count` messages served in pages of `size`, newest first. */
function room(count: number, size: number) {
  const asked: number[] = [];
  const fetchPage = async (before: number): Promise<HistoryPage> => {
    asked.push(before);
    const messages: StoredMessage[] = [];
    for (let seq = Math.min(before - 1, count); seq >= 1 && messages.length < size; seq--) {
      messages.push({ id: seq, seq, room: "r", author: "bob", text: `m${seq}`, ts: "" });
    }
    const oldest = messages.at(-1)?.seq ?? 1;
    return { messages, next_before: oldest > 1 ? oldest : null };
  };
  return { asked, fetchPage };
}

test("pages (after, before) newest first and returns it oldest first", async () => {
  const { asked, fetchPage } = room(20, 4);
  const found = await fetchRange({ after: 5, before: 16 }, fetchPage);
  assert.deepEqual(
    found.map((m) => m.seq),
    [6, 7, 8, 9, 10, 11, 12, 13, 14, 15],
  );
  assert.deepEqual(asked, [16, 12, 8]);
});

test("stops at the start of the room", async () => {
  const { asked, fetchPage } = room(3, 2);
  const found = await fetchRange({ after: 0, before: 10 }, fetchPage);
  assert.deepEqual(
    found.map((m) => m.seq),
    [1, 2, 3],
  );
  assert.deepEqual(asked, [10, 2]);
});

test("an empty range asks nothing; a failed page fails the whole range", async () => {
  const { asked, fetchPage } = room(9, 2);
  assert.deepEqual(await fetchRange({ after: 4, before: 5 }, fetchPage), []);
  assert.deepEqual(asked, []);
  await assert.rejects(
    fetchRange({ after: 0, before: 5 }, async () => {
      throw new Error("HTTP 500");
    }),
    /HTTP 500/,
  );
});
