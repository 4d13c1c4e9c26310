"""The playground's web app (Starlette): the page, its JSON API and the live WebSocket.

Routes (every one behind :class:`~glassnet.play.security.Guard`)::

    GET  /                    the page (its asset URLs carry the token)
    GET  /static/{name}       the page's script and style sheet (package data, fixed names)
    GET  /api/state           settings, step, whether it plays
    POST /api/config          new settings (JSON): a new run, paused at step 0
    POST /api/control         {"action": play|pause|step|step_epoch|reset|new_init}
    POST /api/focus           {"variant": i}: which network the big picture shows
    POST /api/speed           {"steps_per_frame": n}: steps per frame while playing (0: auto)
    POST /api/weight          {"weight": k, "index": i, "value": x}: type one weight
    GET  /api/link            the run as a link's fragment (settings, step, typed weights)
    POST /api/link            {"state": fragment}: reopen the run a link describes
    POST /api/upload          {"name": ..., "text": CSV text}: read by glassnet's CSV loader
    GET  /api/unit            ?variant=&layer=&unit=: one unit's history from the recorder
    GET  /api/export/model    the network in focus, as a glassnet model file
    GET  /api/export/script   a Python script that replays the run bit for bit
    WS   /ws                  setup and frames; the page acknowledges each frame it drew
                              ("ack") and says which views it shows ({"views": [...]})

No request ever names a file: static files are looked up in a fixed table of package data.
"""

from __future__ import annotations

import asyncio
import json
from importlib import resources
from typing import Any

from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route, WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from ..errors import GlassnetError
from ..io import parse_json
from . import session
from .security import Guard
from .worker import Worker

__all__ = ["MAX_BODY", "MAX_UPLOAD", "create_app"]

MAX_BODY = 64 * 1024            # any JSON request
MAX_UPLOAD = 4 * 1024 * 1024    # the CSV upload request (the CSV text inside JSON)
MAX_CSV_CHARS = 2 * 1024 * 1024
STATIC = {"app.js": "text/javascript; charset=utf-8",
          "netview.js": "text/javascript; charset=utf-8",  # the drawing, shared with LiveView
          "style.css": "text/css; charset=utf-8"}


def _asset(name: str) -> bytes:
    return resources.files("glassnet.play").joinpath("static", name).read_bytes()


def _error(status: int, message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=status)


class BadRequest(GlassnetError):
    """A request body that is not JSON the playground reads (answered 400)."""


async def _json(request: Request) -> Any:
    """The request's JSON body, parsed under :func:`glassnet.io.parse_json`'s caps (size,
    nesting depth, finite numbers, no duplicate keys); anything else is a 400 naming the
    body, never a 500 (a RecursionError from deep nesting, a number too large for a float)."""
    try:
        raw = parse_json(await request.body(), "request body", BadRequest)
        # a lone surrogate ("\ud800") is valid JSON but no text: refuse it here, before a
        # handler meets it (and UTF-8 encoding it fails)
        json.dumps(raw, ensure_ascii=False).encode("utf-8")
        return raw
    except BadRequest:
        raise
    except UnicodeEncodeError:
        raise BadRequest("request body: a string holds a lone surrogate (\\ud800-\\udfff), "
                         "not text") from None
    except Exception as exc:  # the boundary: nothing the parser raises becomes a 500
        raise BadRequest(f"request body: not JSON the playground reads "
                         f"({type(exc).__name__})") from exc


async def _bad_request(request: Request, exc: Exception) -> Response:
    return _error(400, str(exc))


