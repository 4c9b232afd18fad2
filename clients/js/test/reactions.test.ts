import assert from "node:assert/strict";
import { test } from "node:test";

import { applyReaction } from "../src/index.js";

const frame = (user: string, emoji: string, count: number, on: boolean) => ({
  user,
  emoji,
  count,
  on,
});

test("a frame sets the server's count; me follows only this user's frames", () => {
  let counts = applyReaction([], frame("bob", "🎉", 1, true), "alice");
  assert.deepEqual(counts, [{ emoji: "🎉", count: 1, me: false }]);
  counts = applyReaction(counts, frame("alice", "🎉", 2, true), "alice");
  // The same toggle heard from a second tab leaves the same count.
  counts = applyReaction(counts, frame("alice", "🎉", 2, true), "alice");
  assert.deepEqual(counts, [{ emoji: "🎉", count: 2, me: true }]);
  counts = applyReaction(counts, frame("bob", "👍", 1, true), "alice");
  counts = applyReaction(counts, frame("bob", "🎉", 1, false), "alice");
  assert.deepEqual(counts, [
    { emoji: "🎉", count: 1, me: true },
    { emoji: "👍", count: 1, me: false },
  ]);
  assert.deepEqual(applyReaction(counts, frame("alice", "🎉", 0, false), "alice"), [
    { emoji: "👍", count: 1, me: false },
  ]);
});
