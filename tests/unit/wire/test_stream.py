"""``RoomStream`` on plain values: whatever the channel layer does to the
live events, a follower delivers each message once, in ``seq`` order."""

from hypothesis import given
from hypothesis import strategies as st

from parley.wire.stream import Gap, RoomStream, Step


def drive(stream: RoomStream[int], step: Step[int], delivered: list[int]) -> None:
    """Do what a follower does with a step: deliver, and fill each gap from
    a store that holds every message."""
    while True:
        delivered.extend(step.forward)
        if step.repair is None:
            return
        delivered.extend(range(step.repair.after + 1, step.repair.before))
        step = stream.replayed(step.repair.before - 1)


@st.composite
def deliveries(draw):
    """Messages 1..last as the layer hands them over: some dropped, some
    twice, in any order."""
    last = draw(st.integers(0, 12))
    arrived = []
    for seq in range(1, last + 1):
        arrived.extend([seq] * draw(st.sampled_from([0, 1, 1, 1, 2])))
    return last, draw(st.permutations(arrived))


@given(deliveries(), st.integers(0, 12), st.booleans())
def test_every_message_once_in_order_whatever_the_layer_does(
    delivery, start, subscribing
):
    last, arrived = delivery
    start = min(start, last)
    stream: RoomStream[int] = RoomStream(start, holding=subscribing)
    delivered: list[int] = []
    if subscribing:
        # Events arrive while the subscribe reads the store: all are held.
        for seq in arrived[: len(arrived) // 2]:
            drive(stream, stream.receive(seq, seq), delivered)
        assert delivered == []
        drive(stream, stream.replayed(start), delivered)
        arrived = arrived[len(arrived) // 2 :]
    for seq in arrived:
        drive(stream, stream.receive(seq, seq), delivered)
    # The periodic check reports the store's head.
    drive(stream, stream.head(last), delivered)
    assert delivered == list(range(start + 1, last + 1))
    assert stream.last_seq == max(start, last)
    assert not stream.holding


def test_frames_that_are_not_messages_pass_at_once():
    stream: RoomStream[str] = RoomStream(3)
    assert stream.receive(None, "typing").forward == ["typing"]
    assert stream.last_seq == 3


def test_the_next_message_passes_and_a_repeat_is_dropped():
    stream: RoomStream[str] = RoomStream(3)
    assert stream.receive(4, "four") == Step(["four"])
    assert stream.receive(4, "four again") == Step()
    assert stream.receive(2, "two") == Step()
    assert stream.last_seq == 4


def test_a_gap_asks_for_its_repair_and_holds_what_follows():
    stream: RoomStream[str] = RoomStream(3)
    assert stream.receive(6, "six") == Step(repair=Gap(3, 6))
    assert stream.holding
    assert stream.receive(7, "seven") == Step()
    assert stream.receive(None, "edited") == Step()
    # The caller sent 4 and 5 from the store.
    assert stream.replayed(5) == Step(["six", "seven", "edited"])
    assert stream.last_seq == 7


def test_a_second_gap_among_the_held_items_asks_again():
    stream: RoomStream[str] = RoomStream(0)
    assert stream.receive(2, "two").repair == Gap(0, 2)
    stream.receive(5, "five")
    stream.receive(6, "six")
    assert stream.replayed(1) == Step(["two"], repair=Gap(2, 5))
    assert stream.replayed(4) == Step(["five", "six"])


def test_a_subscribe_holds_until_the_replay_then_drops_what_it_replayed():
    stream: RoomStream[str] = RoomStream(holding=True)
    stream.receive(1, "one")
    stream.receive(2, "two")
    # The replay read the store up to 1 and sent it.
    assert stream.replayed(1) == Step(["two"])


def test_the_check_asks_for_what_no_event_brought():
    stream: RoomStream[str] = RoomStream(2)
    assert stream.head(2) == Step()
    assert stream.head(5) == Step(repair=Gap(2, 6))
    # While a repair is under way, a second check asks nothing more.
    assert stream.head(6) == Step()


def test_held_items_can_be_discarded():
    stream: RoomStream[str] = RoomStream(holding=True)
    stream.receive(None, "presence")
    stream.receive(1, "one")
    stream.discard_held(lambda item: item == "presence")
    assert stream.replayed(0) == Step(["one"])


def test_a_gap_counts_its_missing_messages():
    assert Gap(3, 6).size == 2
    assert Gap(0, 1).size == 0
