"""Is the broker reachable? Used by the server's /ready route."""

from __future__ import annotations

from domain.settings import Settings

# Every check answers within about this long, reachable or not.
CHECK_TIMEOUT_SECONDS = 2.0


class BrokerUnavailable(Exception):
    pass


def check_broker(settings: Settings) -> str:
    """"embedded" without a broker, "ok" when it answers; raises BrokerUnavailable otherwise."""
    url = settings.broker_url
    if not url:
        return "embedded"
    try:
        if url.startswith(("redis://", "rediss://", "unix://")):
            _ping_redis(url)
        elif url.startswith(("amqp://", "amqps://")):
            _connect_rabbitmq(url)
        else:
            raise BrokerUnavailable(f"unsupported broker URL scheme {url.split(':', 1)[0]}://")
    except BrokerUnavailable:
        raise
    except Exception as error:  # any failure means "not ready"
        raise BrokerUnavailable(f"{type(error).__name__}: {error}") from error
    return "ok"


def _ping_redis(url: str) -> None:
    import redis

    client = redis.Redis.from_url(url, socket_timeout=CHECK_TIMEOUT_SECONDS,
                                  socket_connect_timeout=CHECK_TIMEOUT_SECONDS)
    try:
        if not client.ping():
            raise BrokerUnavailable("Redis did not answer PING")
    finally:
        client.close()


def _connect_rabbitmq(url: str) -> None:
    import pika

    parameters = pika.URLParameters(url)
    parameters.connection_attempts = 1
    parameters.retry_delay = 0
    parameters.socket_timeout = CHECK_TIMEOUT_SECONDS
    parameters.stack_timeout = CHECK_TIMEOUT_SECONDS * 2
    parameters.blocked_connection_timeout = CHECK_TIMEOUT_SECONDS
    connection = pika.BlockingConnection(parameters)
    connection.close()
