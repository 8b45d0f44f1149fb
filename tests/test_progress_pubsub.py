"""Live progress across processes: `importer worker` publishes on Redis after each committed
step, the server listens and wakes its subscriptions."""

from __future__ import annotations

import asyncio
import time
import uuid
from pathlib import Path

import redis
from starlette.testclient import TestClient

from domain.accounts.auth import issue_token
from domain.ports import NoProgressPublisher
from domain.settings import Settings
from graph.app import create_app
from tests.helpers import client_csv, data_of, settle, start, upload, watch
from tests.processes import REDIS_URL, redis_production, wait_for, worker_group
from tests.services import require, unique_prefix
from workers.pubsub import (
    RedisProgressPublisher,
    progress_channel,
    progress_publisher,
    pubsub_url,
)


class ChannelReader:
    """A redis-py subscriber on the progress channel, reading what was published since."""

    def __init__(self, channel: str) -> None:
        self.client = redis.Redis.from_url(REDIS_URL)
        self.pubsub = self.client.pubsub()
        self.pubsub.subscribe(channel)
        # The subscription is in place once Redis confirms it.
        confirmation = self.pubsub.get_message(timeout=5)
        assert confirmation and confirmation["type"] == "subscribe", confirmation
        self.received: list[str] = []

    def read_until(self, done, *, timeout: float) -> list[str]:
        deadline = time.monotonic() + timeout
        while not done(self.received) and time.monotonic() < deadline:
            message = self.pubsub.get_message(timeout=0.5)
            if message and message["type"] == "message":
                self.received.append(message["data"].decode())
        return self.received

    def close(self) -> None:
        self.pubsub.close()
        self.client.close()


def test_the_publisher_follows_the_broker():
    assert pubsub_url(Settings(broker_url=REDIS_URL)) == REDIS_URL
    assert pubsub_url(Settings(broker_url="amqp://guest:guest@127.0.0.1:5672/%2F")) is None
    assert pubsub_url(Settings()) is None
    assert progress_channel(Settings(queue_prefix="acme")) == "acme-progress"
    assert isinstance(progress_publisher(Settings(broker_url="amqp://x")), NoProgressPublisher)
    assert isinstance(progress_publisher(Settings(broker_url=REDIS_URL)), RedisProgressPublisher)


def test_a_publisher_without_redis_does_not_fail_the_step():
    publisher = RedisProgressPublisher("redis://127.0.0.1:1/0", "nowhere-progress")
    began = time.monotonic()
    publisher.publish(uuid.uuid4())  # logs, does not raise
    assert time.monotonic() - began < 5
    publisher.close()


def test_a_message_on_the_channel_wakes_the_servers_watchers(tmp_path: Path):
    """The server's listener forwards what arrives on Redis to its in-process hub."""
    require("Redis")
    settings = Settings(data_dir=tmp_path / "data", broker_url=REDIS_URL, queue_prefix=unique_prefix())
    channel = progress_channel(settings)
    publisher = redis.Redis.from_url(REDIS_URL)
    try:
        with TestClient(create_app(settings, sweep_seconds=0)) as client:
            wait_for(lambda: publisher.pubsub_numsub(channel)[0][1], lambda n: n >= 1, timeout=10,
                     what="the server to subscribe to the progress channel")
            hub = client.app.state.services.hub
            import_id = uuid.uuid4()

            async def woken() -> bool:
                async with hub.watch(import_id) as changed:
                    await asyncio.to_thread(publisher.publish, channel, str(import_id))
                    await asyncio.wait_for(changed.wait(), timeout=5)
                    return True

            assert client.portal.call(woken)
    finally:
        publisher.close()


def test_a_worker_process_publishes_each_step_and_the_subscription_follows(tmp_path: Path):
    valid_rows, chunk_size = 1000, 25
    with redis_production(tmp_path, chunk_size=chunk_size) as settings, worker_group(settings):
        reader = ChannelReader(progress_channel(settings))
        try:
            with TestClient(create_app(settings, sweep_seconds=0)) as client:
                token = issue_token(client.app.state.services.db).token
                created = data_of(upload(client, client_csv(valid_rows), token=token))["createImport"]
                assert settle(client, token, created["id"])["status"] == "VALIDATED"

                data_of(start(client, token, created["id"]))
                states = watch(client, token, created["id"])
                assert states[-1]["status"] == "IMPORTED"
                assert states[-1]["importedRows"] == valid_rows
                importing = [s for s in states if s["status"] == "IMPORTING"]
                assert len(importing) > 1, states

                # Every chunk publishes after it commits: at least one message per chunk
                # (plus validation's), each naming the import.
                chunks = -(-valid_rows // chunk_size)
                received = reader.read_until(lambda got: len(got) >= chunks, timeout=30)
                print(f"\n{len(importing)} IMPORTING updates; {len(received)} messages on the channel for {chunks} chunks")
                assert set(received) == {created["id"]}
                assert len(received) >= chunks, (len(received), chunks)
        finally:
            reader.close()
