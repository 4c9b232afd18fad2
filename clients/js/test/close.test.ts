import assert from "node:assert/strict";
import { test } from "node:test";

import {
  BACKOFF_MAX_MS,
  CloseCode,
  STABLE_MS,
  attemptAfterOpen,
  backoffCeilingMs,
  decideClose,
} from "../src/index.js";

const almostOne = () => 0.999999;
const zero = () => 0;

test("4001 (session ended) stops: no reconnect, whatever the attempt", () => {
  for (const attempt of [0, 1, 7]) {
    assert.deepEqual(decideClose(CloseCode.SESSION_ENDED, attempt, almostOne), {
      action: "stop",
      reason: "session_ended",
    });
  }
});

test("4000 and 1001 reconnect promptly, with jitter below 250 ms and 1 s", () => {
  for (const [code, ceiling] of [
    [4000, 250],
    [1001, 1000],
  ] as const) {
    const high = decideClose(code, 0, almostOne);
    assert.equal(high.action, "reconnect");
    if (high.action !== "reconnect") return;
    assert.equal(high.prompt, true);
    assert.ok(high.delayMs < ceiling && high.delayMs > ceiling * 0.99, `${code}: ${high.delayMs}`);
    assert.equal(high.attempt, 1);
    const low = decideClose(code, 0, () => 0.5);
    assert.ok(low.action === "reconnect" && low.delayMs === ceiling / 2);
  }
});

test("a prompt code closing again at once (attempt > 0) gets the backoff", () => {
  const decision = decideClose(4000, 2, almostOne);
  assert.ok(decision.action === "reconnect");
  assert.equal(decision.prompt, false);
  assert.ok(decision.delayMs > 1999 && decision.delayMs < 2000);
});

test("4429, 1008, 1013, 1006 and a client-side restart wait out the backoff", () => {
  for (const code of [4429, 1008, 1013, 1006, 1000, 1011, null]) {
    const decision = decideClose(code, 0, almostOne);
    assert.ok(decision.action === "reconnect", String(code));
    assert.equal(decision.prompt, false);
    assert.ok(decision.delayMs < 500 && decision.delayMs > 499, `${code}: ${decision.delayMs}`);
  }
});

test("backoff: 0.5 s doubling per attempt, capped at 30 s", () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 6, 7, 20].map(backoffCeilingMs),
    [500, 1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000],
  );
});

test("full jitter: every delay is in [0, ceiling) and the attempt counts up", () => {
  let attempt = 0;
  for (let i = 0; i < 12; i++) {
    const ceiling = backoffCeilingMs(attempt);
    const low = decideClose(1006, attempt, zero);
    const high = decideClose(1006, attempt, almostOne);
    assert.ok(low.action === "reconnect" && high.action === "reconnect");
    assert.equal(low.delayMs, 0);
    assert.ok(high.delayMs < ceiling && high.delayMs <= BACKOFF_MAX_MS);
    attempt = high.attempt;
  }
  assert.equal(attempt, 12);
});

test("the backoff starts afresh only after a socket stayed open STABLE_MS", () => {
  assert.equal(attemptAfterOpen(5, STABLE_MS), 0);
  assert.equal(attemptAfterOpen(5, STABLE_MS - 1), 5);
  assert.equal(attemptAfterOpen(5, null), 5); // never opened
});
