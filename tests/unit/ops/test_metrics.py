"""/metrics and its counters, through Django's test client
(``parley.ops.metrics``); ``tests/live/test_ops.py`` reads them from real servers."""

from django.test import Client

from parley.ops import metrics


def test_metrics_can_be_made_public(settings):
    client = Client(REMOTE_ADDR="203.0.113.7")
    assert client.get("/metrics").status_code == 403
    settings.PARLEY_METRICS_PUBLIC = True
    assert client.get("/metrics").status_code == 200


def test_frame_type_labels_stay_bounded_whatever_clients_send():
    """Only the protocol's frame types become labels; anything else,
    including non-strings, counts as "invalid"."""
    for frame_type in ["send", "ping", "x" * 50, "room.42", None, ["send"], {"a": 1}]:
        metrics.frame_received(frame_type)
    labels = {
        sample.labels["type"]
        for family in metrics.FRAMES_IN.collect()
        for sample in family.samples
    }
    assert labels <= {*metrics.FRAME_TYPES, "invalid"}
    assert {"send", "ping", "invalid"} <= labels
    body = Client().get("/metrics").content.decode()
    assert 'parley_frames_in_total{type="send"}' in body


def test_fanout_time_and_counters_reach_the_metrics_page():
    before = Client().get("/metrics").content.decode()
    metrics.socket_opened()
    metrics.frames_sent(3)
    metrics.fanout_observed(0.002)
    after = Client().get("/metrics").content.decode()
    metrics.socket_closed()

    def value(body: str, name: str) -> float:
        line = next(line for line in body.splitlines() if line.startswith(name + " "))
        return float(line.split()[-1])

    assert value(after, "parley_connections") == value(before, "parley_connections") + 1
    assert (
        value(after, "parley_frames_out_total")
        == value(before, "parley_frames_out_total") + 3
    )
    assert (
        value(after, 'parley_fanout_seconds_bucket{le="0.0025"}')
        == value(before, 'parley_fanout_seconds_bucket{le="0.0025"}') + 1
    )


def test_deliveries_are_counted_from_the_table(django_user_model, db):
    """Sent, failed, retried (attempts after the first) and expired, by
    channel, whichever process (a worker) did the work."""
    from django.utils import timezone

    from parley.models import Delivery

    ann = django_user_model.objects.create_user("ann")
    now = timezone.now()
    for n, (channel, status, attempts) in enumerate(
        [
            ("push", "sent", 1),
            ("push", "sent", 3),
            ("push", "failed", 5),
            ("email", "expired", 0),
            ("email", "pending", 2),
        ]
    ):
        Delivery.objects.create(
            user=ann,
            channel=channel,
            ref=f"message:{n}",
            status=status,
            attempts=attempts,
            due_at=now,
        )
    body = Client().get("/metrics").content.decode()
    for line in (
        'parley_deliveries_sent_total{channel="push"} 2.0',
        'parley_deliveries_failed_total{channel="push"} 1.0',
        'parley_deliveries_retried_total{channel="push"} 6.0',
        'parley_deliveries_retried_total{channel="email"} 1.0',
        'parley_deliveries_expired_total{channel="email"} 1.0',
        'parley_deliveries_sent_total{channel="email"} 0.0',
    ):
        assert line in body, line
