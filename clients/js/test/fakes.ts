// Fakes for the injected parts: a virtual clock with timers, and a
// WebSocket class whose instances the test opens, feeds and closes.
import type { Timers, WebSocketLike } from "../src/index.js";

interface Timer {
  id: number;
  at: number;
  every: number | null;
  callback: () => void;
}

/** Timers on a virtual clock: nothing runs until `advance(ms)`. */
export class FakeClock implements Timers {
  now = 0;
  private nextId = 1;
  private timers = new Map<number, Timer>();

  setTimeout(callback: () => void, ms: number): number {
    return this.add(callback, ms, null);
  }
  setInterval(callback: () => void, ms: number): number {
    return this.add(callback, ms, ms);
  }
  clearTimeout(handle: unknown): void {
    this.timers.delete(handle as number);
  }
  clearInterval(handle: unknown): void {
    this.timers.delete(handle as number);
  }

  /** Delays of the timers waiting now, soonest first, in ms from now. */
  pending(): number[] {
    return [...this.timers.values()].map((t) => t.at - this.now).sort((a, b) => a - b);
  }

  /** Move the clock on by `ms`, running each timer due, in time order. */
  advance(ms: number): void {
    const end = this.now + ms;
    for (;;) {
      const due = [...this.timers.values()]
        .filter((t) => t.at <= end)
        .sort((a, b) => a.at - b.at || a.id - b.id)[0];
      if (due === undefined) break;
      this.now = due.at;
      if (due.every === null) this.timers.delete(due.id);
      else due.at += due.every;
      due.callback();
    }
    this.now = end;
  }

  private add(callback: () => void, ms: number, every: number | null): number {
    const id = this.nextId++;
    this.timers.set(id, { id, at: this.now + Math.max(0, ms), every, callback });
    return id;
  }
}

/** A WebSocket the test drives; every instance is kept in `instances`. */
export class FakeWebSocket implements WebSocketLike {
  static instances: FakeWebSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  closedByClient = false;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason?: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {
    FakeWebSocket.instances.push(this);
  }

  static reset(): void {
    FakeWebSocket.instances = [];
  }

  static get last(): FakeWebSocket {
    const socket = FakeWebSocket.instances.at(-1);
    if (socket === undefined) throw new Error("no socket was opened");
    return socket;
  }

  send(data: string): void {
    if (this.readyState !== 1) throw new Error("send on a socket that is not open");
    this.sent.push(JSON.parse(data) as Record<string, unknown>);
  }

  close(): void {
    this.closedByClient = true;
    this.readyState = 3;
  }

  // The server's side:
  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }
  receive(frame: object | string): void {
    this.onmessage?.({ data: typeof frame === "string" ? frame : JSON.stringify(frame) });
  }
  serverClose(code: number): void {
    this.readyState = 3;
    this.onclose?.({ code });
  }

  /** The frames of `type` this socket sent. */
  frames(type: string): Record<string, unknown>[] {
    return this.sent.filter((frame) => frame.type === type);
  }
}
