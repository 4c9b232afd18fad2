/** Timers, injected so tests drive time with fakes (and pages pass the
 * window's). Delays in ms. */
export interface Timers {
  setTimeout(callback: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
  setInterval(callback: () => void, ms: number): unknown;
  clearInterval(handle: unknown): void;
}

/**
 * The host's own timers (a browser's `window`, Node's globals), looked up
 * at each call so that a fake clock installed later (a test's) is used.
 * Called through arrow functions: a browser's `setTimeout` called as a
 * method of another object throws "Illegal invocation".
 */
export function globalTimers(): Timers {
  const host = globalThis as unknown as Timers;
  return {
    setTimeout: (callback, ms) => host.setTimeout(callback, ms),
    clearTimeout: (handle) => host.clearTimeout(handle),
    setInterval: (callback, ms) => host.setInterval(callback, ms),
    clearInterval: (handle) => host.clearInterval(handle),
  };
}
