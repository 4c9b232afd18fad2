/** A small typed event emitter (the shape of centrifuge-js's `on`): an
 * event name that `Events` does not declare, or a listener of the wrong
 * shape, is a type error. */
export class Emitter<Events extends { [K in keyof Events]: (...args: never[]) => void }> {
  private listeners: { [K in keyof Events]?: Events[K][] } = {};

  /** Call `listener` on each `event`, in the order added; returns a
   * function that removes it. */
  on<K extends keyof Events>(event: K, listener: Events[K]): () => void {
    (this.listeners[event] ??= []).push(listener);
    return () => {
      const list = this.listeners[event];
      if (list) this.listeners[event] = list.filter((l) => l !== listener);
    };
  }

  /** Call the listeners of `event`; stop early when `proceed()` turns false
   * (e.g. a listener dropped the socket the event came from). */
  protected emit<K extends keyof Events>(
    event: K,
    args: Parameters<Events[K]>,
    proceed: () => boolean = () => true,
  ): void {
    for (const listener of this.listeners[event] ?? []) {
      (listener as (...a: Parameters<Events[K]>) => void)(...args);
      if (!proceed()) return;
    }
  }
}
