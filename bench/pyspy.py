"""Optional sampling profile of the benchmark's processes with py-spy, and a summary of it.

    .venv/bin/python bench/run.py --profile DIR      # py-spy must be installed (pip install py-spy)
    .venv/bin/python bench/pyspy.py DIR/server.txt # the summary again, from the raw file

py-spy's raw format is one line per distinct stack: `frame;frame;...;frame count`. The
summary gives, for the functions of this project, the share of samples in which each
appears (inclusive), and the leaf functions where the samples landed (exclusive).
"""

from __future__ import annotations

import shutil
import signal
import subprocess
import sys
from collections import Counter
from pathlib import Path

OURS = ("domain/", "workers/", "graph/")


def py_spy() -> str | None:
    local = Path(sys.executable).with_name("py-spy")
    return str(local) if local.exists() else shutil.which("py-spy")


class Profiler:
    """`py-spy record` attached to each given process (and its children) until `stop`."""

    def __init__(self, out_dir: Path, pids: dict[str, int], rate: int = 50) -> None:
        binary = py_spy()
        if binary is None:
            raise RuntimeError("--profile needs py-spy: .venv/bin/pip install py-spy")
        out_dir.mkdir(parents=True, exist_ok=True)
        self.files = {name: out_dir / f"{name}.txt" for name in pids}
        self.processes = [
            subprocess.Popen([binary, "record", "--pid", str(pid), "--format", "raw", "--rate", str(rate),
                              "--subprocesses", "--nonblocking", "--output", str(self.files[name])],
                             stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            for name, pid in pids.items()
        ]

    def stop(self) -> None:
        for process in self.processes:
            if process.poll() is None:
                process.send_signal(signal.SIGINT)
        for process in self.processes:
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _frames(stack: str) -> list[str]:
    return [frame for frame in stack.split(";") if frame]


def summarize(path: Path, top: int = 25) -> str:
    inclusive: Counter[str] = Counter()
    leaves: Counter[str] = Counter()
    total = 0
    for line in path.read_text(errors="replace").splitlines():
        stack, _, count = line.rpartition(" ")
        if not count.isdigit():
            continue
        samples = int(count)
        frames = _frames(stack)
        total += samples
        for frame in set(frames):
            if any(part in frame for part in OURS):
                inclusive[frame] += samples
        if frames:
            leaves[frames[-1]] += samples
    if not total:
        return f"{path.name}: no samples"
    lines = [f"{path.name}: {total} samples of busy threads", "  inclusive (this project's functions):"]
    lines += [f"    {n * 100 / total:5.1f}%  {frame}" for frame, n in inclusive.most_common(top)]
    lines.append("  exclusive (where the samples landed):")
    lines += [f"    {n * 100 / total:5.1f}%  {frame}" for frame, n in leaves.most_common(top)]
    return "\n".join(lines)


if __name__ == "__main__":
    for name in sys.argv[1:]:
        print(summarize(Path(name)))
