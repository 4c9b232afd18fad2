import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { ParleySocket, RoomFeed, type HistoryPage, type StoredMessage } from "../src/index.js";
import { FakeClock, FakeWebSocket } from "./fakes.js";

function message(seq: number, extra: object = {}) {
  return { type: "message", room: "lobby", seq, id: seq, text: `m${seq}`, author: "ann", ...extra };
}

describe("RoomFeed", () => {
  let clock: FakeClock;
  let socket: ParleySocket;
  let feed: RoomFeed;
  let heard: number[];
  let pages: Map<number, HistoryPage>;

  beforeEach(() => {
    FakeWebSocket.reset();
    clock = new FakeClock();
    socket = new ParleySocket({
      url: "ws://parley.test/ws/",
      WebSocket: FakeWebSocket,
      timers: clock,
      now: () => clock.now,
      random: () => 0,
    });
    pages = new Map();
    let ids = 0;
    feed = new RoomFeed({
      socket,
      room: "lobby",
      fetchPage: async (before) => pages.get(before) ?? { messages: [], next_before: null },
      newClientId: () => `c${++ids}`,
      timers: clock,
    });
    heard = [];
    feed.on("message", (m: StoredMessage) => heard.push(m.seq));
  });

  function connect(): FakeWebSocket {
    socket.start();
    const ws = FakeWebSocket.last;
    ws.open();
    return ws;
  }

  test("resumes after a drop: after = the last seq, each message once, in order", () => {
    let ws = connect();
    assert.deepEqual(ws.frames("subscribe"), [{ type: "subscribe", room: "lobby", ref: "feed:lobby" }]);
    ws.receive({ type: "subscribed", room: "lobby", last_seq: 3 });
    ws.receive(message(4));
    ws.receive(message(4)); // a duplicate
    ws.receive(message(6)); // 5 is missing: the replay brings it
    assert.deepEqual(ws.frames("subscribe").at(-1), {
      type: "subscribe",
      room: "lobby",
      after: 4,
      ref: "feed:lobby",
    });
    ws.receive({ type: "subscribed", room: "lobby", last_seq: 6 });
    ws.receive(message(5));
    ws.receive(message(6));
    ws.serverClose(4000);
    clock.advance(1000);
    ws = FakeWebSocket.last;
    ws.open();
    assert.equal(ws.frames("subscribe")[0]?.after, 6);
    ws.receive({ type: "subscribed", room: "lobby", last_seq: 7 });
    ws.receive(message(7));
    assert.deepEqual(heard, [4, 5, 6, 7]);
  });

  test("a send is queued while closed, resent with its client_id, acknowledged once", () => {
    const entry = feed.send("hello");
    const acks: string[] = [];
    feed.on("ack", (ack) => acks.push(ack.client_id));
    let ws = connect();
    assert.deepEqual(ws.frames("send"), [
      { type: "send", room: "lobby", text: "hello", client_id: entry.clientId },
    ]);
    ws.serverClose(1006);
    clock.advance(1000);
    ws = FakeWebSocket.last;
    ws.open();
    assert.equal(ws.frames("send")[0]?.client_id, entry.clientId);
    ws.receive({ type: "ack", room: "lobby", client_id: entry.clientId, seq: 1, id: 1, ts: "" });
    assert.deepEqual(acks, [entry.clientId]);
    assert.equal(feed.outbox.size, 0);
  });

  test("a resync is paged over HTTP; a refused send and subscribe are told", async () => {
    const errors: string[] = [];
    feed.on("error", (error) => errors.push(error.code));
    feed.on("refused", (entry, error) => errors.push(`${entry.text}: ${error.code}`));
    const ws = connect();
    ws.receive({ type: "subscribed", room: "lobby", last_seq: 1 });
    socket.resubscribe("lobby");
    pages.set(5, { messages: [message(4), message(3), message(2)] as never, next_before: 2 });
    ws.receive({ type: "subscribed", room: "lobby", last_seq: 4, resync: true });
    ws.receive(message(5));
    await new Promise((resolve) => setImmediate(resolve));
    assert.deepEqual(heard, [2, 3, 4, 5]);
    const entry = feed.send("x".repeat(5));
    ws.receive({ type: "error", code: "text_too_long", message: "", ref: entry.clientId });
    ws.receive({ type: "error", code: "room_not_found", message: "", ref: "feed:lobby" });
    assert.deepEqual(errors, ["xxxxx: text_too_long", "room_not_found"]);
    feed.close();
    assert.deepEqual(ws.frames("unsubscribe"), [{ type: "unsubscribe", room: "lobby" }]);
  });
});
