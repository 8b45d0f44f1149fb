"""Build the broker from settings: Redis, RabbitMQ, or in-memory for the embedded default."""

from __future__ import annotations

import dramatiq
from dramatiq.brokers.stub import StubBroker

from domain.settings import Settings


def build_broker(settings: Settings) -> dramatiq.Broker:
    """The broker BROKER_URL names (redis:// or amqp://), or an in-process one without it."""
    url = settings.broker_url
    if not url:
        broker: dramatiq.Broker = StubBroker()
        broker.emit_after("process_boot")
    elif url.startswith(("redis://", "rediss://")):
        from dramatiq.brokers.redis import RedisBroker

        broker = RedisBroker(url=url, namespace=f"{settings.queue_prefix}-dramatiq")
    elif url.startswith(("amqp://", "amqps://")):
        from dramatiq.brokers.rabbitmq import RabbitmqBroker

        broker = RabbitmqBroker(url=url)
    else:
        raise ValueError(f"BROKER_URL must start with redis:// or amqp://, not {url.split(':', 1)[0]}://")
    dramatiq.set_broker(broker)
    return broker
