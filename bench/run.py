"""Benchmark of the whole import flow through the real server and GraphQL API.

    .venv/bin/python bench/run.py                     # 100,000 rows, SQLite + in-process worker
    .venv/bin/python bench/run.py --rows 1000000      # the full run
    .venv/bin/python bench/run.py --database-url postgresql://postgres@127.0.0.1:5432/bench \\
        --broker-url redis://127.0.0.1:6379/0         # PostgreSQL, Redis and 2 worker processes
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import shutil
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.api import ROLLBACK, START, Api, Updates
from bench.baseline import run_baseline
from bench.data import write_clients_csv
from bench.peer import DEFAULT_VENV, run_peer, summary
from bench.pyspy import Profiler, summarize
from bench.procs import Processes, RssSampler, free_port, lifetime_peak_mb, wait_healthy


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Generate a client CSV, run it through a real `importer serve` (createImport, "
        "startImport, rollbackImport over GraphQL, progress over WebSocket) and a single-pass "
        "baseline, and print wall time, rows/s, peak RSS, progress gaps and query latency.")
    parser.add_argument("--rows", type=int, default=100_000, help="data rows in the CSV (default: 100000)")
    parser.add_argument("--seed", type=int, default=5, help="random seed of the CSV (default: 5)")
    parser.add_argument("--invalid-share", type=float, default=0.05,
                        help="share of invalid rows, spread over four kinds (default: 0.05)")
    parser.add_argument("--topology", choices=["embedded", "workers"],
                        help="embedded: the server does the work in-process (default without --broker-url); "
                        "workers: the server only serves and --workers `importer worker` processes work "
                        "(default with --broker-url; needs --database-url and --broker-url)")
    parser.add_argument("--database-url", help="DATABASE_URL for every process (default: SQLite in the temp dir); "
                        "`importer migrate` runs first")
    parser.add_argument("--broker-url", help="BROKER_URL (redis://... or amqp://...) for the workers topology")
    parser.add_argument("--workers", type=int, default=2, help="`importer worker` processes (default: 2)")
    parser.add_argument("--threads", type=int, default=2, help="threads of each worker process (default: 2)")
    parser.add_argument("--chunk-size", type=int, help="IMPORTER_CHUNK_SIZE (default: the server's)")
    parser.add_argument("--mode", choices=["STORE", "UPDATE", "UPSERT"], default="STORE",
                        help="the measured import's mode (default: STORE). UPDATE and UPSERT first store the same "
                        "file (imported, not measured), so that every valid row finds its record")
    parser.add_argument("--timeout", type=float, default=900, help="seconds allowed for each phase (default: 900)")
    parser.add_argument("--probe-interval", type=float, default=0.1,
                        help="pause (s) between `import(id)` latency probes (default: 0.1)")
    parser.add_argument("--no-baseline", action="store_true", help="skip the single-pass baseline")
    parser.add_argument("--peer", action="store_true",
                        help="also import the same CSV with django-import-export 4.4 (bulk mode with validation, "
                        "SQLite; bench/peer.py) after the baseline. The first time, this installs Django and "
                        "django-import-export into a virtualenv of their own (--peer-venv), never into this one")
    parser.add_argument("--peer-venv", type=Path, default=DEFAULT_VENV,
                        help=f"the peer's virtualenv, created on first use (default: {DEFAULT_VENV})")
    parser.add_argument("--profile", type=Path, metavar="DIR",
                        help="record a py-spy profile of the server and workers into DIR and print its summary "
                        "(needs py-spy in the venv; slows the run a little)")
    parser.add_argument("--keep", action="store_true", help="keep the temp dir (CSV, data, server/worker logs)")
    args = parser.parse_args(argv)
    args.topology = args.topology or ("workers" if args.broker_url else "embedded")
    if args.topology == "workers" and not (args.broker_url and args.database_url):
        parser.error("--topology workers needs --broker-url and --database-url")
    return args


def environment(args: argparse.Namespace, data_dir: Path, csv_bytes: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "BROKER_URL")}
    env |= {"IMPORTER_DATA_DIR": str(data_dir), "IMPORTER_MAX_UPLOAD_BYTES": str(csv_bytes * 2 + 2**20),
            "IMPORTER_QUEUE_PREFIX": f"bench-{uuid.uuid4().hex[:10]}"}
    if args.database_url:
        env["DATABASE_URL"] = args.database_url
    if args.broker_url and args.topology == "workers":
        env["BROKER_URL"] = args.broker_url
        # One chunk message in flight per worker thread, so that every thread has work.
        env["IMPORTER_CHUNKS_IN_FLIGHT"] = str(args.workers * args.threads)
    if args.chunk_size:
        env["IMPORTER_CHUNK_SIZE"] = str(args.chunk_size)
    return env


def start_services(args: argparse.Namespace, procs: Processes, data_dir: Path) -> tuple[str, str, dict[str, int]]:
    """Migrate, make a token, start the server (and workers); base URL, token, {name: pid}."""
    if args.database_url:
        procs.run("migrate", "migrate", "--data-dir", str(data_dir))
    token = procs.run("token", "token", "create", "--init", "--data-dir", str(data_dir)).strip().splitlines()[-1]
    port = free_port()
    serve = ["serve", "--host", "127.0.0.1", "--port", str(port), "--data-dir", str(data_dir)]
    server = procs.start("server", *serve, *(["--no-worker"] if args.topology == "workers" else []))
    roots = {"server": server.pid}
    if args.topology == "workers":
        for n in range(1, args.workers + 1):
            worker = procs.start(f"worker{n}", "worker", "--processes", "1", "--threads", str(args.threads))
            roots[f"worker{n}"] = worker.pid
    base_url = f"http://127.0.0.1:{port}"
    wait_healthy(base_url, server)
    return base_url, token, roots


async def measured(api: Api, sampler: RssSampler, import_id: str, began: float, args: argparse.Namespace) -> dict:
    """Watch the phase to its end while probing `import(id)`; its figures."""
    stop = asyncio.Event()
    probe = asyncio.create_task(api.probe(import_id, stop, args.probe_interval))
    updates = Updates()
    try:
        async with asyncio.timeout(args.timeout):
            await api.watch(import_id, updates)
    except TimeoutError:
        raise TimeoutError(f"the phase did not end within {args.timeout:.0f} s; last state {updates.last}, "
                           f"{time.monotonic() - updates.times[-1] if updates.times else 0:.0f} s since the "
                           f"last update") from None
    finally:
        stop.set()
        latencies = await probe
    return {"wall": updates.times[-1] - began, "updates": updates, "latencies": latencies, "rss": sampler.reset()}


async def drive(args: argparse.Namespace, csv_path: Path, base_url: str, token: str, sampler: RssSampler) -> dict:
    api = Api(base_url, token, timeout=args.timeout)
    phases: dict[str, dict] = {}
    try:
        if args.mode != "STORE":
            await seed(api, csv_path, args)
        sampler.reset()
        began = time.monotonic()
        created = await api.create_import(csv_path, args.mode)
        phases["upload"] = {"wall": time.monotonic() - began, "rss": sampler.reset(), "state": created}
        print(f"upload: {phases['upload']['wall']:.2f} s, {rss_text(phases['upload']['rss'])}", flush=True)
        for name, mutation, expected in (("validate", None, "VALIDATED"), ("import", START, "IMPORTED"),
                                         ("rollback", ROLLBACK, "ROLLED_BACK")):
            began = time.monotonic()
            if mutation:
                await api.gql(mutation, id=created["id"])
            print(f"{name}: waiting for {expected} ...", flush=True)
            phases[name] = await measured(api, sampler, created["id"], began, args)
            phases[name]["state"] = phases[name]["updates"].last
            print_phase(name, phases[name], phases)
            if phases[name]["state"]["status"] != expected:
                raise RuntimeError(f"{name} ended {phases[name]['state']}, not {expected}")
    finally:
        await api.close()
    return phases


async def seed(api: Api, csv_path: Path, args: argparse.Namespace) -> None:
    """Store the file's records first (not measured), for an UPDATE or UPSERT of the same file."""
    began = time.monotonic()
    created = await api.create_import(csv_path)
    for mutation, expected in ((None, "VALIDATED"), (START, "IMPORTED")):
        if mutation:
            await api.gql(mutation, id=created["id"])
        async with asyncio.timeout(args.timeout):
            updates = await api.watch(created["id"], Updates())
        if updates.last["status"] != expected:
            raise RuntimeError(f"seeding ended {updates.last}, not {expected}")
    print(f"seeded: {updates.last['importedRows']} records stored in {time.monotonic() - began:.1f} s "
          f"(not measured); {args.mode} of the same file next", flush=True)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values or [float("nan")])
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def rss_text(rss: dict[str, dict[int, float]]) -> str:
    return " | ".join(f"{name} " + "+".join(f"{mb:.0f}" for _, mb in sorted(pids.items())) + " MB"
                      for name, pids in rss.items())


