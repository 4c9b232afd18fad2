"""Operations on real servers: /healthz, /metrics, and a TLS proxy's scheme."""

import asyncio
import signal

import httpx
import pytest

from tests.support.engines import PostgresServer
from tests.support.servers import (
    HEALTHY,
    PASSWORD,
    ParleyServer,
    User,
    healthz,
    recv_type,
    send,
    subscribe,
)

# A hung part answers "timeout" after this many seconds (the setting).
HEALTH_TIMEOUT_SECS = "1"


def test_a_healthy_server_says_so_without_sign_in(server: ParleyServer):
    assert healthz(server) == (200, HEALTHY)


def test_a_hung_channel_layer_makes_the_server_unhealthy_until_it_answers(
    tmp_path, redis_server
):
    """Redis stopped (SIGSTOP) does not answer: 503 within the timeout,
    and 200 again once it runs."""
    env = {
        "CHANNEL_LAYER_URL": redis_server.url,
        "PARLEY_HEALTH_TIMEOUT_SECS": HEALTH_TIMEOUT_SECS,
    }
    parley = ParleyServer(tmp_path, env).start()
    try:
        assert healthz(parley) == (200, HEALTHY)
        redis_server.process.send_signal(signal.SIGSTOP)
        try:
            assert healthz(parley) == (
                503,
                {"status": "error", "database": "ok", "channel_layer": "timeout"},
            )
        finally:
            redis_server.process.send_signal(signal.SIGCONT)
        assert healthz(parley) == (200, HEALTHY)
    finally:
        parley.stop()


def test_a_hung_database_makes_the_server_unhealthy_until_it_answers(tmp_path):
    """PostgreSQL's postmaster stopped (SIGSTOP) accepts no new connection:
    503 within the timeout, and 200 again once it runs."""
    postgres = PostgresServer().start()
    try:
        env = {
            "DATABASE_URL": postgres.create_database("health"),
            "PARLEY_HEALTH_TIMEOUT_SECS": HEALTH_TIMEOUT_SECS,
        }
        parley = ParleyServer(tmp_path, env).start()
        try:
            assert healthz(parley) == (200, HEALTHY)
            postgres.process.send_signal(signal.SIGSTOP)
            try:
                for _ in range(2):  # a second check while the first probe hangs
                    assert healthz(parley) == (
                        503,
                        {
                            "status": "error",
                            "database": "timeout",
                            "channel_layer": "ok",
                        },
                    )
            finally:
                postgres.process.send_signal(signal.SIGCONT)
            assert healthz(parley) == (200, HEALTHY)
        finally:
            parley.stop()
    finally:
        postgres.stop()


def test_metrics_are_served_to_loopback_in_prometheus_text_format(
    server: ParleyServer,
):
    response = httpx.get(server.base_url + "/metrics")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=")
    for name in (
        "parley_connections",
        "parley_frames_out_total",
        "parley_layer_drops_total",
        "parley_resyncs_total",
        "parley_slow_consumers_total",
        "parley_fanout_seconds_bucket",
        "process_resident_memory_bytes",
    ):
        assert f"\n{name}" in response.text, name


def test_metrics_relayed_by_a_proxy_for_an_outside_client_are_refused(
    server: ParleyServer,
):
    """A local nginx forwards the client's address; the server trusts it
    from 127.0.0.1, so the outside client is refused."""
    response = httpx.get(
        server.base_url + "/metrics", headers={"X-Forwarded-For": "203.0.113.7"}
    )
    assert response.status_code == 403
    assert response.json()["code"] == "forbidden"


@pytest.mark.parametrize(("proto", "status"), [("https", 302), (None, 403)])
def test_behind_a_tls_proxy_django_sees_https_from_x_forwarded_proto(
    server: ParleyServer, proto, status
):
    """A sign-up posted from an https page through a local TLS proxy passes
    Django's CSRF origin check with no CSRF_TRUSTED_ORIGINS: the server
    takes the scheme from the proxy's X-Forwarded-Proto. Without it, the
    https origin does not match and the post is refused."""
    origin = f"https://127.0.0.1:{server.port}"
    headers = {"X-Forwarded-Proto": proto} if proto else {}
    with httpx.Client(base_url=server.base_url, headers=headers) as http:
        http.get("/accounts/signup/").raise_for_status()
        response = http.post(
            "/accounts/signup/",
            data={
                "username": f"proxied{status}",
                "password1": PASSWORD,
                "password2": PASSWORD,
                "csrfmiddlewaretoken": http.cookies["csrftoken"],
            },
            headers={"Origin": origin, "Referer": origin + "/accounts/signup/"},
        )
    assert response.status_code == status


def metric(server: ParleyServer, sample: str) -> float:
    """The value of one sample line of ``server``'s /metrics (0 if absent)."""
    body = httpx.get(server.base_url + "/metrics").text
    for line in body.splitlines():
        if line.startswith(sample + " "):
            return float(line.split()[-1])
    return 0.0


async def test_a_live_server_counts_its_sockets_and_frames(tmp_path):
    parley = ParleyServer(tmp_path).start()
    try:
        user = User.sign_up(parley, "counted")
        async with await user.connect() as ws:
            await subscribe(ws, "counted")
            await send(ws, type="send", room="counted", text="hi", client_id="1")
            await recv_type(ws, "message")
            await ws.send("not json")
            await recv_type(ws, "error")
            assert metric(parley, "parley_connections") == 1
            for frame_type, count in (("subscribe", 1), ("send", 1), ("invalid", 1)):
                sample = f'parley_frames_in_total{{type="{frame_type}"}}'
                assert metric(parley, sample) == count, frame_type
            # subscribed, ack, message, error at least.
            assert metric(parley, "parley_frames_out_total") >= 4
        for _ in range(200):  # the server notices the close soon after
            if metric(parley, "parley_connections") == 0:
                break
            await asyncio.sleep(0.05)
        assert metric(parley, "parley_connections") == 0
    finally:
        parley.stop()
