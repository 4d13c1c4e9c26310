"""The playground: watch every unit of a real glassnet network learn, live in the browser.

``glassnet play`` (or ``make play``) starts a local web app whose networks are
:class:`~glassnet.Sequential` models trained by their own ``fit`` in a worker thread, read by
the instruments of :mod:`glassnet.inspect`, and drawn in the page over a WebSocket. It needs
the ``play`` extra: ``pip install "glassnet[play]"`` (Starlette, uvicorn, websockets).

Secure by default: it listens on 127.0.0.1 only, every request needs the run's random token
(printed in the URL and written to a file only the user can read), and Host and Origin are
checked on every request (see :mod:`glassnet.play.security`).
"""

from __future__ import annotations

import os
import secrets
import signal
import socket
import sys
import tempfile
import threading
from dataclasses import dataclass, field
from typing import Any

from .session import PlayConfig, parse_config

__all__ = ["PlayConfig", "PlayServer", "parse_config", "serve", "start"]

LOOPBACK = ("127.0.0.1", "localhost", "::1")


def _missing_extra(exc: ImportError) -> ImportError:
    return ImportError(
        f"the playground needs the 'play' extra ({exc.name} is not installed): "
        'pip install "glassnet[play]"')


def write_token_file(token: str, path: str | None = None) -> str:
    """Write ``token`` to a file only this user can read (mode 0600) and return its path."""
    if path is None:
        base = os.environ.get("XDG_RUNTIME_DIR") or tempfile.gettempdir()
        fd, path = tempfile.mkstemp(prefix="glassnet-play-", suffix=".token", dir=base)
    else:
        flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC | getattr(os, "O_NOFOLLOW", 0)
        fd = os.open(path, flags, 0o600)
    os.fchmod(fd, 0o600)
    with os.fdopen(fd, "w", encoding="ascii") as fh:
        fh.write(token + "\n")
    return path


@dataclass
class PlayServer:
    """A running playground: its URL (with the token), its worker and its uvicorn server."""

    host: str
    port: int
    token: str
    token_file: str
    worker: Any
    server: Any
    thread: threading.Thread | None = None
    sock: socket.socket | None = field(default=None, repr=False)
    limits: Any = field(default=None, repr=False)

    @property
    def origin(self) -> str:
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"http://{host}:{self.port}"

    @property
    def url(self) -> str:
        return f"{self.origin}/?token={self.token}"

    def stop(self) -> None:
        self.server.should_exit = True
        if self.thread is not None:
            self.thread.join(timeout=10)
        self.worker.close()
        if self.limits is not None:
            self.limits.restore_original_limits()
        if self.token_file and os.path.exists(self.token_file):
            os.unlink(self.token_file)


def start(host: str = "127.0.0.1", port: int = 0, *, config: PlayConfig | None = None,
          token_file: str | None = None, background: bool = True,
          log_level: str = "warning", blas_threads: int | None = 1) -> PlayServer:
    """Bind, build the app and start serving (in a thread when ``background``).

    ``blas_threads`` limits the BLAS thread pool of this process (threadpoolctl) while the
    playground runs: its matrices are small, and one network per thread trains faster with
    one BLAS thread each than with every thread's products fighting over the cores.
    """
    try:
        import uvicorn

        from .app import create_app
        from .security import allowed_hosts
        from .worker import Worker
    except ImportError as exc:
        raise _missing_extra(exc) from exc

    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, port))
    sock.listen(64)
    bound_port = int(sock.getsockname()[1])
    token = secrets.token_urlsafe(24)
    worker = Worker(config)
    app = create_app(worker, token=token, hosts=allowed_hosts(host, bound_port))
    path = write_token_file(token, token_file)  # last of the slow steps: little to leak
    uv_config = uvicorn.Config(app, log_level=log_level, ws_max_size=64 * 1024,
                               ws_ping_interval=None, lifespan="off", access_log=False)
    server = uvicorn.Server(uv_config)
    play = PlayServer(host=host, port=bound_port, token=token, token_file=path, worker=worker,
                      server=server, sock=sock)
    # The event loop shares the GIL with the training threads: hand it over every 0.5 ms
    # (Python's default is 5 ms), so a frame's few hops through the loop do not wait behind
    # a training step each.
    sys.setswitchinterval(0.0005)
    if blas_threads is not None:
        from threadpoolctl import threadpool_limits

        play.limits = threadpool_limits(limits=blas_threads, user_api="blas")
    if background:
        play.thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]},
                                       daemon=True, name="glassnet-play-server")
        play.thread.start()
        import time

        for _ in range(500):
            if server.started:
                break
            time.sleep(0.01)
    return play


def serve(host: str = "127.0.0.1", port: int = 0, *, open_browser: bool = True,
          token_file: str | None = None, allow_remote: bool = False) -> int:
    """Run the playground until Ctrl-C (the ``glassnet play`` command)."""
    if host not in LOOPBACK:
        if host in ("0.0.0.0", "::", ""):
            print("glassnet play: give the address browsers will use (for example "
                  "--host 192.168.1.5): the Host check accepts only the names it was given, "
                  "so a wildcard address would serve nobody", file=sys.stderr)
            return 2
        if not allow_remote:
            print(f"glassnet play: refusing to listen on {host!r}: give --allow-remote to "
                  "expose the playground beyond this machine", file=sys.stderr)
            return 2
        print(f"WARNING: the playground listens on {host}, reachable from other machines. "
              "Anyone with the token can train networks and read your uploaded data; "
              "traffic is not encrypted.", file=sys.stderr)
    # uvicorn shuts down on SIGTERM, then raises the signal again under the handler it found:
    # make that handler an exit, so the token file is removed as after Ctrl-C. It is set
    # before start(), so a SIGTERM during the seconds of starting up is an exit as well.
    previous = signal.signal(signal.SIGTERM, _exit_on_sigterm)
    play: PlayServer | None = None
    try:
        play = start(host, port, token_file=token_file, background=False, log_level="warning")
        print(f"glassnet playground: {play.url}")
        print(f"(token also in {play.token_file}, readable only by you; Ctrl-C stops)",
              flush=True)
        if open_browser:
            import webbrowser

            threading.Timer(0.8, webbrowser.open, args=(play.url,)).start()
        play.server.run(sockets=[play.sock])
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        if play is not None:
            play.stop()
        signal.signal(signal.SIGTERM, previous)
    return 0


def _exit_on_sigterm(signum: int, frame: object) -> None:
    raise SystemExit(0)
