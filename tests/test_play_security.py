"""The playground's guard: every request without the token, from a foreign Host or Origin, in
a form encoding, or too large, is refused with the right status; the server listens on
loopback only."""

from __future__ import annotations

import os
import socket
import stat
import warnings
from collections.abc import Iterator

import pytest
from starlette.websockets import WebSocketDisconnect

from glassnet.play import start, write_token_file
from glassnet.play.app import MAX_BODY, MAX_UPLOAD, create_app
from glassnet.play.security import allowed_hosts
from glassnet.play.worker import Worker

with warnings.catch_warnings():  # newer Starlette suggests httpx2 for its TestClient
    warnings.simplefilter("ignore")
    from starlette.testclient import TestClient

PORT = 8765
ORIGIN = f"http://127.0.0.1:{PORT}"
TOKEN = "t0ken-for-the-tests-0123456789abcdef"


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    worker = Worker()
    app = create_app(worker, token=TOKEN, hosts=allowed_hosts("127.0.0.1", PORT))
    with TestClient(app, base_url=ORIGIN) as c:
        yield c
    worker.close()


def good(**extra: str) -> dict[str, str]:
    return {"X-Glassnet-Token": TOKEN, "Origin": ORIGIN, **extra}


# ------------------------------------------------------------------ accepted (the controls)

def test_a_proper_request_is_served_with_the_security_headers(client: TestClient) -> None:
    r = client.get("/api/state", headers={"X-Glassnet-Token": TOKEN})
    assert r.status_code == 200 and r.json()["step"] >= 0
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["x-frame-options"] == "DENY"
    assert r.headers["referrer-policy"] == "no-referrer"
    r = client.post("/api/control", json={"action": "pause"}, headers=good())
    assert r.status_code == 200, r.text
    page = client.get(f"/?token={TOKEN}")
    assert page.status_code == 200 and f'content="{TOKEN}"' in page.text


def test_localhost_names_are_accepted(client: TestClient) -> None:
    for host in (f"localhost:{PORT}", f"[::1]:{PORT}"):
        r = client.get("/api/state", headers={"X-Glassnet-Token": TOKEN, "Host": host})
        assert r.status_code == 200


# ------------------------------------------------------------------ refused

@pytest.mark.parametrize("headers,status", [
    ({}, 401),                                                    # no token
    ({"X-Glassnet-Token": "wrong"}, 401),                         # wrong token
    ({"X-Glassnet-Token": TOKEN[:-1]}, 401),                      # a prefix of the token
    ({"X-Glassnet-Token": TOKEN, "Host": f"evil.example:{PORT}"}, 400),  # DNS rebinding
    ({"X-Glassnet-Token": TOKEN, "Host": "127.0.0.1:9999"}, 400),  # another port
    ({"X-Glassnet-Token": TOKEN, "Origin": "http://evil.example"}, 403),
    ({"X-Glassnet-Token": TOKEN, "Origin": "null"}, 403),
])
def test_get_requests_are_refused(client: TestClient, headers: dict[str, str],
                                  status: int) -> None:
    r = client.get("/api/state", headers=headers)
    assert r.status_code == status
    assert "step" not in r.text


def test_the_page_and_its_assets_need_the_token(client: TestClient) -> None:
    assert client.get("/").status_code == 401
    assert client.get("/static/app.js").status_code == 401
    assert client.get("/api/export/model").status_code == 401
    assert client.get("/api/export/script?token=nope").status_code == 401


@pytest.mark.parametrize("headers,status", [
    (good(Origin="http://evil.example"), 403),                      # cross-site
    (good(Origin="null"), 403),                                     # sandboxed frame, file://
    (good(Origin=f"http://127.0.0.1:{PORT + 1}"), 403),             # another local port
    ({"X-Glassnet-Token": TOKEN}, 403),                             # no Origin on a POST
    ({"Origin": ORIGIN}, 401),                                      # no token
    (good(Host=f"evil.example:{PORT}"), 400),                       # rebinding
])
def test_posts_are_refused(client: TestClient, headers: dict[str, str], status: int) -> None:
    before = client.get("/api/state", headers=good()).json()["step"]
    r = client.post("/api/control", json={"action": "step"}, headers=headers)
    assert r.status_code == status
    assert client.get("/api/state", headers=good()).json()["step"] == before


