"""Attachments on S3: django-storages' S3 backend, configured by settings
alone, against moto's S3 server (``moto_server``) on loopback. The files
land in the bucket, not on disk; members download them, others get 404."""

import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import boto3
import pytest

from tests.support.images import picture
from tests.support.s3_settings import S3_BUCKET
from tests.support.servers import (
    ParleyServer,
    User,
    client_for,
    free_port,
    missing_service,
    take,
    unique,
    wait_for_port,
)


@pytest.fixture(scope="module")
def s3_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    binary = shutil.which("moto_server", path=os.path.dirname(sys.executable))
    if binary is None:
        missing_service("moto_server is not installed (pip install 'moto[server]')")
    port = free_port()
    log = tmp_path_factory.mktemp("moto") / "moto.log"
    with open(log, "ab") as out:
        process = subprocess.Popen(
            [binary, "-H", "127.0.0.1", "-p", str(port)],
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}"
    finally:
        process.terminate()
        process.wait(10)


def bucket(url: str):
    return boto3.resource(
        "s3",
        endpoint_url=url,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
        region_name="us-east-1",
    ).Bucket(S3_BUCKET)


@pytest.fixture(scope="module")
def s3_server(s3_url: str, tmp_path_factory: pytest.TempPathFactory):
    bucket(s3_url).create()
    data_dir: Path = tmp_path_factory.mktemp("s3-parley")
    parley = ParleyServer(
        data_dir,
        env={
            "DJANGO_SETTINGS_MODULE": "tests.support.s3_settings",
            "PARLEY_TEST_S3_URL": s3_url,
        },
    ).start()
    yield parley
    parley.stop()


async def test_files_go_to_the_bucket_and_come_back_to_members_only(
    s3_server: ParleyServer, s3_url: str
):
    alice = User.sign_up(s3_server, unique("alice"))
    bob = User.sign_up(s3_server, unique("bob"))
    with alice.http() as http:
        made = http.post("/api/rooms", json={"title": unique("s3"), "kind": "private"})
        room = made.json()["slug"]
    png = picture((500, 400))
    async with client_for(alice) as client:
        await client.subscribe(room)
        file = await client.upload(room, "chart.png", png)
        await client.send(room, "on S3", attachments=[file["id"]])
        (message,) = await take(client, 1)
        (sent,) = message.attachments
        assert await client.download(sent["url"]) == png
        assert (await client.download(sent["thumb_url"]))[8:12] == b"WEBP"
    stored = sorted(o.key for o in bucket(s3_url).objects.all())
    assert len(stored) == 2 and stored[1] == stored[0] + ".thumb.webp"
    assert bucket(s3_url).Object(stored[0]).get()["Body"].read() == png
    assert not (s3_server.data_dir / "media").exists()
    with bob.http() as http:
        assert http.get(sent["url"]).status_code == 404
