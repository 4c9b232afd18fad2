/**
 * A message's reaction counts kept up to date from `reaction` frames
 * (`docs/protocol.md`, "Reactions"). No DOM.
 *
 * @packageDocumentation
 */

import type { ReactionCount, ReactionFrame } from "./frames.js";

/**
 * The counts after `frame`, a `reaction` frame about the same message.
 *
 * The frame's `count` is the server's, so a frame is applied as a fact,
 * not an increment: two tabs' frames about one toggle leave one count.
 * An emoji whose count reaches 0 is dropped; a new one goes last (the
 * server orders emoji by first use).
 *
 * @param counts the message's `reactions` as last shown
 * @param frame the `reaction` frame
 * @param me the username of this page's user: `me` follows the frame
 *   when `frame.user` is this user, and stays as it was otherwise
 * @returns new counts; `counts` is not changed
 */
export function applyReaction(
  counts: readonly ReactionCount[],
  frame: Pick<ReactionFrame, "emoji" | "count" | "user" | "on">,
  me: string,
): ReactionCount[] {
  const mine = frame.user === me;
  const next: ReactionCount[] = [];
  let seen = false;
  for (const entry of counts) {
    if (entry.emoji !== frame.emoji) {
      next.push({ ...entry });
      continue;
    }
    seen = true;
    if (frame.count > 0) {
      next.push({ emoji: entry.emoji, count: frame.count, me: mine ? frame.on : entry.me });
    }
  }
  if (!seen && frame.count > 0) {
    next.push({ emoji: frame.emoji, count: frame.count, me: mine && frame.on });
  }
  return next;
}