def phase_rows(name: str, phases: dict) -> int:
    state = phases["validate" if name == "upload" else name]["state"]
    if name == "import":
        return state["importedRows"] + state["failedImportRows"]
    return state["rolledBackRows"] if name == "rollback" else state["totalRows"]


def print_phase(name: str, phase: dict, phases: dict) -> None:
    updates, lat, rows = phase["updates"], phase["latencies"], phase_rows(name, phases)
    print(f"  {name}: {phase['wall']:.2f} s, {rows} rows, {rows / phase['wall']:.0f} rows/s; "
          f"{len(updates.times)} progress updates, max gap {updates.max_gap:.2f} s; "
          f"import(id) p50 {percentile(lat, 50):.1f} ms, p99 {percentile(lat, 99):.1f} ms ({len(lat)} probes); "
          f"peak RSS {rss_text(phase['rss'])}", flush=True)


def report(phases: dict, generated: dict, baseline: dict | None, peer: dict | None) -> None:
    print(f"\n{'phase':<9} {'wall s':>8} {'rows':>9} {'rows/s':>9} {'updates':>7} {'max gap s':>9} "
          f"{'p50 ms':>7} {'p99 ms':>7}  peak RSS (MB, per process of each tree)")
    for name, phase in phases.items():
        rows, updates, lat = phase_rows(name, phases), phase.get("updates"), phase.get("latencies", [])
        print(f"{name:<9} {phase['wall']:>8.2f} {rows:>9} {rows / phase['wall']:>9.0f} "
              f"{len(updates.times) if updates else '':>7} {f'{updates.max_gap:.2f}' if updates else '':>9} "
              f"{percentile(lat, 50):>7.1f} {percentile(lat, 99):>7.1f}  {rss_text(phase['rss'])}")
    validated, imported = phases["validate"]["state"], phases["import"]["state"]
    print(f"\nserver counts: totalRows={validated['totalRows']} failedValidationRows={validated['failedValidationRows']} "
          f"importedRows={imported['importedRows']} failedImportRows={imported['failedImportRows']} "
          f"rolledBackRows={phases['rollback']['state']['rolledBackRows']}")
    print(f"generated invalid rows: {sum(generated.values())} (what failedValidationRows should be)")
    end_to_end = validated["totalRows"] / sum(phases[p]["wall"] for p in ("upload", "validate", "import"))
    print(f"end to end (upload + validate + import): {end_to_end:.0f} rows/s")
    if baseline:
        rate = baseline["rows"] / baseline["seconds"]
        print(f"baseline (csv -> pydantic -> Core executemany, SQLite, 2,000 rows a transaction): "
              f"{baseline['seconds']:.2f} s, {rate:.0f} rows/s, "
              f"{baseline['valid']} inserted, {baseline['invalid']} invalid; ours/baseline = {end_to_end / rate:.3f}")
    if peer:
        print(f"{summary(peer)}; ours/peer = {end_to_end / (peer['rows'] / peer['seconds']):.3f}")
    to_imported = sum(phases[p]["wall"] for p in ("upload", "validate", "import"))
    print(f"issue #12's goals (at 1M rows): upload -> IMPORTED {to_imported:.1f} s (goal <= 15 s embedded, <= 20 s "
          f"with workers); rollback {phases['rollback']['wall']:.1f} s (goal <= 5 s); ours/baseline >= 1.0; "
          "ours/peer >= 5")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    tmp = Path(tempfile.mkdtemp(prefix="importer-bench-"))
    csv_path = tmp / "clients.csv"
    generated = write_clients_csv(csv_path, args.rows, seed=args.seed, invalid_share=args.invalid_share)
    print(f"{args.rows} rows, {csv_path.stat().st_size / 2**20:.1f} MB in {csv_path}; invalid rows generated: "
          + ", ".join(f"{kind} {n}" for kind, n in generated.items()) + f" (total {sum(generated.values())})")
    print(f"mode: {args.mode}; topology: {args.topology}, database: {args.database_url or 'SQLite'}, broker: "
          f"{args.broker_url if args.topology == 'workers' else 'in-process'}")
    procs = Processes(environment(args, tmp / "data", csv_path.stat().st_size), tmp)
    profiler = None
    try:
        base_url, token, roots = start_services(args, procs, tmp / "data")
        profiler = Profiler(args.profile, roots) if args.profile else None
        with RssSampler(roots) as sampler:
            phases = asyncio.run(drive(args, csv_path, base_url, token, sampler))
        lifetime = {name: lifetime_peak_mb(pid) for name, pid in roots.items()}
    except BaseException:
        print(f"failed: the CSV, data and server/worker logs are kept in {tmp}", file=sys.stderr)
        raise
    finally:
        if profiler:
            profiler.stop()
        procs.stop_all()
        procs.clean_broker(args.broker_url)
    print("lifetime peak RSS (VmHWM, MB): " + rss_text(lifetime))
    baseline = None if args.no_baseline else run_baseline(csv_path, tmp / "baseline.sqlite3")
    peer = run_peer(csv_path, venv=args.peer_venv, timeout=args.timeout) if args.peer else None
    report(phases, generated, baseline, peer)
    if profiler:
        for path in profiler.files.values():
            print("\n" + summarize(path))
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
