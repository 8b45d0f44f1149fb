"""The processes the benchmark starts (server, workers), their cleanup, and their memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import threading
import time
from pathlib import Path

import httpx2 as httpx

ROOT = Path(__file__).resolve().parent.parent
IMPORTER = str(ROOT / ".venv" / "bin" / "importer")


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Processes:
    """Everything started, stopped (TERM, then KILL) in reverse order by `stop_all`."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir = env, log_dir
        self.started: list[tuple[str, subprocess.Popen]] = []

    def run(self, name: str, *args: str, timeout: float = 120) -> str:
        """Run a command to completion; its stdout (raises on failure)."""
        done = subprocess.run([IMPORTER, *args], env=self.env, cwd=ROOT, capture_output=True, text=True,
                              timeout=timeout)
        if done.returncode:
            raise RuntimeError(f"importer {' '.join(args)} failed:\n{done.stderr[-2000:]}")
        return done.stdout

    def start(self, name: str, *args: str, env: dict[str, str] | None = None) -> subprocess.Popen:
        log = (self.log_dir / f"{name}.log").open("wb")
        process = subprocess.Popen([IMPORTER, *args], env=env or self.env, cwd=ROOT, stdout=log,
                                   stderr=subprocess.STDOUT, start_new_session=True)
        self.started.append((name, process))
        return process

    def stop_all(self) -> None:
        for _, process in reversed(self.started):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for _, process in reversed(self.started):
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()


    def clean_broker(self, broker_url: str | None) -> None:
        """Delete the Redis keys of this run's queue prefix (best effort)."""
        if not (broker_url or "").startswith("redis"):
            return
        import redis

        client = redis.Redis.from_url(broker_url)
        keys = list(client.scan_iter(f"{self.env['IMPORTER_QUEUE_PREFIX']}*"))
        if keys:
            client.delete(*keys)
        client.close()


def wait_healthy(base_url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}; see its log")
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        time.sleep(0.2)
    raise TimeoutError(f"the server did not answer {base_url}/health within {timeout}s")


def _status_kb(pid: int, key: str) -> int:
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith(key + ":"):
                return int(line.split()[1])
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        pass
    return 0


def descendants(pid: int) -> list[int]:
    """`pid` and every process below it (from the ppid field of /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            ppid = int(stat[stat.rindex(")") + 2:].split()[1])
            children.setdefault(ppid, []).append(int(entry.name))
    found, todo = [], [pid]
    while todo:
        current = todo.pop()
        found.append(current)
        todo.extend(children.get(current, []))
    return found


class RssSampler:
    """Peak RSS (MB) of every process of each named tree, sampled every 0.2 s; reset per phase."""

    def __init__(self, roots: dict[str, int], interval: float = 0.2) -> None:
        self.roots, self.interval = roots, interval
        self.peaks: dict[str, dict[int, float]] = {name: {} for name in roots}
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._loop, daemon=True)

    def __enter__(self) -> RssSampler:
        self._sample()
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        self._thread.join()

    def reset(self) -> dict[str, dict[int, float]]:
        """The peaks since the last reset: {tree name: {pid: MB}}."""
        self._sample()
        peaks, self.peaks = self.peaks, {name: {} for name in self.roots}
        return peaks

    def _loop(self) -> None:
        while not self._stop.wait(self.interval):
            self._sample()

    def _sample(self) -> None:
        for name, root in self.roots.items():
            tree = self.peaks[name]
            for pid in descendants(root):
                tree[pid] = max(tree.get(pid, 0.0), _status_kb(pid, "VmRSS") / 1024)


def lifetime_peak_mb(root: int) -> dict[int, float]:
    """VmHWM (peak RSS over the process's life) of `root` and its descendants, by pid."""
    return {pid: _status_kb(pid, "VmHWM") / 1024 for pid in descendants(root)}
