import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import {
  FAILED_TTL_MS,
  Outbox,
  restorableSends,
  storedSends,
  type SendFrame,
} from "../src/index.js";
import { FakeClock } from "./fakes.js";

describe("Outbox", () => {
  let clock: FakeClock;
  let open: boolean;
  let wire: SendFrame[];
  let ids: number;
  let changes: number;
  let outbox: Outbox;

  beforeEach(() => {
    clock = new FakeClock();
    open = true;
    wire = [];
    ids = 0;
    changes = 0;
    outbox = new Outbox({
      send: (frame) => {
        if (open) wire.push(frame);
        return open;
      },
      newClientId: () => `id-${++ids}`,
      timers: clock,
      now: () => clock.now,
      onChange: () => changes++,
    });
  });

  test("a message sent on an open socket is `sent`; its ack removes it", () => {
    const entry = outbox.add("lobby", "hello");
    assert.equal(entry.state, "sent");
    assert.deepEqual(wire, [{ type: "send", room: "lobby", text: "hello", client_id: "id-1" }]);
    assert.equal(outbox.ack({ client_id: "id-1" }), entry);
    assert.equal(outbox.size, 0);
    assert.equal(outbox.ack({ client_id: "id-1" }), null);
  });

  test("attachments go with the frame and are kept across reloads", () => {
    const entry = outbox.add("lobby", "", { attachments: [7, 8] });
    assert.deepEqual(wire, [
      { type: "send", room: "lobby", text: "", client_id: "id-1", attachments: [7, 8] },
    ]);
    const stored = storedSends([], "lobby", [entry], clock.now);
    assert.deepEqual(stored[0]?.attachments, [7, 8]);
    assert.deepEqual(restorableSends(stored, "lobby", clock.now)[0]?.attachments, [7, 8]);
  });

  test("a reply carries reply_to on the wire and into storage", () => {
    outbox.add("lobby", "yes", { replyTo: 7 });
    assert.deepEqual(wire, [
      { type: "send", room: "lobby", text: "yes", client_id: "id-1", reply_to: 7 },
    ]);
    assert.equal(storedSends([], "lobby", outbox.entries(), 0)[0]?.reply_to, 7);
  });

  test("without a socket it stays `pending`; a reconnect sends all, in order, same ids", () => {
    open = false;
    outbox.add("lobby", "one");
    outbox.add("lobby", "two");
    assert.deepEqual(
      outbox.entries().map((e) => e.state),
      ["pending", "pending"],
    );
    open = true;
    outbox.flush();
    assert.deepEqual(
      wire.map((f) => [f.client_id, f.text]),
      [
        ["id-1", "one"],
        ["id-2", "two"],
      ],
    );
  });

  test("sent but not acknowledged when the socket drops: resent with the same client_id", () => {
    outbox.add("lobby", "hello");
    outbox.disconnected();
    assert.equal(outbox.get("id-1")?.state, "pending");
    outbox.flush();
    assert.deepEqual(
      wire.map((f) => f.client_id),
      ["id-1", "id-1"],
    );
  });

  test("a message frame with its client_id settles it (ack lost)", () => {
    outbox.add("lobby", "hello");
    assert.equal(outbox.settle("id-1")?.text, "hello");
    assert.equal(outbox.settle(null), null);
    assert.equal(outbox.size, 0);
  });

  test("a refused send is `failed` with the code and reason, and not resent", () => {
    outbox.add("lobby", " ");
    const entry = outbox.error({ code: "invalid_text", message: "blank", ref: "id-1" });
    assert.equal(entry?.state, "failed");
    assert.equal(entry?.code, "invalid_text");
    assert.equal(entry?.reason, "blank");
    outbox.flush();
    assert.equal(wire.length, 1);
    assert.equal(outbox.error({ code: "x", message: "y", ref: "unknown" }), null);
  });

  test("retry sends a failed one again with its client_id, as the newest", () => {
    outbox.add("lobby", "first");
    outbox.add("lobby", "second");
    outbox.error({ code: "invalid_text", message: "no", ref: "id-1" });
    clock.advance(5000);
    const entry = outbox.retry("id-1");
    assert.equal(entry?.clientId, "id-1");
    assert.equal(entry?.state, "sent");
    assert.equal(entry?.at, 5000);
    assert.deepEqual(
      outbox.entries().map((e) => e.clientId),
      ["id-2", "id-1"],
    );
    assert.deepEqual(
      wire.map((f) => f.client_id),
      ["id-1", "id-2", "id-1"],
    );
  });

  for (const code of ["client_id_reused", "client_id_conflict"] as const) {
    test(`retry of one refused as ${code} gets a new client_id`, () => {
      outbox.add("lobby", "hello");
      outbox.error({ code, message: "used", ref: "id-1" });
      const entry = outbox.retry("id-1");
      assert.equal(entry?.clientId, "id-2");
      assert.equal(outbox.get("id-1"), undefined);
      assert.equal(wire.at(-1)?.client_id, "id-2");
    });
  }

  test("discard forgets it", () => {
    outbox.add("lobby", "hello");
    outbox.error({ code: "invalid_text", message: "no", ref: "id-1" });
    assert.equal(outbox.discard("id-1")?.text, "hello");
    assert.equal(outbox.size, 0);
    assert.equal(outbox.discard("id-1"), null);
  });

  test("rate_limited: resent with the same client_id after retry_after seconds", () => {
    outbox.add("lobby", "hello");
    const entry = outbox.error({
      code: "rate_limited",
      message: "slow down",
      ref: "id-1",
      retry_after: 1.5,
    });
    assert.equal(entry?.state, "pending");
    outbox.flush(); // a reconnect meanwhile does not jump the wait
    assert.equal(wire.length, 1);
    clock.advance(1499);
    assert.equal(wire.length, 1);
    clock.advance(1);
    assert.deepEqual(
      wire.map((f) => f.client_id),
      ["id-1", "id-1"],
    );
    assert.equal(outbox.get("id-1")?.state, "sent");
  });

  test("an entry acknowledged or discarded during its rate_limited wait is not resent", () => {
    outbox.add("lobby", "hello");
    outbox.error({ code: "rate_limited", message: "", ref: "id-1", retry_after: 1 });
    outbox.discard("id-1");
    clock.advance(2000);
    assert.equal(wire.length, 1);
    assert.deepEqual(clock.pending(), []);
  });

  test("restored entries keep their client_id, time and failed state", () => {
    const failed = outbox.add("lobby", "old", { clientId: "kept", at: 42, failed: true });
    assert.equal(failed.state, "failed");
    assert.equal(failed.at, 42);
    assert.equal(wire.length, 0);
    const pending = outbox.add("lobby", "again", { clientId: "kept-2" });
    assert.equal(pending.state, "sent");
    assert.equal(wire[0]?.client_id, "kept-2");
  });

  test("failAll fails everything (the room is gone); every change is reported", () => {
    outbox.add("lobby", "one");
    outbox.add("lobby", "two");
    const before = changes;
    outbox.failAll();
    assert.deepEqual(
      outbox.entries().map((e) => e.state),
      ["failed", "failed"],
    );
    assert.equal(changes, before + 1);
  });
});

