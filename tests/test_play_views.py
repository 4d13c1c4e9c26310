"""The playground sends only the views a page shows: over the WebSocket a page names the views
it shows (``{"views": [...]}``); frames then leave out the parts of the others (weights,
meters and unit heatmaps of the network picture; the output over the plane; the confusion
matrix; the side-by-side cards), and a view shown again gets a complete frame at once, also
while paused. Bad messages are refused and change nothing."""

from __future__ import annotations

import base64
import json
import time
import warnings
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pytest

from glassnet.play import session
from glassnet.play.app import create_app
from glassnet.play.security import allowed_hosts
from glassnet.play.session import VIEWS, parse_config
from glassnet.play.worker import Worker

with warnings.catch_warnings():  # newer Starlette suggests httpx2 for its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PORT = 8766
ORIGIN = f"http://127.0.0.1:{PORT}"
TOKEN = "t0ken-for-the-views-tests-0123456789abcdef"
WS = f"/ws?token={TOKEN}"
WS_HEADERS = {"Host": f"127.0.0.1:{PORT}", "Origin": ORIGIN}
ALL = frozenset(VIEWS)


@pytest.fixture
def served() -> Iterator[tuple[TestClient, Worker]]:
    worker = Worker()
    app = create_app(worker, token=TOKEN, hosts=allowed_hosts("127.0.0.1", PORT))
    with TestClient(app, base_url=ORIGIN) as client:
        yield client, worker
    worker.close()


def post(client: TestClient, path: str, body: Any) -> Any:
    r = client.post(path, json=body, headers={"X-Glassnet-Token": TOKEN, "Origin": ORIGIN})
    assert r.status_code == 200, r.text
    return r.json()


def next_message(ws: Any) -> tuple[dict[str, Any], int]:
    """The next message (acknowledged when it is a frame) and its size in characters."""
    text = ws.receive_text()
    message = json.loads(text)
    if "frame" in message:
        ws.send_text("ack")
    return message, len(text)


def frame_where(ws: Any, test: Callable[[dict[str, Any]], bool],
                limit: int = 50) -> tuple[dict[str, Any], int]:
    """The first frame that passes ``test`` (setups are skipped), and its size."""
    for _ in range(limit):
        message, size = next_message(ws)
        if "frame" in message and test(message["frame"]):
            return message["frame"], size
    raise AssertionError("no such frame came")


def wait_views(worker: Worker, views: frozenset[str]) -> None:
    for _ in range(400):
        if worker.views == views:
            return
        time.sleep(0.005)
    raise AssertionError(f"worker views {sorted(worker.views)}, expected {sorted(views)}")


def show(ws: Any, worker: Worker, *views: str) -> None:
    ws.send_text(json.dumps({"views": list(views)}))
    wait_views(worker, frozenset(views))


def floats(b64: str) -> Any:
    return np.frombuffer(base64.b64decode(b64), dtype="<f4")


def test_hidden_views_are_left_out_and_come_back_complete(
        served: tuple[TestClient, Worker]) -> None:
    client, worker = served
    with client.websocket_connect(WS, headers=WS_HEADERS) as ws:
        # no message yet: every view is shown, every part is sent
        first, full_size = frame_where(ws, lambda f: True)
        assert first["views"] == list(VIEWS)
        v = first["variants"][0]
        assert {"weights", "thumbs", "meters", "boundary"} <= set(v)
        # the network picture scrolled away: no weights, meters or unit heatmaps
        show(ws, worker, "decision", "cards")
        post(client, "/api/control", {"action": "step"})
        frame, small = frame_where(ws, lambda f: f["step"] == 1)
        v = frame["variants"][0]
        assert frame["views"] == ["decision", "cards"]
        assert not {"weights", "thumbs", "meters"} & set(v)
        assert "boundary" in v and v["train_loss"] is not None and "symmetry" in v
        # nothing shown (a hidden tab): the losses, accuracy, symmetry and flagged units only
        show(ws, worker)
        post(client, "/api/control", {"action": "step"})
        frame, tiny = frame_where(ws, lambda f: f["step"] == 2)
        v = frame["variants"][0]
        assert frame["views"] == []
        assert not {"weights", "thumbs", "meters", "boundary", "confusion"} & set(v)
        assert {"train_loss", "test_loss", "test_acc", "symmetry", "flagged"} <= set(v)
        assert tiny < small < full_size / 2
        # shown again: a full frame at once, while paused, without any step
        assert not worker.playing
        show(ws, worker, "network", "decision")
        frame, size = frame_where(ws, lambda f: "network" in f["views"])
        assert frame["step"] == 2 and frame["full"]
        v = frame["variants"][0]
        assert {"weights", "thumbs", "meters", "boundary"} <= set(v)
        for sent, now in zip(v["weights"], worker.weights(0)):
            np.testing.assert_array_equal(floats(sent), now.ravel())
        assert size > 2 * tiny
    wait_views(worker, ALL)  # the page left: back to the default (nobody asks for less)


