/**
 * RoomStream: one room's `seq` state machine. It decides, for each event of
 * a room, whether to forward it (in order), drop it (a duplicate) or hold it
 * while a gap is repaired from the store. The server's hub runs the same
 * machine (`parley/wire/stream.py`, snake_case names); the two must stay
 * identical in behaviour.
 *
 * Messages of a room are numbered 1, 2, 3 … with no gap (`docs/protocol.md`,
 * "Sequence numbers, replay and resync").
 *
 * @packageDocumentation
 */

/** Messages with `after < seq < before` are missing: fetch them. */
export interface Gap {
  readonly after: number;
  readonly before: number;
}

/** What the caller does next: deliver `forward` in order, then repair. */
export interface Step<T> {
  readonly forward: T[];
  readonly repair: Gap | null;
}

/** A room's seq bookkeeping: forward, hold, or repair. */
export class RoomStream<T> {
  /** The highest seq delivered (or known when subscribed). */
  lastSeq: number;
  /** While true, received items are kept, in arrival order. */
  holding: boolean;
  private held: { seq: number | null; item: T }[] = [];

  /**
   * @param lastSeq the seq already held (0: none)
   * @param holding start holding (a repair is under way)
   */
  constructor(lastSeq = 0, holding = false) {
    this.lastSeq = lastSeq;
    this.holding = holding;
  }

  /** Items kept while holding, in arrival order. */
  get heldItems(): readonly T[] {
    return this.held.map((entry) => entry.item);
  }

  /**
   * One event of the room.
   *
   * @param seq the message's seq; null for an event that is not a message
   *   (edited, deleted, typing): forwarded as it comes unless holding
   */
  receive(seq: number | null, item: T): Step<T> {
    if (this.holding) {
      this.held.push({ seq, item });
      return step([], null);
    }
    if (seq === null) return step([item], null);
    if (seq === this.lastSeq + 1) {
      this.lastSeq = seq;
      return step([item], null);
    }
    if (seq <= this.lastSeq) return step([], null); // a duplicate
    this.holding = true;
    this.held.push({ seq, item });
    return step([], { after: this.lastSeq, before: seq });
  }

  /**
   * The store's newest seq is `lastSeq` (the periodic check, or
   * `subscribed`): if it is ahead and nothing is being repaired, start
   * holding and repair up to it.
   */
  head(lastSeq: number): Step<T> {
    if (this.holding || lastSeq <= this.lastSeq) return step([], null);
    this.holding = true;
    return step([], { after: this.lastSeq, before: lastSeq + 1 });
  }

  /** Start holding (re-subscribing while following). */
  hold(): void {
    this.holding = true;
  }

  /**
   * The caller delivered the store's messages up to `lastSeq`: advance,
   * stop holding and re-offer each held item in order through `receive()`.
   * If a new gap appears, the rest stays held and the step carries that
   * repair.
   */
  replayed(lastSeq: number): Step<T> {
    this.lastSeq = Math.max(this.lastSeq, lastSeq);
    this.holding = false;
    const held = this.held;
    this.held = [];
    const forward: T[] = [];
    for (let i = 0; i < held.length; i++) {
      const entry = held[i] as { seq: number | null; item: T };
      const next = this.receive(entry.seq, entry.item);
      forward.push(...next.forward);
      if (next.repair !== null) {
        // receive() kept this item; the rest stays held behind it.
        this.held.push(...held.slice(i + 1));
        return step(forward, next.repair);
      }
    }
    return step(forward, null);
  }

  /** Drop the held items `predicate` matches (ones a replay brings again). */
  discardHeld(predicate: (item: T) => boolean): void {
    this.held = this.held.filter((entry) => !predicate(entry.item));
  }
}

function step<T>(forward: T[], repair: Gap | null): Step<T> {
  return { forward, repair };
}
