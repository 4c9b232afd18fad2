import assert from "node:assert/strict";
import { describe, test } from "node:test";

import { RoomStream } from "../src/index.js";

describe("RoomStream", () => {
  test("forwards messages in order and advances lastSeq", () => {
    const stream = new RoomStream<string>(0);
    assert.deepEqual(stream.receive(1, "a"), { forward: ["a"], repair: null });
    assert.deepEqual(stream.receive(2, "b"), { forward: ["b"], repair: null });
    assert.equal(stream.lastSeq, 2);
  });

  test("drops a duplicate: a seq at or below lastSeq", () => {
    const stream = new RoomStream<string>(5);
    assert.deepEqual(stream.receive(5, "again"), { forward: [], repair: null });
    assert.deepEqual(stream.receive(3, "old"), { forward: [], repair: null });
    assert.equal(stream.lastSeq, 5);
  });

  test("forwards an event without seq (edited, typing) as it comes", () => {
    const stream = new RoomStream<string>(5);
    assert.deepEqual(stream.receive(null, "edited"), { forward: ["edited"], repair: null });
    assert.equal(stream.lastSeq, 5);
  });

  test("a gap holds the message and asks for the range between", () => {
    const stream = new RoomStream<string>(3);
    assert.deepEqual(stream.receive(7, "g"), { forward: [], repair: { after: 3, before: 7 } });
    assert.equal(stream.holding, true);
    assert.equal(stream.lastSeq, 3);
    assert.deepEqual(stream.heldItems, ["g"]);
  });

  test("while holding, everything is kept in arrival order, with no new repair", () => {
    const stream = new RoomStream<string>(3);
    stream.receive(7, "g");
    assert.deepEqual(stream.receive(9, "i"), { forward: [], repair: null });
    assert.deepEqual(stream.receive(null, "edited"), { forward: [], repair: null });
    assert.deepEqual(stream.receive(8, "h"), { forward: [], repair: null });
    assert.deepEqual(stream.heldItems, ["g", "i", "edited", "h"]);
  });

  test("replayed releases the held items in order, dropping what the repair brought", () => {
    const stream = new RoomStream<string>(3);
    stream.receive(5, "e");
    stream.receive(6, "f");
    stream.receive(4, "d"); // held too: the repair brings it
    const step = stream.replayed(4);
    assert.deepEqual(step, { forward: ["e", "f"], repair: null });
    assert.equal(stream.lastSeq, 6);
    assert.equal(stream.holding, false);
    assert.deepEqual(stream.heldItems, []);
  });

  test("a second gap inside the held items stays held and is repaired next", () => {
    const stream = new RoomStream<string>(1);
    stream.receive(3, "c");
    stream.receive(4, "d");
    stream.receive(null, "note");
    stream.receive(7, "g");
    stream.receive(8, "h");
    const step = stream.replayed(2);
    assert.deepEqual(step, { forward: ["c", "d", "note"], repair: { after: 4, before: 7 } });
    assert.equal(stream.holding, true);
    assert.equal(stream.lastSeq, 4);
    assert.deepEqual(stream.heldItems, ["g", "h"]);
    assert.deepEqual(stream.replayed(6), { forward: ["g", "h"], repair: null });
    assert.equal(stream.lastSeq, 8);
  });

  test("replayed never moves lastSeq back", () => {
    const stream = new RoomStream<string>(10, true);
    assert.deepEqual(stream.replayed(4), { forward: [], repair: null });
    assert.equal(stream.lastSeq, 10);
  });

  test("head ahead of lastSeq (the periodic check) holds and repairs up to it", () => {
    const stream = new RoomStream<string>(4);
    assert.deepEqual(stream.head(9), { forward: [], repair: { after: 4, before: 10 } });
    assert.equal(stream.holding, true);
    stream.receive(10, "j"); // live, after the head
    assert.deepEqual(stream.replayed(9), { forward: ["j"], repair: null });
    assert.equal(stream.lastSeq, 10);
  });

  test("head at or behind lastSeq, or while holding, does nothing", () => {
    const stream = new RoomStream<string>(4);
    assert.deepEqual(stream.head(4), { forward: [], repair: null });
    assert.deepEqual(stream.head(2), { forward: [], repair: null });
    assert.equal(stream.holding, false);
    stream.receive(6, "f");
    assert.deepEqual(stream.head(9), { forward: [], repair: null });
  });

  test("hold keeps what comes until replayed", () => {
    const stream = new RoomStream<string>(2);
    stream.hold();
    assert.deepEqual(stream.receive(3, "c"), { forward: [], repair: null });
    assert.deepEqual(stream.replayed(2), { forward: ["c"], repair: null });
  });

  test("discardHeld drops what a replay brings again, keeps the rest", () => {
    const stream = new RoomStream<{ seq: number | null; name: string }>(2);
    const e = { seq: 5, name: "e" };
    const note = { seq: null, name: "edited" };
    stream.receive(5, e);
    stream.receive(null, note);
    stream.discardHeld((item) => item.seq !== null);
    assert.deepEqual(stream.heldItems, [note]);
    assert.deepEqual(stream.replayed(2), { forward: [note], repair: null });
    assert.equal(stream.lastSeq, 2);
  });
});
