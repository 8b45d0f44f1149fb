"""The GraphQL API as the benchmark drives it: upload, mutations, the progress subscription,
and a latency probe of `import(id)`."""

from __future__ import annotations

import asyncio
import json
import time
from dataclasses import dataclass, field
from itertools import pairwise
from pathlib import Path

import httpx2 as httpx
from websockets.asyncio.client import connect

COUNTERS = "status progress totalRows failedValidationRows importedRows failedImportRows rolledBackRows"
CREATE = f"""mutation($input: CreateImportInput!) {{ createImport(input: $input) {{ id {COUNTERS} }} }}"""
START = f"mutation($id: ID!) {{ startImport(id: $id) {{ {COUNTERS} }} }}"
ROLLBACK = f"mutation($id: ID!) {{ rollbackImport(id: $id) {{ {COUNTERS} }} }}"
PROBE = "query($id: ID!) { import(id: $id) { status progress importedRows } }"
PROGRESS = f"subscription($id: ID!) {{ importProgress(id: $id) {{ {COUNTERS} }} }}"


class ApiError(RuntimeError):
    pass


def _data(response: httpx.Response) -> dict:
    body = response.json()
    if response.status_code != 200 or body.get("errors"):
        raise ApiError(f"HTTP {response.status_code}: {json.dumps(body)[:1000]}")
    return body["data"]


class Api:
    def __init__(self, base_url: str, token: str, timeout: float) -> None:
        self.base_url, self.token, self.timeout = base_url, token, timeout
        self.http = httpx.AsyncClient(base_url=base_url, timeout=timeout,
                                      headers={"Authorization": f"Bearer {token}"})

    async def close(self) -> None:
        await self.http.aclose()

    async def gql(self, query: str, **variables: object) -> dict:
        return _data(await self.http.post("/graphql", json={"query": query, "variables": variables}))

    async def create_import(self, path: Path, mode: str = "STORE") -> dict:
        """createImport as a GraphQL multipart request, streaming the file."""
        operations = {"query": CREATE, "variables": {"input": {"type": "CLIENT", "mode": mode, "file": None}}}
        with path.open("rb") as handle:
            response = await self.http.post(
                "/graphql", headers={"GraphQL-Preflight": "1"},
                data={"operations": json.dumps(operations), "map": json.dumps({"0": ["variables.input.file"]})},
                files={"0": (path.name, handle, "text/csv")},
            )
        return _data(response)["createImport"]

    async def watch(self, import_id: str, updates: Updates) -> Updates:
        """Subscribe to importProgress until it completes; every update (with its time) into `updates`."""
        updates.started = time.monotonic()
        url = self.base_url.replace("http", "ws", 1) + "/graphql"
        async with connect(url, subprotocols=["graphql-transport-ws"], max_size=None) as ws:
            await ws.send(json.dumps({"type": "connection_init", "payload": {"Authorization": f"Bearer {self.token}"}}))
            ack = json.loads(await ws.recv())
            if ack["type"] != "connection_ack":
                raise ApiError(f"no connection_ack: {ack}")
            await ws.send(json.dumps({"id": "1", "type": "subscribe",
                                      "payload": {"query": PROGRESS, "variables": {"id": import_id}}}))
            async for raw in ws:
                message = json.loads(raw)
                if message["type"] == "ping":
                    await ws.send(json.dumps({"type": "pong"}))
                elif message["type"] == "next":
                    if message["payload"].get("errors"):
                        raise ApiError(f"subscription error: {message['payload']['errors']}")
                    updates.add(message["payload"]["data"]["importProgress"])
                elif message["type"] == "error":
                    raise ApiError(f"subscription error: {message['payload']}")
                elif message["type"] == "complete":
                    break
        return updates

    async def probe(self, import_id: str, stop: asyncio.Event, interval: float, limit: int = 100_000) -> list[float]:
        """Latencies (ms) of `import(id)` asked every `interval` s until `stop` (bounded)."""
        latencies: list[float] = []
        for _ in range(limit):
            if stop.is_set():
                break
            began = time.perf_counter()
            await self.gql(PROBE, id=import_id)
            latencies.append((time.perf_counter() - began) * 1000)
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
            except TimeoutError:
                pass
        return latencies


@dataclass
class Updates:
    started: float = 0.0
    times: list[float] = field(default_factory=list)
    states: list[dict] = field(default_factory=list)

    def add(self, state: dict) -> None:
        self.times.append(time.monotonic())
        self.states.append(state)

    @property
    def last(self) -> dict:
        return self.states[-1] if self.states else {}

    @property
    def max_gap(self) -> float:
        """The longest wait (s) between the subscribe and the first update, or between two updates."""
        moments = [self.started, *self.times]
        return max((b - a for a, b in pairwise(moments)), default=0.0)