def test_a_view_shown_while_playing_gets_a_full_frame(served: tuple[TestClient, Worker]) -> None:
    client, worker = served
    post(client, "/api/config", {"dataset": "digits", "hidden": [32], "activation": "relu",
                                 "optimizer": "adam", "learning_rate": 0.001,
                                 "batch_size": 32})
    with client.websocket_connect(WS, headers=WS_HEADERS) as ws:
        frame_where(ws, lambda f: "confusion" in f["variants"][0])
        show(ws, worker)
        post(client, "/api/control", {"action": "play"})
        hidden, hidden_size = frame_where(ws, lambda f: f["step"] > 0 and not f["full"])
        assert "weights" not in hidden["variants"][0]
        # a full frame while the view is hidden leaves out what it would have drawn
        full, _ = frame_where(ws, lambda f: f["full"] and f["step"] > hidden["step"])
        assert not {"confusion", "meters", "weights"} & set(full["variants"][0])
        show(ws, worker, "network", "decision")
        back, back_size = frame_where(ws, lambda f: "network" in f["views"])
        # the first frame of the shown views is complete: every weight, the meters, the
        # confusion matrix of the test set
        v = back["variants"][0]
        assert back["full"] and {"weights", "meters", "confusion"} <= set(v)
        assert sum(map(sum, v["confusion"])) == 899  # half of the 1,797 digits
        assert [len(floats(w)) for w in v["weights"]] == [64 * 32, 32, 32 * 10, 10]
        assert back_size > 5 * hidden_size  # the weights dominate a digits frame
        post(client, "/api/control", {"action": "pause"})


def test_side_by_side_cards_need_every_networks_output(
        served: tuple[TestClient, Worker]) -> None:
    client, worker = served
    post(client, "/api/config", {"compare": "seeds"})
    with client.websocket_connect(WS, headers=WS_HEADERS) as ws:
        frame, _ = frame_where(ws, lambda f: len(f["variants"]) == 3)
        assert all("boundary" in v for v in frame["variants"])
        show(ws, worker, "decision")  # the cards scrolled away: only the focus's output
        post(client, "/api/control", {"action": "step"})
        frame, _ = frame_where(ws, lambda f: f["step"] == 1)
        assert ["boundary" in v for v in frame["variants"]] == [True, False, False]
        show(ws, worker, "network")
        post(client, "/api/control", {"action": "step"})
        frame, _ = frame_where(ws, lambda f: f["step"] == 2)
        assert not any("boundary" in v for v in frame["variants"])
        assert "weights" in frame["variants"][0]
        assert not any("weights" in v for v in frame["variants"][1:])
        show(ws, worker, "cards")
        frame, _ = frame_where(ws, lambda f: "cards" in f["views"])
        assert all("boundary" in v for v in frame["variants"]) and frame["step"] == 2