@pytest.mark.parametrize("content_type", [
    "application/x-www-form-urlencoded", "multipart/form-data; boundary=x", "text/plain", None,
])
def test_state_changes_take_json_only(client: TestClient, content_type: str | None) -> None:
    headers = good()
    if content_type:
        headers["Content-Type"] = content_type
    r = client.post("/api/control", content=b"action=step", headers=headers)
    assert r.status_code == 415


def test_oversize_requests_are_refused_with_413(client: TestClient) -> None:
    big = b'{"action": "' + b"x" * (MAX_BODY + 10) + b'"}'
    r = client.post("/api/control", content=big, headers=good(**{"Content-Type":
                                                                  "application/json"}))
    assert r.status_code == 413
    upload = b'{"name": "a.csv", "text": "' + b"1" * (MAX_UPLOAD + 10) + b'"}'
    r = client.post("/api/upload", content=upload, headers=good(**{"Content-Type":
                                                                    "application/json"}))
    assert r.status_code == 413

    def chunks() -> Iterator[bytes]:  # no Content-Length: counted as it arrives
        yield b'{"action": "'
        for _ in range(MAX_BODY // 1024 + 2):
            yield b"y" * 1024
        yield b'"}'
    r = client.post("/api/control", content=chunks(), headers=good(**{"Content-Type":
                                                                       "application/json"}))
    assert r.status_code == 413


def test_a_csv_text_over_the_limit_is_refused(client: TestClient) -> None:
    text = "1,2,0\n" * (2 * 1024 * 1024 // 6 + 10)
    r = client.post("/api/upload", json={"name": "big.csv", "text": text}, headers=good())
    assert r.status_code == 413


def test_no_path_is_taken_from_a_request(client: TestClient) -> None:
    for path in ("/static/..%2F__init__.py", "/static/index.html", "/static/%2Fetc%2Fpasswd",
                 "/static/session.py"):
        r = client.get(path, headers={"X-Glassnet-Token": TOKEN})
        assert r.status_code == 404, path


HOST = {"Host": f"127.0.0.1:{PORT}"}


@pytest.mark.parametrize("url,headers,reason", [
    ("/ws", {"Origin": ORIGIN}, "token"),                                  # no token
    ("/ws?token=wrong", {"Origin": ORIGIN}, "token"),                      # wrong token
    (f"/ws?token={TOKEN}", {"Origin": "http://evil.example"}, "Origin"),   # cross-site
    (f"/ws?token={TOKEN}", {"Origin": "null"}, "Origin"),
    (f"/ws?token={TOKEN}", {}, "Origin"),                                  # no Origin
    (f"/ws?token={TOKEN}", {"Origin": ORIGIN, "Host": f"evil.example:{PORT}"}, "Host"),
])
def test_websockets_are_refused(client: TestClient, url: str, headers: dict[str, str],
                                reason: str) -> None:
    with pytest.raises(WebSocketDisconnect) as info:
        with client.websocket_connect(url, headers={**HOST, **headers}) as ws:
            ws.receive_text()
    assert info.value.code == 1008
    assert reason in info.value.reason


def test_a_proper_websocket_gets_the_setup_and_frames(client: TestClient) -> None:
    with client.websocket_connect(f"/ws?token={TOKEN}", headers={**HOST, "Origin": ORIGIN}) as ws:
        assert '"type":"setup"' in ws.receive_text()
        assert '"frame":' in ws.receive_text()
        r = client.post("/api/control", json={"action": "play"}, headers=good())
        assert r.json()["state"]["playing"]
    # the last page closed: the playground pauses instead of training for nobody
    import time

    for _ in range(100):
        if not client.get("/api/state", headers=good()).json()["playing"]:
            break
        time.sleep(0.05)
    assert not client.get("/api/state", headers=good()).json()["playing"]


def test_settings_errors_name_the_setting(client: TestClient) -> None:
    r = client.post("/api/config", json={"hidden": [0]}, headers=good())
    assert r.status_code == 400 and "hidden" in r.json()["error"]
    r = client.post("/api/config", json={"dataset": "/etc/passwd"}, headers=good())
    assert r.status_code == 400 and "dataset" in r.json()["error"]
    r = client.post("/api/config", json={"path": "x"}, headers=good())
    assert r.status_code == 400 and "unknown setting" in r.json()["error"]


# ------------------------------------------------------------------ the listening socket

def _listening_addresses(port: int) -> list[str]:
    found = []
    for name in ("/proc/net/tcp", "/proc/net/tcp6"):
        if not os.path.exists(name):
            continue
        with open(name) as fh:
            for line in fh.readlines()[1:]:
                local, state = line.split()[1], line.split()[3]
                address, hex_port = local.rsplit(":", 1)
                if state == "0A" and int(hex_port, 16) == port:  # 0A = LISTEN
                    found.append(address)
    return found


def _non_loopback_address() -> str | None:
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as s:
            s.connect(("192.0.2.1", 9))  # TEST-NET: nothing is sent
            address = s.getsockname()[0]
    except OSError:
        return None
    return None if address.startswith("127.") else address


def test_the_server_listens_on_loopback_only() -> None:
    server = start(blas_threads=None)
    try:
        assert server.host == "127.0.0.1"
        if os.path.exists("/proc/net/tcp"):
            assert _listening_addresses(server.port) == ["0100007F"]  # 127.0.0.1, nothing else
        other = _non_loopback_address()
        if other is not None:
            with pytest.raises(OSError):
                socket.create_connection((other, server.port), timeout=2).close()
        socket.create_connection(("127.0.0.1", server.port), timeout=2).close()
        mode = stat.S_IMODE(os.stat(server.token_file).st_mode)
        assert mode == 0o600
        with open(server.token_file) as fh:
            assert fh.read().strip() == server.token
        assert len(server.token) >= 32
    finally:
        server.stop()
    assert not os.path.exists(server.token_file)


def test_another_address_needs_the_explicit_flag(capsys: pytest.CaptureFixture[str]) -> None:
    from glassnet.play import serve

    assert serve("192.0.2.7", 0, open_browser=False) == 2
    assert "--allow-remote" in capsys.readouterr().err
    assert serve("0.0.0.0", 0, open_browser=False, allow_remote=True) == 2
    assert "wildcard" in capsys.readouterr().err
    assert allowed_hosts("192.0.2.7", 80) >= {"192.0.2.7:80", "127.0.0.1:80"}


def test_a_token_file_is_private(tmp_path: os.PathLike[str]) -> None:
    path = write_token_file("abc", os.path.join(os.fspath(tmp_path), "token"))
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_the_play_command_prints_a_tokened_loopback_url_and_cleans_up() -> None:
    import re
    import signal
    import subprocess
    import sys

    import httpx

    proc = subprocess.Popen([sys.executable, "-m", "glassnet", "play", "--port", "0",
                             "--no-open"], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        match = re.search(r"http://127\.0\.0\.1:(\d+)/\?token=([\w-]+)", line)
        assert match, line
        token_line = proc.stdout.readline()
        token_file = re.search(r"token also in (\S+),", token_line)
        assert token_file, token_line
        assert os.path.exists(token_file.group(1))
        assert httpx.get(match.group(0), timeout=10).status_code == 200
        assert httpx.get(match.group(0).split("?")[0], timeout=10).status_code == 401
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=20)
    assert not os.path.exists(token_file.group(1))


def test_sigterm_while_starting_leaves_no_token_file(tmp_path: os.PathLike[str]) -> None:
    """A SIGTERM in the seconds the playground takes to start (here: a slowed worker) is a
    clean exit, and no token file is left behind."""
    import signal
    import subprocess
    import sys

    token_file = os.path.join(os.fspath(tmp_path), "token")
    script = (
        "import sys, time\n"
        "import glassnet.play.worker as w\n"
        "from glassnet.play import serve\n"
        "init = w.Worker.__init__\n"
        "def slow(self, *a, **k):\n"
        "    print('starting', flush=True)\n"
        "    time.sleep(30)\n"
        "    init(self, *a, **k)\n"
        "w.Worker.__init__ = slow\n"
        f"sys.exit(serve('127.0.0.1', 0, open_browser=False, token_file={token_file!r}))\n"
    )
    proc = subprocess.Popen([sys.executable, "-c", script], stdout=subprocess.PIPE, text=True)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "starting"
    finally:
        proc.send_signal(signal.SIGTERM)
        returncode = proc.wait(timeout=20)
    assert returncode == 0
    assert not os.path.exists(token_file)
