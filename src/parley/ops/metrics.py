"""Prometheus metrics of one server process, served at ``/metrics``.

Each process counts its own sockets and frames and serves them in
Prometheus' text format (with the client library's ``process_*`` metrics:
CPU, memory, open files); Prometheus scrapes each process and sums. Labels
are bounded: frame types only, never rooms or users.

The socket core records through the small functions below, so that it
names no metric object::

    from parley import metrics

    metrics.socket_opened()
    metrics.frame_received("send")

``/metrics`` answers only requests from the loopback interface (a
Prometheus on the same host, or a scrape through an SSH tunnel) unless
``PARLEY_METRICS_PUBLIC`` is true; see docs/deploy.md.
"""

import ipaddress
import logging

from django.http import HttpRequest, HttpResponse, JsonResponse
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    REGISTRY,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import CounterMetricFamily

from parley.conf import parley_settings
from parley.wire.errors import ErrorCode
from parley.wire.frames import ClientFrameType

logger = logging.getLogger(__name__)

# The label of a frame whose type is missing or unknown: a client cannot
# grow the label set by inventing types.
INVALID_FRAME_TYPE = "invalid"
FRAME_TYPES = frozenset(ClientFrameType)

CONNECTIONS = Gauge("parley_connections", "Open WebSocket connections.")
FRAMES_IN = Counter(
    "parley_frames_in", "Frames received from clients, by type.", ["type"]
)
FRAMES_OUT = Counter("parley_frames_out", "Frames written to sockets.")
LAYER_DROPS = Counter(
    "parley_layer_drops",
    "Events the channel layer lost, found missing and sent from the store.",
)
RESYNCS = Counter(
    "parley_resyncs",
    "Subscriptions answered with resync: the gap was too long to replay.",
)
SLOW_CONSUMERS = Counter(
    "parley_slow_consumers",
    "Sockets closed because they fell too far behind (close code 4000).",
)
FANOUT_SECONDS = Histogram(
    "parley_fanout_seconds",
    "From an event's arrival at the process to its last local socket write.",
    # Local fan-out is sub-millisecond when healthy; the top buckets catch
    # a blocked event loop.
    buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
)


def socket_opened() -> None:
    """Count an accepted WebSocket connection."""
    CONNECTIONS.inc()


def socket_closed() -> None:
    """Count a closed WebSocket connection (one that was counted open)."""
    CONNECTIONS.dec()


def frame_received(frame_type: object) -> None:
    """Count a client frame by its ``type``; unknown types count as invalid.

    Args:
        frame_type: the frame's ``type`` field as received (any JSON value).
    """
    valid = isinstance(frame_type, str) and frame_type in FRAME_TYPES
    FRAMES_IN.labels(type=frame_type if valid else INVALID_FRAME_TYPE).inc()


def frames_sent(count: int = 1) -> None:
    """Count ``count`` frames written to sockets (a fan-out writes many)."""
    FRAMES_OUT.inc(count)


def layer_dropped(count: int = 1) -> None:
    """Count ``count`` events the layer lost that were repaired from the store."""
    LAYER_DROPS.inc(count)


def resync_sent() -> None:
    """Count a ``subscribed`` answered with ``resync``."""
    RESYNCS.inc()


def slow_consumer_closed() -> None:
    """Count a socket closed for falling behind."""
    SLOW_CONSUMERS.inc()


def fanout_observed(seconds: float) -> None:
    """Record one event's local fan-out time, in seconds."""
    FANOUT_SECONDS.observe(seconds)


class DeliveryCollector:
    """Push and e-mail deliveries (``parley.services.delivery``), counted
    from the ``Delivery`` table at each scrape: workers, which serve no
    ``/metrics``, send most of them. The numbers are the whole
    deployment's, the same on every process: take one process' (``max``),
    do not sum them.

    - ``parley_deliveries_sent_total{channel}``
    - ``parley_deliveries_failed_total{channel}``: refused, or
      ``PARLEY_DELIVERY_MAX_ATTEMPTS`` temporary failures
    - ``parley_deliveries_retried_total{channel}``: attempts after a
      temporary failure (5xx, 429, SMTP 4xx, timeout)
    - ``parley_deliveries_expired_total{channel}``: dropped, not sent
      within ``PARLEY_DELIVERY_EXPIRY_SECS``
    """

    STATUSES = {
        "sent": "Pushes and e-mails sent.",
        "failed": "Pushes and e-mails that failed for good.",
        "expired": "Pushes and e-mails dropped as expired.",
    }

    def _families(self) -> dict[str, CounterMetricFamily]:
        families = {
            status: CounterMetricFamily(
                f"parley_deliveries_{status}", text, labels=["channel"]
            )
            for status, text in self.STATUSES.items()
        }
        families["retried"] = CounterMetricFamily(
            "parley_deliveries_retried",
            "Delivery attempts after a temporary failure.",
            labels=["channel"],
        )
        return families

    def describe(self) -> list[CounterMetricFamily]:
        """The metrics' names, without a query (at registration)."""
        return list(self._families().values())

    def collect(self) -> list[CounterMetricFamily]:
        """The counts, read now; none when the database cannot answer."""
        from django.db.models import Count, F, Sum

        from parley.models import Delivery

        families = self._families()
        try:
            done = Delivery.objects.filter(status__in=list(self.STATUSES))
            retried = Delivery.objects.filter(attempts__gt=1)
            totals = {
                (row["status"], row["channel"]): row["count"]
                for row in done.values("channel", "status").annotate(count=Count("id"))
            }
            # Every attempt but a delivery's first was a retry.
            for row in retried.values("channel").annotate(
                retries=Sum(F("attempts") - 1)
            ):
                totals["retried", row["channel"]] = row["retries"]
        except Exception:
            logger.warning("counting deliveries failed", exc_info=True)
            return []
        for channel in ("push", "email"):
            for status, family in families.items():
                family.add_metric([channel], totals.get((status, channel), 0))
        return list(families.values())


REGISTRY.register(DeliveryCollector())


def _is_loopback(address: str | None) -> bool:
    try:
        return address is not None and ipaddress.ip_address(address).is_loopback
    except ValueError:
        return False


def metrics_view(request: HttpRequest) -> HttpResponse:
    """``GET /metrics``: this process' metrics in Prometheus' text format.

    Returns 403 ``{code: "forbidden", message}`` to a client not on the
    loopback interface unless ``PARLEY_METRICS_PUBLIC`` is true. Behind a
    proxy, the client is the one named by ``X-Forwarded-For`` (the ASGI
    servers trust it from 127.0.0.1), so requests relayed by a local nginx
    are refused too.
    """
    if not parley_settings.METRICS_PUBLIC and not _is_loopback(
        request.META.get("REMOTE_ADDR")
    ):
        return JsonResponse(
            {
                "code": ErrorCode.FORBIDDEN,
                "message": "Metrics are served to the loopback interface only.",
            },
            status=403,
        )
    return HttpResponse(generate_latest(REGISTRY), content_type=CONTENT_TYPE_LATEST)