def create_app(worker: Worker, *, token: str, hosts: set[str]) -> Guard:
    """The ASGI app: Starlette routes wrapped in the guard."""
    page = _asset("index.html").decode("utf-8").replace("__TOKEN__", token)
    assets = {name: _asset(name) for name in STATIC}

    async def index(request: Request) -> Response:
        return Response(page, media_type="text/html; charset=utf-8")

    async def static(request: Request) -> Response:
        name = request.path_params["name"]
        if name not in STATIC:
            return _error(404, "no such asset")
        return Response(assets[name], media_type=STATIC[name])

    async def state(request: Request) -> Response:
        return JSONResponse(worker.state())

    async def call(fn: Any, *args: Any) -> Response:
        try:
            result = await run_in_threadpool(fn, *args)
        except GlassnetError as exc:
            return _error(400, str(exc))
        return JSONResponse({"ok": True, "result": result, "state": worker.state()})

    async def config(request: Request) -> Response:
        raw = await _json(request)
        try:
            cfg = session.parse_config(raw, worker.config)
        except GlassnetError as exc:
            return _error(400, str(exc))
        return await call(worker.configure, cfg)

    async def control(request: Request) -> Response:
        raw = await _json(request)
        if not isinstance(raw, dict) or not isinstance(raw.get("action"), str):
            return _error(400, 'expected {"action": "play" | "pause" | "step" | ...}')
        return await call(worker.control, raw["action"])

    async def focus(request: Request) -> Response:
        raw = await _json(request)
        index = raw.get("variant") if isinstance(raw, dict) else None
        if isinstance(index, bool) or not isinstance(index, int):
            return _error(400, 'expected {"variant": <index>}')
        return await call(worker.set_focus, index)

    async def speed(request: Request) -> Response:
        raw = await _json(request)
        n = raw.get("steps_per_frame") if isinstance(raw, dict) else None
        return await call(worker.set_speed, n)

    async def weight(request: Request) -> Response:
        raw = await _json(request)
        if not isinstance(raw, dict):
            return _error(400, 'expected {"weight": k, "index": i, "value": x}')
        return await call(worker.edit_weight, raw.get("weight"), raw.get("index"),
                          raw.get("value"))

    async def link(request: Request) -> Response:
        if request.method == "GET":
            return JSONResponse({"state": await run_in_threadpool(worker.link_state)})
        raw = await _json(request)
        if not isinstance(raw, dict) or not isinstance(raw.get("state"), str):
            return _error(400, 'expected {"state": "<the text after # in the link>"}')
        return await call(worker.open_link, raw["state"])

    async def upload(request: Request) -> Response:
        raw = await _json(request)
        if not isinstance(raw, dict) or not isinstance(raw.get("text"), str):
            return _error(400, 'expected {"name": "<file name>", "text": "<CSV text>"}')
        text: str = raw["text"]
        if len(text) > MAX_CSV_CHARS:
            return _error(413, f"the CSV is larger than {MAX_CSV_CHARS // 1024 // 1024} MiB")
        name = raw.get("name") if isinstance(raw.get("name"), str) else "upload.csv"
        label = "".join(c for c in str(name)[:80] if c.isprintable()) or "upload.csv"
        return await call(worker.upload_csv, label, text)

    async def unit(request: Request) -> Response:
        q = request.query_params
        try:
            variant, number = int(q.get("variant", "0")), int(q.get("unit", ""))
        except ValueError:
            return _error(400, "variant and unit: expected integers")
        return await call(worker.unit_history, variant, q.get("layer", ""), number)

    async def export_model(request: Request) -> Response:
        data = await run_in_threadpool(worker.export_model)
        return Response(data, media_type="application/octet-stream", headers={
            "content-disposition": 'attachment; filename="playground-model.glassnet"'})

    async def export_script(request: Request) -> Response:
        text = await run_in_threadpool(worker.export_script)
        return Response(text, media_type="text/x-python; charset=utf-8", headers={
            "content-disposition": 'attachment; filename="playground_run.py"'})

    clients = 0
    # the views each open page shows (session.VIEWS; all until it says otherwise): frames
    # carry the union, so a view no page shows is neither computed nor sent
    watching: dict[int, frozenset[str]] = {}

    def union() -> frozenset[str]:
        return frozenset(v for views in watching.values() for v in views) if watching \
            else frozenset(session.VIEWS)

    def update_views(shown: frozenset[str] = frozenset(), refresh: bool = True) -> None:
        """The worker computes the union of the pages' views; a page that shows ``shown``
        again gets a full frame at once (the worker publishes one next). Never waits."""
        views = union()
        if views != worker.views:  # a view added to the union: a full frame comes next
            worker.set_views(views, refresh)
        elif shown and refresh:  # another page showed it all along: a full frame for this one
            worker.refresh_soon()

    async def live(ws: WebSocket) -> None:
        nonlocal clients
        await ws.accept()
        clients += 1
        acked = asyncio.Event()
        acked.set()
        closed = asyncio.Event()
        me = id(ws)
        watching[me] = frozenset(session.VIEWS)  # every view until the page says otherwise
        notes: list[str] = []  # answers to a bad message, sent by the frame loop
        # views this page shows again and has not had a full frame of since: a light frame
        # holding them (weights without meters, no confusion matrix) is not sent to it
        pending: set[str] = set()

        async def read() -> None:
            try:
                while True:
                    message = await ws.receive_text()
                    if message == "ack":
                        acked.set()
                        continue
                    try:
                        views = session.parse_views(message)
                    except GlassnetError as exc:  # refused; the page's views stay as they were
                        if len(notes) < 4:
                            notes.append(session.dumps({"type": "error", "error": str(exc)}))
                        continue
                    shown = views - watching[me]
                    watching[me] = views
                    pending.intersection_update(views)
                    pending.update(shown)
                    update_views(shown)
            except (WebSocketDisconnect, RuntimeError, KeyError):
                pass
            finally:
                closed.set()

        reader = asyncio.create_task(read())
        run_id, version, sent_curve = "", -1, 0
        try:
            update_views()  # a new page shows everything: the worker computes it
            while not closed.is_set():
                while notes:
                    await ws.send_text(notes.pop(0))
                latest = worker.latest
                if not acked.is_set() or latest[0] == version:
                    await asyncio.sleep(0.004)
                    continue
                if worker.run_id != run_id:
                    run_id, sent_curve = worker.run_id, 0
                    await ws.send_text(worker.setup_json)
                    latest = worker.latest
                if pending & latest[3] and not latest[2]:
                    # a view shown again comes complete: the last full frame if it holds the
                    # view and is newer than what the page has, else wait for the full frame
                    # the worker is publishing (update_views asked for it)
                    full = worker.last_full
                    if full[0] > version and pending <= full[3]:
                        latest = full
                    else:
                        await asyncio.sleep(0.004)
                        continue
                if latest[2]:
                    pending.difference_update(latest[3])
                version, frame, curve = latest[0], latest[1], worker.curve
                new_points = curve[sent_curve:]
                sent_curve = len(curve)
                acked.clear()
                await ws.send_text('{"curve":' + session.dumps(new_points) + ',"frame":'
                                   + frame + "}")
        except (WebSocketDisconnect, RuntimeError):
            pass
        finally:
            reader.cancel()
            clients -= 1
            watching.pop(me, None)
            update_views(refresh=False)  # fewer pages: no view to bring up to date
            if clients == 0 and worker.playing:  # nobody watches: stop using the CPU
                worker.pause_soon()

    routes = [
        Route("/", index),
        Route("/static/{name}", static),
        Route("/api/state", state),
        Route("/api/config", config, methods=["POST"]),
        Route("/api/control", control, methods=["POST"]),
        Route("/api/focus", focus, methods=["POST"]),
        Route("/api/upload", upload, methods=["POST"]),
        Route("/api/speed", speed, methods=["POST"]),
        Route("/api/weight", weight, methods=["POST"]),
        Route("/api/link", link, methods=["GET", "POST"]),
        Route("/api/unit", unit),
        Route("/api/export/model", export_model),
        Route("/api/export/script", export_script),
        WebSocketRoute("/ws", live),
    ]
    return Guard(Starlette(routes=routes, exception_handlers={BadRequest: _bad_request}),
                 token=token, hosts=hosts, max_body=MAX_BODY,
                 limits={"/api/upload": MAX_UPLOAD})
