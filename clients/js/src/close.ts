/**
 * What a client does when its socket closes: the close codes of
 * `docs/protocol.md` ("Close codes", "Resuming: what a client does", rule 5)
 * and the reconnect backoff. The Python twin is `parley.wire.reconnect`
 * (used by `parley.client`), with the same numbers.
 *
 * @packageDocumentation
 */

/** The close codes Parley's server uses (`parley.wire.frames.CloseCode`). */
export const CloseCode = {
  NORMAL: 1000,
  /** The server is going away (restart, deploy): resume promptly. */
  GOING_AWAY: 1001,
  /** A binary frame: Parley's frames are JSON text. */
  UNSUPPORTED_DATA: 1003,
  /** Went on sending after `rate_limited` refusals. */
  POLICY_VIOLATION: 1008,
  /** A frame over `PARLEY_WS_MAX_FRAME_BYTES`. */
  MESSAGE_TOO_BIG: 1009,
  /** Internal error, or a keepalive ping went unanswered. */
  INTERNAL_ERROR: 1011,
  /** Try again later: the channel layer failed under this socket. */
  TRY_AGAIN_LATER: 1013,
  /** Resume: the socket fell behind and was dropped; nothing is lost. */
  RESUME: 4000,
  /** The socket's sign-in ended: never reconnect with the same credentials. */
  SESSION_ENDED: 4001,
  /** The user has too many sockets open on this server process. */
  TOO_MANY_SOCKETS: 4429,
} as const;

/** The first backoff ceiling, in ms: 0.5 s doubling per attempt in a row. */
export const BACKOFF_BASE_MS = 500;
/** The largest backoff ceiling, in ms (30 s). */
export const BACKOFF_MAX_MS = 30_000;
/**
 * A socket that stayed open this long (ms) was healthy: its loss starts the
 * backoff afresh. Resetting on a mere `open` would let a server that accepts
 * and then closes at once be hammered.
 */
export const STABLE_MS = 10_000;
/**
 * Close codes after which the server wants the client back at once, and the
 * ceiling (ms) of the random wait before reconnecting: 4000 (resume, this
 * socket fell behind) 250 ms; 1001 (going away: the server restarts, so its
 * clients spread out) 1 s. Any other close, 1013 included, waits out the
 * backoff.
 */
export const PROMPT_JITTER_MS: Readonly<Record<number, number>> = {
  [CloseCode.RESUME]: 250,
  [CloseCode.GOING_AWAY]: 1000,
};

/** What to do after a close: stop for good, or reconnect after `delayMs`. */
export type CloseDecision =
  | { readonly action: "stop"; readonly reason: "session_ended" }
  | {
      readonly action: "reconnect";
      /** The wait before the next attempt, in ms. */
      readonly delayMs: number;
      /** True when the code asked for a prompt reconnect (4000, 1001). */
      readonly prompt: boolean;
      /** The attempt count to keep for the next close. */
      readonly attempt: number;
    };

/**
 * The backoff ceiling in ms for the `attempt`-th reconnect in a row
 * (0-based): `min(30 s, 0.5 s × 2^attempt)`.
 */
export function backoffCeilingMs(attempt: number): number {
  return Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** Math.max(0, attempt));
}

/**
 * Decide what follows a close.
 *
 * - 4001 (session ended): stop; the caller signs in again.
 * - 4000 or 1001 as the first close in a row (`attempt` 0): reconnect after
 *   a random wait below `PROMPT_JITTER_MS[code]`. A server that keeps closing
 *   sockets at once gets the backoff instead.
 * - anything else, or `code` null (the client gave up on the socket itself:
 *   an unanswered ping, a failed subscribe): reconnect after a delay drawn
 *   uniformly from `[0, backoffCeilingMs(attempt))` ("full jitter", AWS
 *   Architecture Blog, "Exponential Backoff And Jitter", 2015).
 *
 * @param code the close code, or null
 * @param attempt reconnects in a row so far (see {@link attemptAfterOpen})
 * @param random a number in [0, 1), `Math.random` in production
 */
export function decideClose(
  code: number | null,
  attempt: number,
  random: () => number,
): CloseDecision {
  if (code === CloseCode.SESSION_ENDED) return { action: "stop", reason: "session_ended" };
  const prompt = attempt === 0 && code !== null && code in PROMPT_JITTER_MS;
  const ceiling = prompt ? (PROMPT_JITTER_MS[code as number] as number) : backoffCeilingMs(attempt);
  return { action: "reconnect", delayMs: random() * ceiling, prompt, attempt: attempt + 1 };
}

/**
 * The attempt count once a socket that opened has closed: 0 if it stayed
 * open at least {@link STABLE_MS}, else unchanged.
 *
 * @param attempt the count before this socket
 * @param openForMs how long the socket was open, in ms; null if it never
 *   opened (a refused or failed handshake)
 */
export function attemptAfterOpen(attempt: number, openForMs: number | null): number {
  return openForMs !== null && openForMs >= STABLE_MS ? 0 : attempt;
}

/** Whether close `code` means the sign-in ended (4001): do not reconnect. */
export function endsSession(code: number | null): boolean {
  return code === CloseCode.SESSION_ENDED;
}
