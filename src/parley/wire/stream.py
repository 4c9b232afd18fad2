"""``RoomStream``: one room's ``message`` frames in ``seq`` order, once. No I/O.

A room numbers its messages 1, 2, 3 ... with no gap (``docs/protocol.md``).
Whoever follows a room live (a server socket, the Python client, the page
through ``clients/js``) receives them from a channel layer that may drop,
repeat or reorder events, and reads the store to catch up. The rules are the
same everywhere, so they live here as a state machine fed with plain values,
as python-websockets' ``Protocol`` takes bytes in and gives events out:

- ``receive(seq, item)``: a live event. ``seq`` None (not a message:
  ``edited``, ``typing`` ...) is forwarded at once; the next ``seq`` is
  forwarded; one already delivered is dropped (a duplicate); one beyond the
  next reveals a gap: the stream starts holding and asks for a repair.
- ``head(last_seq)``: the store says the room's newest ``seq`` (a periodic
  check); if the stream is behind and not already repairing, it holds and
  asks for a repair up to it.
- ``hold()``: start holding (a subscribe reads the store).
- ``replayed(last_seq)``: the caller delivered the store's messages up to
  ``last_seq``; the held items are offered again in arrival order, and a
  further gap among them asks for another repair.

The TypeScript twin is ``clients/js/src/stream.ts``; both are tested on the
same cases.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Generic, TypeVar

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Gap:
    """Messages to read from the store: ``after < seq < before``."""

    after: int
    before: int

    @property
    def size(self) -> int:
        """How many messages the gap holds."""
        return self.before - self.after - 1


@dataclass(slots=True)
class Step(Generic[T]):
    """What the caller does after an input.

    Attributes:
        forward: items to deliver now, in this order.
        repair: a gap to fill from the store (then call ``replayed``), or
            None.
    """

    forward: list[T] = field(default_factory=list)
    repair: Gap | None = None


class RoomStream(Generic[T]):
    """The ``seq`` state of one followed room; see the module docstring.

    Args:
        last_seq: the highest ``seq`` already delivered (or known to the
            follower), 0 for none.
        holding: start holding items until ``replayed`` (a subscribe that
            is about to read the store).

    Attributes:
        last_seq: the highest ``seq`` delivered.
        held: items kept while holding, in arrival order; None when items
            flow straight through.
    """

    __slots__ = ("held", "last_seq")

    def __init__(self, last_seq: int = 0, *, holding: bool = False) -> None:
        self.last_seq = last_seq
        self.held: list[tuple[int | None, T]] | None = [] if holding else None

    @property
    def holding(self) -> bool:
        """Whether items are being held (the store is being read)."""
        return self.held is not None

    def hold(self) -> None:
        """Start holding items (no-op when already holding)."""
        if self.held is None:
            self.held = []

    def receive(self, seq: int | None, item: T) -> Step[T]:
        """A live item; ``seq`` None for frames that are not messages."""
        if self.held is not None:
            self.held.append((seq, item))
            return Step()
        if seq is None:
            return Step([item])
        if seq == self.last_seq + 1:
            self.last_seq = seq
            return Step([item])
        if seq <= self.last_seq:
            return Step()  # a duplicate
        self.held = [(seq, item)]
        return Step(repair=Gap(self.last_seq, seq))

    def head(self, last_seq: int) -> Step[T]:
        """The store's newest ``seq``; a repair if this stream is behind."""
        if self.held is not None or last_seq <= self.last_seq:
            return Step()
        self.held = []
        return Step(repair=Gap(self.last_seq, last_seq + 1))

    def replayed(self, last_seq: int) -> Step[T]:
        """The caller delivered the store's messages up to ``last_seq``.

        Returns:
            The held items now due, and a repair if they reveal a new gap
            (the items after it stay held).
        """
        self.last_seq = max(self.last_seq, last_seq)
        held, self.held = self.held or [], None
        step: Step[T] = Step()
        for index, (seq, item) in enumerate(held):
            next_step = self.receive(seq, item)
            step.forward.extend(next_step.forward)
            if next_step.repair is not None:
                assert self.held is not None
                self.held.extend(held[index + 1 :])
                step.repair = next_step.repair
                break
        return step

    def discard_held(self, predicate: Callable[[T], bool]) -> None:
        """Drop the held items for which ``predicate`` is true."""
        if self.held:
            self.held = [(seq, item) for seq, item in self.held if not predicate(item)]
