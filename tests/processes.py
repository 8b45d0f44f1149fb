"""`importer worker` as a separate process group, and the production settings around it
(PostgreSQL + Redis, unique database and queue prefix, cleaned up afterwards)."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

from domain.settings import Settings, UploadStorageKind
from tests.services import clean_redis, migrated, postgres_database, require, skip_or_fail, unique_prefix

ROOT = Path(__file__).parent.parent
REDIS_URL = "redis://127.0.0.1:6379/0"
T = TypeVar("T")


@contextmanager
def postgres_production(tmp_path: Path, *, broker_url: str, chunk_size: int,
                        upload_storage: str = "directory") -> Iterator[Settings]:
    """Settings for a new, migrated PostgreSQL database and `broker_url`, with a queue prefix
    of their own, uploads kept in `upload_storage`. The database is dropped afterwards."""
    with postgres_database() as url:
        yield migrated(Settings(data_dir=tmp_path / "data", database_url=url, broker_url=broker_url,
                                queue_prefix=unique_prefix(), chunk_size=chunk_size,
                                upload_storage=UploadStorageKind(upload_storage)))


@contextmanager
def redis_production(tmp_path: Path, *, chunk_size: int, upload_storage: str = "directory") -> Iterator[Settings]:
    """Settings for PostgreSQL (migrated) and the shared Redis broker, unique to this test."""
    require("Redis")
    with postgres_production(tmp_path, broker_url=REDIS_URL, chunk_size=chunk_size,
                             upload_storage=upload_storage) as settings:
        try:
            yield settings
        finally:
            clean_redis(settings.queue_prefix)


def free_port() -> int:
    """A loopback port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def require_program(name: str, *candidates: str) -> str:
    """The path of a program (the first of `candidates` that exists, else `name` on PATH);
    skips the test when it is missing (fails it under IMPORTER_REQUIRE_SERVICES=1)."""
    for candidate in candidates:
        if Path(candidate).exists():
            return candidate
    found = shutil.which(name)
    if found:
        return found
    skip_or_fail(f"{name} is not installed")
    raise AssertionError("unreachable")