describe("stored sends (the page's sessionStorage)", () => {
  const hour = FAILED_TTL_MS;
  const stored = [
    { client_id: "a", room: "lobby", text: "pending", at: 1 },
    { client_id: "b", room: "lobby", text: "failed, fresh", failed: true, at: hour },
    { client_id: "c", room: "lobby", text: "failed, old", failed: true, at: 0 },
    { client_id: "d", room: "other", text: "elsewhere", at: 5 },
    { client_id: "e", room: "other", text: "old elsewhere", failed: true, at: 0 },
    { room: "lobby", text: "no client_id" },
    null,
    "junk",
  ];

  test("restorableSends: this room's well-formed ones, failed ones for an hour", () => {
    assert.deepEqual(
      restorableSends(stored, "lobby", hour + 1).map((s) => s.client_id),
      ["a", "b"],
    );
    assert.deepEqual(restorableSends({ not: "a list" }, "lobby", 0), []);
  });

  test("storedSends keeps other rooms' live ones and writes this room's entries", () => {
    const clock = new FakeClock();
    const outbox = new Outbox({
      send: () => false,
      newClientId: () => "new",
      timers: clock,
      now: () => 7,
    });
    outbox.add("lobby", "typed");
    outbox.add("lobby", "refused", { clientId: "x", failed: true });
    assert.deepEqual(storedSends(stored, "lobby", outbox.entries(), hour + 1), [
      { client_id: "d", room: "other", text: "elsewhere", at: 5 },
      { client_id: "new", room: "lobby", text: "typed", at: 7 },
      { client_id: "x", room: "lobby", text: "refused", at: 7, failed: true },
    ]);
  });
});
