import assert from "node:assert/strict";
import { test } from "node:test";

import { UnreadCount } from "../src/index.js";

test("subscribed sets the server's count; others' new messages add one each", () => {
  const count = new UnreadCount("alice", 9);
  assert.equal(count.subscribed({ last_seq: 5, read_seq: 3, unread: 2 }), 2);
  assert.equal(count.message({ seq: 6, author: "bob" }), 3);
  assert.equal(count.message({ seq: 6, author: "bob" }), 3); // a duplicate
  assert.equal(count.message({ seq: 5, author: "bob" }), 3); // known at subscribe
  assert.equal(count.message({ seq: 7, author: "alice" }), 3); // her own
  assert.equal(count.message({ seq: 8, author: "bob", deleted: true }), 3);
});

test("deleted takes off only what this count added", () => {
  const count = new UnreadCount("alice");
  count.subscribed({ last_seq: 5, read_seq: 5, unread: 1 });
  count.message({ seq: 6, author: "bob" });
  assert.equal(count.deleted({ seq: 4 }), 2);
  assert.equal(count.deleted({ seq: 6 }), 1);
  assert.equal(count.deleted({ seq: 6 }), 1);
});

test("read sets the exact count and forgets what it covers", () => {
  const count = new UnreadCount("alice");
  count.subscribed({ last_seq: 0, unread: 0 });
  count.message({ seq: 1, author: "bob" });
  count.message({ seq: 2, author: "bob" });
  assert.equal(count.read({ seq: 2, unread: 0 }), 0);
  assert.equal(count.deleted({ seq: 2 }), 0); // read: no longer counted
  assert.equal(count.message({ seq: 2, author: "bob" }), 0);
  assert.equal(count.read({ seq: 1, unread: -3 }), 0); // never below zero
});
