import assert from "node:assert/strict";
import { beforeEach, describe, test } from "node:test";

import { ParleySocket, type ServerFrame, type SocketState } from "../src/index.js";
import { FakeClock, FakeWebSocket } from "./fakes.js";

describe("ParleySocket", () => {
  let clock: FakeClock;
  let online: boolean;
  let random: number;
  let states: SocketState[];
  let frames: ServerFrame[];
  let warnings: string[];
  let lastSeq: number;
  let socket: ParleySocket;

  beforeEach(() => {
    FakeWebSocket.reset();
    clock = new FakeClock();
    online = true;
    random = 0.999;
    states = [];
    frames = [];
    warnings = [];
    lastSeq = 0;
    socket = new ParleySocket({
      url: "ws://parley.test/ws/",
      WebSocket: FakeWebSocket,
      timers: clock,
      now: () => clock.now,
      random: () => random,
      isOnline: () => online,
      warn: (message) => warnings.push(message),
    });
    socket.on("state", (state) => states.push(state));
    socket.on("frame", (frame) => frames.push(frame));
  });

  function connect(): FakeWebSocket {
    socket.start();
    const ws = FakeWebSocket.last;
    ws.open();
    return ws;
  }

  test("subscribes to followed rooms on open, then emits open; states in order", () => {
    socket.follow("lobby", { after: () => lastSeq, ref: () => "subscribe" });
    socket.follow("other");
    const order: string[] = [];
    socket.on("open", () => order.push(`open after ${FakeWebSocket.last.sent.length} frames`));
    const ws = connect();
    assert.equal(ws.url, "ws://parley.test/ws/");
    assert.deepEqual(ws.sent, [
      { type: "subscribe", room: "lobby", after: 0, ref: "subscribe" },
      { type: "subscribe", room: "other" },
    ]);
    assert.deepEqual(order, ["open after 2 frames"]);
    assert.deepEqual(states, ["connecting", "open"]);
    assert.equal(socket.isOpen, true);
  });

  test("follow on an open socket subscribes at once; unfollow unsubscribes", () => {
    const ws = connect();
    assert.equal(socket.follow("late"), true);
    socket.unfollow("late");
    assert.deepEqual(ws.sent, [
      { type: "subscribe", room: "late" },
      { type: "unsubscribe", room: "late" },
    ]);
    assert.equal(socket.resubscribe("late"), false);
  });

  test("frames reach listeners parsed; one that is not JSON is ignored", () => {
    const ws = connect();
    ws.receive("not json");
    ws.receive({ type: "pong" });
    assert.deepEqual(frames, [{ type: "pong" }]);
    assert.equal(warnings.length, 1);
  });

  test("a room the user left is not followed any more, nor after a reconnect", () => {
    socket.follow("lobby");
    const ws = connect();
    ws.receive({ type: "subscribed", room: "lobby", last_seq: 3 });
    ws.receive({ type: "unsubscribed", room: "lobby", reason: "left" });
    assert.equal(socket.isSubscribed("lobby"), false);
    assert.equal(socket.resubscribe("lobby"), false);
  });

  test("isSubscribed is true once `subscribed` came on this socket", () => {
    socket.follow("lobby");
    const ws = connect();
    assert.equal(socket.isSubscribed("lobby"), false);
    ws.receive({ type: "subscribed", room: "lobby", last_seq: 3 });
    assert.equal(socket.isSubscribed("lobby"), true);
    ws.serverClose(1006);
    assert.equal(socket.isSubscribed("lobby"), false);
  });

  test("4000 resumes promptly on a new socket, with after = the last seq held", () => {
    socket.follow("lobby", { after: () => lastSeq });
    const ws = connect();
    lastSeq = 7;
    ws.serverClose(4000);
    assert.equal(states.at(-1), "closed");
    assert.ok((clock.pending()[0] ?? Infinity) < 250);
    clock.advance(250);
    assert.equal(FakeWebSocket.instances.length, 2);
    FakeWebSocket.last.open();
    assert.deepEqual(FakeWebSocket.last.sent, [{ type: "subscribe", room: "lobby", after: 7 }]);
  });

  test("1001 resumes within 1 s; 1013 waits out the first backoff (0.5 s)", () => {
    connect().serverClose(1001);
    assert.ok((clock.pending()[0] ?? Infinity) > 990 && (clock.pending()[0] ?? 0) < 1000);
    clock.advance(1000);
    FakeWebSocket.last.serverClose(1013); // never opened: the backoff grows
    assert.ok((clock.pending()[0] ?? Infinity) < 1000 && (clock.pending()[0] ?? 0) > 990);
  });

  test("4001 stops for good: sessionEnded, and no new socket ever", () => {
    let ended = 0;
    socket.on("sessionEnded", () => ended++);
    connect().serverClose(4001);
    assert.equal(ended, 1);
    clock.advance(3_600_000);
    assert.equal(FakeWebSocket.instances.length, 1);
    socket.online();
    assert.equal(FakeWebSocket.instances.length, 1);
  });

  test("failing handshakes back off 0.5 s, 1 s, 2 s … and ask for a sign-in check", () => {
    const refused: number[] = [];
    socket.on("refused", (attempt) => refused.push(attempt));
    socket.start();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      FakeWebSocket.last.serverClose(1006);
      const delay = clock.pending()[0] ?? Infinity;
      delays.push(Math.round(delay / random)); // the ceiling
      clock.advance(delay);
    }
    assert.deepEqual(delays, [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    assert.deepEqual(refused, [2, 3, 4, 5, 6, 7, 8]);
  });

  test("a socket that stayed open 10 s starts the backoff afresh; a short one does not", () => {
    socket.start();
    FakeWebSocket.last.serverClose(1006);
    clock.advance(500);
    FakeWebSocket.last.serverClose(1006);
    clock.advance(1000);
    FakeWebSocket.last.open();
    clock.advance(9_999);
    FakeWebSocket.last.serverClose(1006);
    assert.equal(Math.round((clock.pending()[0] ?? 0) / random), 2000); // attempt 2
    clock.advance(2000);
    FakeWebSocket.last.open();
    clock.advance(10_000);
    FakeWebSocket.last.serverClose(1006);
    assert.equal(Math.round((clock.pending()[0] ?? 0) / random), 500);
  });

  test("keepalive: a ping every 25 s; one unanswered for an interval reconnects", () => {
    socket.follow("lobby", { after: () => lastSeq });
    const ws = connect();
    clock.advance(25_000);
    assert.equal(ws.frames("ping").length, 1);
    ws.receive({ type: "pong" });
    clock.advance(25_000);
    assert.equal(ws.frames("ping").length, 2);
    assert.equal(ws.closedByClient, false);
    clock.advance(25_000); // no frame since the second ping
    assert.equal(ws.closedByClient, true);
    assert.equal(warnings.length, 1);
    clock.advance(500);
    assert.equal(FakeWebSocket.instances.length, 2);
    FakeWebSocket.last.open();
    assert.deepEqual(FakeWebSocket.last.frames("subscribe"), [
      { type: "subscribe", room: "lobby", after: 0 },
    ]);
  });

  test("offline drops the socket at once; online reconnects without a wait", () => {
    const ws = connect();
    online = false;
    socket.offline();
    assert.equal(ws.closedByClient, true);
    assert.equal(states.at(-1), "offline");
    assert.deepEqual(clock.pending(), []);
    online = true;
    socket.online();
    assert.equal(FakeWebSocket.instances.length, 2);
    assert.equal(states.at(-1), "connecting");
  });

  test("a close while the network is down waits for online(), not a timer", () => {
    const ws = connect();
    online = false;
    ws.serverClose(1006);
    assert.equal(states.at(-1), "offline");
    assert.deepEqual(clock.pending(), []);
  });

  test("restart from a frame listener: later listeners do not see that socket's frame", () => {
    const seen: string[] = [];
    socket.on("frame", () => {
      seen.push("first");
      socket.restart();
    });
    socket.on("frame", () => seen.push("second"));
    const ws = connect();
    ws.receive({ type: "pong" });
    assert.deepEqual(seen, ["first"]);
    assert.equal(ws.closedByClient, true);
    ws.serverClose(1000); // the dropped socket's late close is ignored
    assert.equal(clock.pending().length, 1);
  });

  test("a subscribe refused with rate_limited is sent again after retry_after", () => {
    socket.follow("lobby", { after: () => lastSeq, ref: () => "sub-lobby" });
    const ws = connect();
    lastSeq = 4;
    ws.receive({ type: "error", code: "rate_limited", message: "", ref: "sub-lobby", retry_after: 2 });
    assert.equal(frames.length, 1); // listeners see the error too
    clock.advance(1999);
    assert.equal(ws.frames("subscribe").length, 1);
    clock.advance(1);
    assert.deepEqual(ws.frames("subscribe").at(-1), {
      type: "subscribe",
      room: "lobby",
      after: 4,
      ref: "sub-lobby",
    });
    // Other refusals are the caller's to handle.
    ws.receive({ type: "error", code: "too_many_rooms", message: "", ref: "sub-lobby" });
    clock.advance(60_000);
    assert.equal(ws.frames("subscribe").length, 2);
  });

  test("send is refused (false) while no socket is open", () => {
    socket.start();
    assert.equal(socket.send({ type: "ping" }), false);
    FakeWebSocket.last.open();
    assert.equal(socket.send({ type: "ping" }), true);
  });

  test("stop closes the socket and cancels a scheduled reconnect", () => {
    connect().serverClose(1006);
    socket.stop();
    clock.advance(60_000);
    assert.equal(FakeWebSocket.instances.length, 1);
  });

  test("onFrame hands on the frames of one type, typed, until removed", () => {
    const seqs: number[] = [];
    const off = socket.onFrame("message", (message) => seqs.push(message.seq));
    // @ts-expect-error: a frame type the server never sends
    socket.onFrame("messages", () => {});
    // @ts-expect-error: an event the socket does not have
    socket.on("frames", () => {});
    const ws = connect();
    ws.receive({ type: "message", room: "lobby", seq: 1, text: "hi" });
    ws.receive({ type: "pong" });
    off();
    ws.receive({ type: "message", room: "lobby", seq: 2, text: "again" });
    assert.deepEqual(seqs, [1]);
  });
});

test("a socket made without a WebSocket class uses the host's, or says there is none", () => {
  const host = globalThis as { WebSocket?: unknown };
  const before = host.WebSocket;
  try {
    delete host.WebSocket;
    assert.throws(() => new ParleySocket({ url: "ws://parley.test/ws/" }), /no WebSocket/);
    host.WebSocket = FakeWebSocket;
    FakeWebSocket.reset();
    new ParleySocket({ url: "ws://parley.test/ws/" }).start();
    assert.equal(FakeWebSocket.last.url, "ws://parley.test/ws/");
  } finally {
    if (before === undefined) delete host.WebSocket;
    else host.WebSocket = before;
  }
});
