"""Module the `dramatiq` command loads in each worker process (`importer worker` runs it).

Loading it builds the broker from the environment and declares the actors: that is what
the dramatiq command expects of the module it is given.
"""

from domain.db import Database
from domain.ports import NoProgressPublisher
from domain.settings import Settings
from workers.runtime import build_runtime

settings = Settings.from_env()
runtime = build_runtime(settings, Database(settings.effective_database_url), NoProgressPublisher())
broker = runtime.broker