class WorkerGroup:
    """`importer worker` in a session of its own: it execs dramatiq, which forks worker
    processes, so stopping it means signalling the whole process group."""

    def __init__(self, settings: Settings, *, processes: int = 1, threads: int = 2, log: Path | None = None,
                 shutdown_timeout: float | None = None) -> None:
        self.env = os.environ | worker_environment(settings)
        self.command = [str(Path(sys.executable).parent / "importer"), "worker",
                        "--processes", str(processes), "--threads", str(threads)]
        if shutdown_timeout is not None:
            self.command += ["--shutdown-timeout", str(shutdown_timeout)]
        self.process: subprocess.Popen | None = None
        self.terminated = False
        self.starts = 0
        self.log = log  # the workers' output goes there (appended across restarts)
        self.log_offset = 0  # where the current start's output begins

    def start(self) -> None:
        assert self.process is None, "already running"
        self.terminated = False
        self.log_offset = self.log.stat().st_size if self.log is not None and self.log.exists() else 0
        if self.log is None:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, start_new_session=True,
                                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        else:
            with self.log.open("ab") as output:
                self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, start_new_session=True,
                                                stdout=output, stderr=subprocess.STDOUT)
        self.starts += 1

    def output_tail(self, characters: int = 3000) -> str:
        if self.log is None or not self.log.exists():
            return ""
        return self.log.read_text(errors="replace")[-characters:]

    def output_since_start(self) -> str:
        """What the workers wrote since they were last started."""
        if self.log is None or not self.log.exists():
            return ""
        with self.log.open("rb") as output:
            output.seek(self.log_offset)
            return output.read().decode(errors="replace")

    def wait_for_output(self, text: str, *, timeout: float = 30) -> None:
        """Until the workers, since they were last started, have written `text`."""
        wait_for(lambda: text in self.output_since_start(), bool, timeout=timeout, every=0.02,
                 what=lambda: f"the workers to write {text!r}; they wrote:\n{self.output_tail()}")

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL to every process of the group: no clean-up, messages in flight are lost."""
        self._signal(signal.SIGKILL)

    def terminate(self) -> None:
        """SIGTERM to dramatiq's main process, which passes it on to its worker processes (a
        worker process that gets a second SIGTERM exits at once, so the group is not
        signalled, and this is done once per start). `wait()` then waits for the exit."""
        if self.process is not None and not self.terminated:
            self.process.send_signal(signal.SIGTERM)
            self.terminated = True

    def wait(self, timeout: float = 30) -> int:
        """Until the group exits, SIGKILL to the group after `timeout` s (exit code -9); the
        exit code (0 when it was not running)."""
        process, self.process = self.process, None
        return _wait_or_kill(process, timeout=timeout)

    def stop(self, timeout: float = 30) -> int:
        """`terminate()`, then `wait(timeout)`: the exit code."""
        self.terminate()
        return self.wait(timeout)

    def _signal(self, signum: int, timeout: float = 10) -> int:
        process, self.process = self.process, None
        return _end(process, signum, timeout=timeout)


@contextmanager
def worker_group(settings: Settings, **options: Any) -> Iterator[WorkerGroup]:
    """A WorkerGroup(settings, **options) started, and stopped afterwards."""
    group = WorkerGroup(settings, **options)
    group.start()
    try:
        yield group
    finally:
        group.stop()


def wait_for(observe: Callable[[], T], done: Callable[[T], bool], *, timeout: float,
             what: str | Callable[[], str], every: float = 0.02) -> T:
    """Poll `observe()` until `done(value)`, at most `timeout` seconds; the last value.
    `what` (or what it returns, computed only on failure) describes the wait."""
    deadline = time.monotonic() + timeout
    while True:
        value = observe()
        if done(value):
            return value
        if time.monotonic() > deadline:
            described = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout} s waiting for {described}; last seen {value!r}")
        time.sleep(every)


class ChildProcess:
    """A program in a session of its own, its output appended to `log`; `kill()` SIGKILLs the
    whole session, `terminate()` asks it to stop (SIGTERM) and waits, within bounds."""

    def __init__(self, command: list[str], *, log: Path, env: dict[str, str] | None = None) -> None:
        self.command = command
        self.log = log
        self.env = env
        self.process: subprocess.Popen | None = None

    def start(self) -> None:
        assert self.process is None, "already running"
        with self.log.open("ab") as output:
            self.process = subprocess.Popen(self.command, cwd=ROOT, env=self.env, start_new_session=True,
                                            stdout=output, stderr=subprocess.STDOUT)

    def alive(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        self._stop(signal.SIGKILL, timeout=10)

    def terminate(self, timeout: float = 30) -> int:
        """SIGTERM to the group; the exit code (SIGKILL after `timeout` s gives -9)."""
        return self._stop(signal.SIGTERM, timeout=timeout)

    def output_tail(self, characters: int = 3000) -> str:
        return self.log.read_text(errors="replace")[-characters:] if self.log.exists() else ""

    def _stop(self, signum: int, *, timeout: float) -> int:
        process, self.process = self.process, None
        return _end(process, signum, timeout=timeout)


def _end(process: subprocess.Popen | None, signum: int, *, timeout: float) -> int:
    """`signum` to the process's group, a wait of at most `timeout` s, then SIGKILL to the
    group; the exit code (0 when there was no process)."""
    if process is not None:
        _signal_group(process.pid, signum)
    return _wait_or_kill(process, timeout=timeout)


def _wait_or_kill(process: subprocess.Popen | None, *, timeout: float) -> int:
    """A wait of at most `timeout` s for the process, then SIGKILL to its group; the exit
    code (0 when there was no process)."""
    if process is None:
        return 0
    try:
        code = process.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        _signal_group(process.pid, signal.SIGKILL)
        code = process.wait()
    # Children of the group may outlive the leader for a moment; make sure none are left.
    _signal_group(process.pid, signal.SIGKILL)
    return code


def _signal_group(pid: int, signum: int) -> None:
    try:
        os.killpg(pid, signum)
    except ProcessLookupError:
        pass


class PrivateRedis(ChildProcess):
    """A redis-server of the test's own on a free loopback port, without persistence: when
    it is killed, every queued message is gone. Restarts on the same port."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        program = require_program("redis-server")
        super().__init__([program, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
                          "--appendonly", "no", "--dir", str(directory)], log=directory / "redis.log")

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        super().start()
        wait_for(self.answers, bool, timeout=30, every=0.1,
                 what=lambda: f"the private redis-server on port {self.port}:\n{self.output_tail()}")

    def answers(self) -> bool:
        import redis

        client = redis.Redis.from_url(self.url, socket_timeout=1, socket_connect_timeout=1)
        try:
            return bool(client.ping())
        except redis.RedisError:
            return False
        finally:
            client.close()


