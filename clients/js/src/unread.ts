/**
 * A room's unread count from the frames of a socket that follows it without
 * `after` (`docs/protocol.md`, "Read state and unread counts"): `subscribed`
 * carries the exact count, each later `message` from someone else adds one,
 * a `deleted` one counted here takes one off, and the user frame `read`
 * (from any tab of this user) sets the exact count again. Counting costs no
 * HTTP request per message and is corrected by the server at every
 * (re)subscribe and read.
 *
 * @packageDocumentation
 */

import type {
  DeletedFrame,
  MessageFrame,
  ReadNoticeFrame,
  SubscribedFrame,
} from "./frames.js";

export class UnreadCount {
  /** The count now, never below 0. */
  unread: number;
  private readSeq = 0;
  private seenSeq = 0;
  private readonly counted = new Set<number>(); // seqs counted since subscribed

  /**
   * @param user the signed-in user's name: their own messages do not count
   * @param unread the count to start from (the page's server-rendered one)
   */
  constructor(
    private readonly user: string | null,
    unread = 0,
  ) {
    this.unread = Math.max(0, unread);
  }

  /** `subscribed`: the server's count and the room's newest seq. */
  subscribed(frame: Pick<SubscribedFrame, "last_seq" | "read_seq" | "unread">): number {
    this.readSeq = frame.read_seq ?? this.readSeq;
    this.seenSeq = frame.last_seq;
    this.counted.clear();
    return this.set(frame.unread ?? this.unread);
  }

  /** A `message`: one more unread if it is new, someone else's, not
   * deleted and after the read position. Duplicates count once. */
  message(frame: Pick<MessageFrame, "seq" | "author" | "deleted">): number {
    if (frame.seq <= this.seenSeq) return this.unread;
    this.seenSeq = frame.seq;
    if (frame.author !== this.user && !frame.deleted && frame.seq > this.readSeq) {
      this.counted.add(frame.seq);
      this.set(this.unread + 1);
    }
    return this.unread;
  }

  /** `deleted`: one fewer if this count included it. */
  deleted(frame: Pick<DeletedFrame, "seq">): number {
    if (this.counted.delete(frame.seq)) this.set(this.unread - 1);
    return this.unread;
  }

  /** The user frame `read`: the server's exact count. */
  read(frame: Pick<ReadNoticeFrame, "seq" | "unread">): number {
    this.readSeq = Math.max(this.readSeq, frame.seq);
    for (const seq of this.counted) if (seq <= this.readSeq) this.counted.delete(seq);
    return this.set(frame.unread);
  }

  private set(unread: number): number {
    this.unread = Math.max(0, unread);
    return this.unread;
  }
}