def test_two_pages_get_what_either_shows(served: tuple[TestClient, Worker]) -> None:
    client, worker = served
    with client.websocket_connect(WS, headers=WS_HEADERS) as one:
        frame_where(one, lambda f: True)
        show(one, worker)  # one page: nothing shown; alone, it gets nothing heavy
        with client.websocket_connect(WS, headers=WS_HEADERS) as two:
            frame_where(two, lambda f: True)
            assert worker.views == ALL  # the second page has not spoken: everything
            two.send_text(json.dumps({"views": ["network"]}))
            wait_views(worker, frozenset({"network"}))
        wait_views(worker, frozenset())  # the second page left: the first's views remain


@pytest.mark.parametrize("message, expected", [
    ('{"views": ["network", "weights"]}', "views: expected distinct names"),
    ('{"views": ["network", "network"]}', "views: expected distinct names"),
    ('{"views": "network"}', 'views: expected {"views": [...]}'),
    ('{"views": [], "extra": 1}', 'views: expected {"views": [...]}'),
    ('["network"]', 'views: expected {"views": [...]}'),
    ("views please", "not JSON"),
    ("[" * 100_000, "at most 1024 characters"),
    ('{"views": [' + '"network",' * 200 + '"decision"]}', "at most 1024 characters"),
    ('{"views": [{"a": [[[[[[[]]]]]]]}]}', "views: expected distinct names"),
])
def test_bad_views_messages_are_refused_and_change_nothing(
        served: tuple[TestClient, Worker], message: str, expected: str) -> None:
    client, worker = served
    with client.websocket_connect(WS, headers=WS_HEADERS) as ws:
        frame_where(ws, lambda f: True)
        show(ws, worker, "decision")
        ws.send_text(message)
        for _ in range(20):
            answer, _ = next_message(ws)
            if answer.get("type") == "error":
                break
        assert answer["type"] == "error" and expected in answer["error"]
        assert worker.views == frozenset({"decision"})
        # the connection goes on: a proper message is still read
        show(ws, worker, "network")


def test_parse_views_and_set_views_check_their_input() -> None:
    assert session.parse_views('{"views": []}') == frozenset()
    assert session.parse_views('{"views": ["cards", "network"]}') == {"cards", "network"}
    worker = Worker()
    try:
        with pytest.raises(Exception, match="views"):
            worker.set_views(frozenset({"nope"}))
        with pytest.raises(Exception, match="views"):
            worker.set_views({"network"})  # type: ignore[arg-type]
        assert worker.views == ALL
    finally:
        worker.close()


def test_frame_for_computes_only_the_views_asked_for() -> None:
    cfg = parse_config({"dataset": "digits", "hidden": [8]})
    data = session.build_data(cfg)
    model = session.build_model(cfg, data, session.variants(cfg)[0])
    frame = session.frame_for([model], data, 0, 0, 45, 1437, 32, views=frozenset())
    v = frame["variants"][0]
    assert frame["views"] == [] and not {"weights", "meters", "confusion"} & set(v)
    frame = session.frame_for([model], data, 0, 0, 45, 1437, 32)
    v = frame["variants"][0]
    assert frame["views"] == list(VIEWS) and {"weights", "meters", "confusion"} <= set(v)


def test_any_views_message_is_a_set_of_views_or_a_config_error() -> None:
    from hypothesis import given, settings
    from hypothesis import strategies as st

    import glassnet as gn

    json_values = st.recursive(
        st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=12)
        | st.sampled_from(VIEWS),
        lambda inner: st.lists(inner, max_size=5)
        | st.dictionaries(st.text(max_size=8) | st.just("views"), inner, max_size=3),
        max_leaves=20)

    @settings(max_examples=300, deadline=None, derandomize=True)
    @given(st.text(max_size=1500) | json_values.map(lambda v: json.dumps({"views": v}))
           | json_values.map(json.dumps))
    def check(text: str) -> None:
        try:
            views = session.parse_views(text)
        except gn.ConfigError as exc:
            assert str(exc).startswith("views: ")
        else:
            assert views <= ALL

    check()
