"""Fuzzing the WebSocket side (graphql-transport-ws): hypothesis sends generated messages
(subscriptions, queries and mutations over the socket, completes, pings, garbage JSON) after
a connection_init with one of several tokens, or without one. Every message the server sends
must be one of the protocol's, every error must carry a code and no internal text, and a
connection the server ends is closed with one of the protocol's codes and a reason."""

from __future__ import annotations

import json
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from tests.helpers import IMPORT_FIELDS, auth
from tests.test_fuzz_graphql import FUZZ, LEAK_MARKERS, seed

CASES = 200
SERVER_TYPES = {"connection_ack", "next", "error", "complete", "ping", "pong"}
# graphql-transport-ws closes: bad message, unauthorized, forbidden (token or origin), init
# timeout, duplicate id, too many inits; 1000 normal.
CLOSE_CODES = {1000, 4400, 4401, 4403, 4408, 4409, 4429}
IMPORT_FIELD_NAMES = [name for name in IMPORT_FIELDS.split() if name.isidentifier()]
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=10),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner, max_size=3),
    max_leaves=8,
)


def documents(ids: list[str]) -> st.SearchStrategy[str]:
    """Subscriptions of real and made-up imports with some of Import's fields, and other documents."""
    ids_or_not = st.sampled_from(ids) | st.text(max_size=12)
    progress = st.builds(
        lambda import_id, fields: f"subscription {{ importProgress(id: {json.dumps(import_id)}) {{ {' '.join(fields)} }} }}",
        ids_or_not, st.lists(st.sampled_from(IMPORT_FIELD_NAMES), min_size=1, max_size=5, unique=True))
    others = st.sampled_from([
        "{ importTypes { type } }", "query { imports(first: 2) { edges { node { id status } } } }",
        'mutation { startImport(id: "00000000-0000-0000-0000-000000000000") { id } }',
        "subscription { importProgress(id: 1) }", "subscription { nope }", "", "{", "subscription S($id: ID!) "
        "{ importProgress(id: $id) { id } } subscription T { importProgress(id: \"x\") { id } }",
    ])
    return st.one_of(progress, others, st.text(max_size=40))


def messages(ids: list[str]) -> st.SearchStrategy[object]:
    operation_ids = st.sampled_from(["1", "2"]) | st.text(max_size=5)
    subscribe = st.fixed_dictionaries(
        {"type": st.just("subscribe"), "id": operation_ids,
         "payload": st.fixed_dictionaries({"query": documents(ids)},
                                          optional={"variables": st.dictionaries(st.just("id"), JSON_VALUES),
                                                    "operationName": st.none() | st.sampled_from(["S", "T", "x"])})})
    return st.one_of(
        subscribe, subscribe,
        st.fixed_dictionaries({"type": st.just("complete"), "id": operation_ids}),
        st.fixed_dictionaries({"type": st.sampled_from(["ping", "pong"])}, optional={"payload": JSON_VALUES}),
        st.fixed_dictionaries({"type": st.just("connection_init")}, optional={"payload": JSON_VALUES}),
        JSON_VALUES,
    )


def check_message(message: dict, sent: str) -> str:
    """The message's type, after checking it is the protocol's and its errors are coded."""
    assert message.get("type") in SERVER_TYPES, message
    text = json.dumps(message)
    for marker in LEAK_MARKERS:
        assert marker not in text or marker in sent, f"{marker!r} leaked: {text}"
    payload = message.get("payload")
    errors = payload if message["type"] == "error" else (payload or {}).get("errors") or []
    for error in errors:
        code = (error.get("extensions") or {}).get("code")
        assert isinstance(code, str) and code != "INTERNAL_SERVER_ERROR", f"{error} after {sent}"
    return message["type"]


def exchange(client: TestClient, token: str | None, sent: list[object]) -> tuple[list[str], int | None]:
    """Init (with `token`, or none when it is None), send `sent`, then a ping: the types of the
    messages received until the pong, and the close code if the server closed first."""
    text = json.dumps(sent)
    received: list[str] = []
    with client.websocket_connect("/graphql", subprotocols=["graphql-transport-ws"]) as ws:
        try:
            if token is not None:
                ws.send_json({"type": "connection_init", "payload": auth(token)})
            for message in [*sent, {"type": "ping"}]:
                ws.send_text(json.dumps(message))
            for _ in range(100):
                received.append(check_message(ws.receive_json(), text))
                if received[-1] == "pong":
                    return received, None
        except WebSocketDisconnect as closed:
            assert closed.code in CLOSE_CODES, (closed.code, closed.reason, text)
            assert closed.reason and "Traceback" not in closed.reason, (closed.code, closed.reason)
            return received, closed.code
    raise AssertionError(f"no pong after 100 messages: {received}")


def test_generated_websocket_messages_get_protocol_answers(client: TestClient, token: str, other_token: str,
                                                           capsys: pytest.CaptureFixture) -> None:
    ids = seed(client, token, other_token)
    answers: Counter[str] = Counter()

    @given(sent=st.lists(messages(ids), min_size=1, max_size=4),
           who=st.sampled_from([token, token, token, other_token, "imp_not_a_real_token", None]))
    @settings(FUZZ, max_examples=CASES)
    def one_connection(sent: list[object], who: str | None) -> None:
        received, closed = exchange(client, who, sent)
        answers.update(received)
        answers[f"closed {closed}" if closed else "open"] += 1

    one_connection()
    assert client.get("/health").status_code == 200
    with capsys.disabled():
        print(f"\nwebsocket: {CASES} generated connections, {sum(answers[k] for k in answers if 'closed' in k)} "
              f"closed by the server with a protocol code, 0 crashed; messages and ends: {dict(answers)}")