RABBITMQ_SERVER = "/usr/lib/rabbitmq/bin/rabbitmq-server"  # runs as the caller (the sbin wrapper switches user)


class PrivateRabbitMQ(ChildProcess):
    """A RabbitMQ node of the test's own: its own node name, AMQP and distribution ports,
    database, logs, configuration and (no) plugins, all in `directory`, so it never touches
    the shared broker. Durable queues survive a restart; it keeps its ports and node name."""

    def __init__(self, directory: Path) -> None:
        directory.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        node = f"importer-test-{uuid.uuid4().hex[:8]}@localhost"
        (directory / "enabled_plugins").write_text("[].\n")
        (directory / "rabbitmq.conf").write_text(f"listeners.tcp.local = 127.0.0.1:{self.port}\n")
        (directory / "rabbitmq-env.conf").write_text("ERL_EPMD_ADDRESS=127.0.0.1\n")
        env = os.environ | {
            "RABBITMQ_NODENAME": node, "RABBITMQ_NODE_IP_ADDRESS": "127.0.0.1",
            "RABBITMQ_NODE_PORT": str(self.port), "RABBITMQ_DIST_PORT": str(free_port()),
            "RABBITMQ_MNESIA_BASE": str(directory / "mnesia"), "RABBITMQ_LOG_BASE": str(directory / "log"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(directory / "enabled_plugins"),
            "RABBITMQ_CONFIG_FILE": str(directory / "rabbitmq.conf"),
            "RABBITMQ_CONF_ENV_FILE": str(directory / "rabbitmq-env.conf"),
            "ERL_EPMD_ADDRESS": "127.0.0.1",
        }
        program = require_program("rabbitmq-server", RABBITMQ_SERVER)
        super().__init__([program], log=directory / "rabbitmq.log", env=env)

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/%2F"

    def start(self) -> None:
        super().start()
        wait_for(self.answers, bool, timeout=90, every=0.5,
                 what=lambda: f"the private RabbitMQ on port {self.port}:\n{self.output_tail()}")

    def answers(self) -> bool:
        import pika

        parameters = pika.URLParameters(self.url)
        parameters.connection_attempts = 1
        parameters.socket_timeout = 2
        try:
            pika.BlockingConnection(parameters).close()
        except pika.exceptions.AMQPError:
            return False
        return True


class ServerProcess(ChildProcess):
    """`importer serve --no-worker` on a loopback port, with the settings' environment;
    restarts on the same port, so clients reconnect to the same address."""

    def __init__(self, settings: Settings, *, log: Path, sweep_seconds: float = 2) -> None:
        self.port = free_port()
        # worker_environment carries the test's own rate limit (off when built in code): the tests poll many
        # times a second.
        env = os.environ | worker_environment(settings) | {"IMPORTER_SWEEP_SECONDS": str(sweep_seconds)}
        super().__init__([str(Path(sys.executable).parent / "importer"), "serve", "--no-worker",
                          "--host", "127.0.0.1", "--port", str(self.port)], log=log, env=env)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        super().start()
        wait_for(self.healthy, bool, timeout=60, every=0.1,
                 what=lambda: f"importer serve on port {self.port} to answer /health:\n{self.output_tail()}")

    def healthy(self) -> bool:
        import httpx2 as httpx

        try:
            return httpx.get(f"{self.url}/health", timeout=2).status_code == 200
        except httpx.HTTPError:
            return False


def worker_environment(settings: Settings) -> dict[str, str]:
    """The environment variables that give a process these settings. With uploads kept in the
    database, the process gets a data directory of its own, as on another machine: nothing on
    disk is shared."""
    return {
        "DATABASE_URL": settings.database_url or "", "BROKER_URL": settings.broker_url or "",
        "IMPORTER_QUEUE_PREFIX": settings.queue_prefix, "IMPORTER_DATA_DIR": str(own_data_dir(settings)),
        "IMPORTER_UPLOAD_STORAGE": settings.upload_storage.value,
        "IMPORTER_CHUNK_SIZE": str(settings.chunk_size),
        "IMPORTER_REQUESTS_PER_MINUTE": str(settings.requests_per_minute),
    }


def own_data_dir(settings: Settings) -> Path:
    """The data directory a process is given: the settings' own when uploads are kept there,
    else a new one beside it (`elsewhere-*`, made by the process if it needs one)."""
    if settings.upload_storage == UploadStorageKind.DIRECTORY:
        return settings.data_dir
    return settings.data_dir.parent / f"elsewhere-{uuid.uuid4().hex[:8]}"
