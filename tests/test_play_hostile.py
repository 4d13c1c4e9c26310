"""Hostile playground requests (issue 20): deeply nested JSON, huge integers and fuzzed
bodies are answered 400 with a message naming the field (or the body), never 500, and a
rejected request changes nothing in the worker.

``make test`` runs a short derandomized fuzz; ``GLASSNET_FUZZ_EXAMPLES=N`` runs N fresh
cases per endpoint (as tests/test_fuzz_files.py)."""

from __future__ import annotations

import json
import os
import warnings
from collections.abc import Iterator
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from glassnet.play.app import create_app
from glassnet.play.security import allowed_hosts
from glassnet.play.worker import Worker

with warnings.catch_warnings():  # newer Starlette suggests httpx2 for its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PORT = 8766
ORIGIN = f"http://127.0.0.1:{PORT}"
TOKEN = "t0ken-for-the-hostile-tests-0123456789"
HEADERS = {"X-Glassnet-Token": TOKEN, "Origin": ORIGIN, "Content-Type": "application/json"}
EXAMPLES = int(os.environ.get("GLASSNET_FUZZ_EXAMPLES", "40"))
LONG = "GLASSNET_FUZZ_EXAMPLES" in os.environ
FUZZ = settings(max_examples=EXAMPLES, deadline=None, derandomize=not LONG, database=None,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large,
                                       HealthCheck.function_scoped_fixture])
POSTS = ["/api/config", "/api/control", "/api/focus", "/api/upload"]


@pytest.fixture(scope="module")
def worker() -> Iterator[Worker]:
    w = Worker()
    yield w
    w.close()


@pytest.fixture(scope="module")
def client(worker: Worker) -> Iterator[TestClient]:
    app = create_app(worker, token=TOKEN, hosts=allowed_hosts("127.0.0.1", PORT))
    with TestClient(app, base_url=ORIGIN, raise_server_exceptions=False) as c:
        c.post("/api/config", content=b"{}", headers=HEADERS)  # a run exists
        yield c


def _snapshot(worker: Worker) -> Any:
    state = worker.state()
    state.pop("stats", None)
    return json.dumps(state, sort_keys=True)


@pytest.mark.parametrize("path", POSTS)
@pytest.mark.parametrize("depth", [65, 1000, 30_000])
def test_deeply_nested_json_is_a_400_naming_the_body(client: TestClient, worker: Worker,
                                                      path: str, depth: int) -> None:
    before = _snapshot(worker)
    for body in ("[" * depth + "]" * depth, '{"a":' * depth + "1" + "}" * depth):
        r = client.post(path, content=body.encode()[:60_000], headers=HEADERS)
        assert r.status_code == 400, r.text
        assert r.json()["error"].startswith("request body: "), r.text
    assert _snapshot(worker) == before


@pytest.mark.parametrize("field", ["n_samples", "n_classes", "data_seed", "seed",
                                   "stop_epochs", "noise", "learning_rate"])
@pytest.mark.parametrize("value", ["1" + "0" * 400, "-1" + "0" * 400, "1e400", "1.5"])
def test_huge_numbers_are_a_400_naming_the_field(client: TestClient, worker: Worker,
                                                 field: str, value: str) -> None:
    before = _snapshot(worker)
    r = client.post("/api/config", content=f'{{"{field}": {value}}}'.encode(), headers=HEADERS)
    if value == "1.5" and field in ("noise", "learning_rate"):
        assert r.status_code == 200, r.text  # a fine value for these: the control
        client.post("/api/config", content=json.dumps(
            json.loads(before)["config"]).encode(), headers=HEADERS)
        return
    assert r.status_code == 400, r.text
    message = r.json()["error"]
    assert field in message or message.startswith("request body: "), message
    if value.startswith(("1", "-1")) and "e" not in value and "." not in value:
        assert message.startswith(field), message  # a huge integer names its field
    assert _snapshot(worker) == before


def test_huge_integers_elsewhere(client: TestClient, worker: Worker) -> None:
    huge = "1" + "0" * 400
    before = _snapshot(worker)
    for path, body in [("/api/focus", f'{{"variant": {huge}}}'),
                       ("/api/config", f'{{"hidden": [{huge}]}}'),
                       ("/api/config", f'{{"batch_size": {huge}}}')]:
        r = client.post(path, content=body.encode(), headers=HEADERS)
        assert r.status_code == 400, (path, r.text)
    for query in (f"variant={huge}&unit=0&layer=x", f"variant=0&unit={huge}&layer=x",
                  "variant=0&unit=" + "9" * 5000):
        r = client.get(f"/api/unit?{query}", headers=HEADERS)
        assert r.status_code == 400, r.text
    assert _snapshot(worker) == before


_leaf = (st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False)
         | st.text(max_size=20) | st.sampled_from([10**400, -(10**400), 2**63, 1e308]))
_json = st.recursive(_leaf, lambda inner: st.lists(inner, max_size=4)
                     | st.dictionaries(st.text(max_size=12), inner, max_size=4), max_leaves=20)
_keys = st.sampled_from(["dataset", "n_samples", "noise", "n_classes", "test_fraction",
                         "data_seed", "hidden", "activation", "optimizer", "learning_rate",
                         "batch_size", "seed", "compare", "regularization", "reg_rate",
                         "dropout", "stop_epochs", "action", "variant", "name", "text"])


def _body(draw: st.DrawFn) -> bytes:
    kind = draw(st.integers(0, 3))
    if kind == 0:
        doc = draw(st.dictionaries(_keys, _json, max_size=5))
    elif kind == 1:
        doc = draw(_json)
    elif kind == 2:
        return draw(st.binary(max_size=200))
    else:
        doc = {"text": draw(st.text(max_size=300)), "name": draw(st.text(max_size=30))}
    return json.dumps(doc).encode()


@FUZZ
@given(data=st.data())
def test_fuzzed_request_bodies_never_answer_500(client: TestClient, worker: Worker,
                                                data: st.DataObject) -> None:
    path = data.draw(st.sampled_from(POSTS))
    body = data.draw(st.composite(_body)())
    before = _snapshot(worker)
    r = client.post(path, content=body, headers=HEADERS)
    assert r.status_code in (200, 400, 413), (path, body[:200], r.status_code, r.text[:300])
    if r.status_code != 200:
        assert "error" in r.json()
        assert _snapshot(worker) == before, (path, body[:200])
    if worker.playing:
        client.post("/api/control", content=b'{"action": "pause"}', headers=HEADERS)


def test_a_lone_surrogate_is_a_400(client: TestClient, worker: Worker) -> None:
    before = _snapshot(worker)
    for path, body in [("/api/upload", b'{"text": "\\ud800"}'),
                       ("/api/upload", b'{"name": "\\udfff.csv", "text": "a,label\\n1,0\\n"}'),
                       ("/api/config", b'{"dataset": "\\ud800"}')]:
        r = client.post(path, content=body, headers=HEADERS)
        assert r.status_code == 400, r.text
        assert "surrogate" in r.json()["error"]
    assert _snapshot(worker) == before
    # a proper pair is text
    r = client.post("/api/config", content=b'{"dataset": "\\ud83d\\ude00"}', headers=HEADERS)
    assert r.status_code == 400 and "dataset" in r.json()["error"]
