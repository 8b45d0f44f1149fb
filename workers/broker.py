"""Build the broker from settings: Redis, RabbitMQ, or in-memory for the embedded default."""

from __future__ import annotations

import logging
import os
import time

import dramatiq
from dramatiq.brokers.stub import StubBroker
from dramatiq.common import dq_name
from dramatiq.middleware import CurrentMessage, Middleware

from domain.logs import LogContext, use
from domain.settings import Settings

log = logging.getLogger("importer.worker")


class LogIds(Middleware):
    """Log lines written while a message is processed carry its import id; each message ends
    with one line: the actor, done or failed, and how long it took."""

    def __init__(self) -> None:
        self.started: dict[str, float] = {}

    def before_process_message(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy) -> None:
        first = message.args[0] if message.args else None
        use(LogContext(import_id=first if isinstance(first, str) else None))
        self.started[message.message_id] = time.perf_counter()

    def after_process_message(self, broker: dramatiq.Broker, message: dramatiq.MessageProxy, *,
                              result: object = None, exception: BaseException | None = None) -> None:
        duration_ms = round((time.perf_counter() - self.started.pop(message.message_id, time.perf_counter())) * 1000, 1)
        outcome = "done" if exception is None else f"failed ({type(exception).__name__})"
        log.info("%s %s in %.1f ms", message.actor_name, outcome, duration_ms,
                 extra={"actor": message.actor_name, "duration_ms": duration_ms})
        use(None)

    after_skip_message = after_process_message


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
    broker.add_middleware(LogIds())
    broker.add_middleware(CurrentMessage())  # a webhook delivery logs which attempt it is
    dramatiq.set_broker(broker)
    return broker


def worker_metrics_environment(settings: Settings) -> dict[str, str]:
    """What `importer worker` puts in the environment of Dramatiq's processes so that its
    Prometheus exporter listens on IMPORTER_WORKER_METRICS_PORT, on loopback unless
    dramatiq_prom_host says otherwise."""
    if not settings.worker_metrics_port:
        return {}
    return {"dramatiq_prom_port": str(settings.worker_metrics_port),
            "dramatiq_prom_host": os.environ.get("dramatiq_prom_host", "127.0.0.1")}


def add_worker_metrics(broker: dramatiq.Broker) -> None:
    """Dramatiq's Prometheus middleware, for `importer worker` processes: an exporter process
    of the worker's own serves their metrics (see worker_metrics_environment)."""
    from dramatiq.middleware.prometheus import Prometheus

    broker.add_middleware(Prometheus())


def queue_size(broker: dramatiq.Broker, queue_name: str) -> int:
    """Messages on the queue and its delay queue (with Redis, also those being processed)."""
    if isinstance(broker, StubBroker):
        return sum(broker.queues[name].qsize() for name in (queue_name, dq_name(queue_name)) if name in broker.queues)
    if hasattr(broker, "get_queue_message_counts"):  # RabbitMQ: ready, delayed, dead-lettered
        ready, delayed, _ = broker.get_queue_message_counts(queue_name)
        return int(ready + delayed)
    from dramatiq.brokers.redis import RedisBroker

    if not isinstance(broker, RedisBroker):
        raise TypeError(f"no queue size for a {type(broker).__name__}")
    return int(broker.do_qsize(queue_name))
