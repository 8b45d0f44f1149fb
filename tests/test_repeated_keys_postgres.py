"""test_repeated_keys on PostgreSQL: the repeats are read through a server-side cursor while
other transactions mark them."""

from __future__ import annotations

from tests.test_postgres import settings  # noqa: F401  (the same PostgreSQL settings fixture)
from tests.test_repeated_keys import *  # noqa: F403  (the same tests, against PostgreSQL)
