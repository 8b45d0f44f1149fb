"""Module the `dramatiq` command loads in each worker process (`importer worker` runs it).

Loading it builds the broker from the environment and declares the actors: that is what
the dramatiq command expects of the module it is given. A signal to stop (SIGTERM, SIGHUP)
stops its threads taking messages at once (workers/stopping.py). Progress is published on
Redis when the broker is Redis (servers forward it to their subscriptions); with RabbitMQ,
watchers poll the database.
"""

from domain.db import Database
from domain.heap import settle_after_start
from domain.logs import configure_logging
from domain.settings import Settings
from workers.broker import add_worker_metrics
from workers.pubsub import progress_publisher
from workers.runtime import build_runtime
from workers.stopping import StopTakingMessages

settings = Settings.from_env()
runtime = build_runtime(settings, Database(settings.effective_database_url), progress_publisher(settings))
broker = runtime.broker
broker.add_middleware(StopTakingMessages())
if settings.log_format == "json":
    configure_logging("json")
if settings.worker_metrics_port:
    add_worker_metrics(broker)
settle_after_start()
