"""A JupyterLab server for the browser tests: started on 127.0.0.1 with a random token, in a
temporary root directory with its own Jupyter config, data and runtime directories, on a free
port; stopped (its kernels with it) when the test module ends."""

from __future__ import annotations

import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from typing import Any

import nbformat

SRC = Path(__file__).resolve().parents[1] / "src"


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Lab:
    """``Lab(root)``: a running JupyterLab serving ``root``; ``url(name)`` opens a notebook."""

    def __init__(self, root: Path, startup_timeout: float = 90.0) -> None:
        self.root = root
        self.token = secrets.token_hex(16)
        home = root.parent / f"{root.name}-jupyter"
        for sub in ("config", "data", "runtime", "ipython", "workspaces", "settings"):
            (home / sub).mkdir(parents=True, exist_ok=True)
        # no news toasts over the screenshots
        (home / "settings" / "overrides.json").write_text(
            '{"@jupyterlab/apputils-extension:notification": {"fetchNews": "false",'
            ' "checkForUpdates": false}}', encoding="utf-8")
        env = {**os.environ,
               "JUPYTER_CONFIG_DIR": str(home / "config"),
               "JUPYTER_DATA_DIR": str(home / "data"),
               "JUPYTER_RUNTIME_DIR": str(home / "runtime"),
               "IPYTHONDIR": str(home / "ipython"),
               "JUPYTER_PLATFORM_DIRS": "1",
               "PYTHONPATH": os.pathsep.join(
                   [str(SRC)] + [p for p in os.environ.get("PYTHONPATH", "").split(os.pathsep)
                                 if p]),
               "OMP_NUM_THREADS": os.environ.get("OMP_NUM_THREADS", "1")}
        self.log = open(home / "server.log", "wb")  # noqa: SIM115 (closed in stop)
        last_error = ""
        for _ in range(3):  # a port taken between choosing and binding: try another
            self.port = free_port()
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "jupyterlab", "--no-browser",
                 "--ServerApp.ip=127.0.0.1", f"--ServerApp.port={self.port}",
                 "--ServerApp.port_retries=0", f"--IdentityProvider.token={self.token}",
                 f"--ServerApp.root_dir={root}", "--LabApp.expose_app_in_browser=True",
                 f"--LabApp.workspaces_dir={home / 'workspaces'}",
                 f"--LabApp.app_settings_dir={home / 'settings'}",
                 "--ServerApp.allow_remote_access=False", "--ServerApp.terminals_enabled=False",
                 *(["--allow-root"] if os.geteuid() == 0 else [])],
                cwd=root, env=env, stdout=self.log, stderr=subprocess.STDOUT,
                start_new_session=True)
            try:
                self._wait_ready(startup_timeout)
                return
            except RuntimeError as exc:
                last_error = str(exc)
                self.stop()
                self.log = open(home / "server.log", "ab")  # noqa: SIM115
        raise RuntimeError(f"JupyterLab did not start: {last_error}")

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url(self, notebook: str) -> str:
        return f"{self.base}/lab/tree/{notebook}?token={self.token}&reset"

    def _wait_ready(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited with {self.proc.returncode}")
            try:
                req = urllib.request.Request(f"{self.base}/api/status",
                                             headers={"Authorization": f"token {self.token}"})
                with urllib.request.urlopen(req, timeout=2) as response:
                    if response.status == 200:
                        return
            except OSError:
                pass
            time.sleep(0.3)
        raise RuntimeError(f"no answer on port {self.port} within {timeout:.0f} s")

    def write_notebook(self, name: str, cells: list[str]) -> Path:
        book = nbformat.v4.new_notebook()
        book.cells = [nbformat.v4.new_code_cell(src) for src in cells]
        book.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                       "language": "python"}
        path = self.root / name
        nbformat.write(book, path)
        return path

    def stop(self) -> None:
        """SIGTERM (the server shuts its kernels down), then SIGKILL the process group if it
        is still there after 15 s."""
        proc = getattr(self, "proc", None)
        if proc is not None and proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)
        if proc is not None:
            try:  # kernels the server started live in its process group
                os.killpg(proc.pid, signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.log.close()


def run_all(page: Any) -> None:
    """Run every cell of the notebook open in ``page`` (JupyterLab's own command)."""
    page.wait_for_function(
        "() => window.jupyterapp && window.jupyterapp.shell.currentWidget && "
        "window.jupyterapp.shell.currentWidget.sessionContext && "
        "window.jupyterapp.shell.currentWidget.sessionContext.session && "
        "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel && "
        "window.jupyterapp.shell.currentWidget.sessionContext.session.kernel.connectionStatus "
        "=== 'connected'", timeout=90_000)
    page.evaluate("() => { window.jupyterapp.commands.execute('notebook:run-all-cells'); }")
