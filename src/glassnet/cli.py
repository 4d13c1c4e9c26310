"""The command line: ``glassnet demo``, the lab's experiments, the tour, and a gradient check.

::

    glassnet demo                      train the course's digits network, print test accuracy
    glassnet symmetry|flow|vectorize|unitwise|labor|seeds [options] [--out DIR]
                                       run one experiment, print its tables and verdict
    glassnet tour [--out DIR] [--quick] [--no-open] [--workers N]
                                       run all six, write DIR/report.html (and the PNGs)
    glassnet gradcheck                 finite differences against backpropagation
    glassnet play [--port N]           the playground: a network learning, live in the browser

Each experiment's options are read from its ``run_<name>`` function's keyword arguments
(``n_in`` becomes ``--n-in``), with the function's defaults and documentation, so the
command line and the Python API cannot drift apart.
"""

from __future__ import annotations

import argparse
import inspect
import os
import re
import sys
import textwrap
import time
import webbrowser
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import glassnet as gn
import glassnet.inspect
import glassnet.lab
import glassnet.report

EXPERIMENT_HELP = {
    "symmetry": "Q1: why don't the units of a layer learn the same weights? (initializations)",
    "flow": "Q2: does every unit process every example? (shapes, batches, steps)",
    "vectorize": "Q3: solved all at once, or neuron by neuron? (loops vs matrix form)",
    "unitwise": "Q3: the learner's alternative, run: train unit by unit or layer by layer "
                "instead? (loss for the same gradient evaluations)",
    "labor": "Q4: do units divide the labor? (weight images, selectivity, ablation)",
    "seeds": "Q5: do different seeds find different minima? (matching, CKA, alignment)",
}


# --------------------------------------------------------------------------- demo


def _demo(args: argparse.Namespace) -> int:
    """Train the course's digits model and report its test accuracy."""
    X, y = gn.datasets.load_digits(return_X_y=True)
    X_train, X_test, y_train, y_test = gn.datasets.train_test_split(
        X, y, test_size=0.2, seed=args.seed, stratify=True
    )
    model = gn.Sequential(
        [
            gn.layers.Input(shape=(X.shape[1],)),
            gn.layers.Dense(25, activation="relu", name="L1"),
            gn.layers.Dense(15, activation="relu", name="L2"),
            gn.layers.Dense(10, activation="linear", name="L3"),
        ],
        seed=args.seed,
    )
    model.compile(
        loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
        optimizer=gn.optimizers.Adam(learning_rate=0.001),
        metrics=["accuracy"],
    )
    model.summary()
    model.fit(X_train, y_train, epochs=args.epochs, batch_size=32, validation_split=0.2,
              seed=args.seed, verbose=1)
    result = model.evaluate(X_test, y_test, return_dict=True)
    print(f"Test: loss {result['loss']:.4f}, accuracy {result['accuracy']:.2%} "
          f"on {len(y_test)} held-out digits")
    return 0


# --------------------------------------------------------------------------- experiments


def _plain(text: str) -> str:
    """Docstring markup as plain text: ``code`` -> code, :data:`NAME` -> NAME."""
    return re.sub(r":[a-z]+:`~?([^`]+)`", r"\1", text).replace("``", "")


def _parameter_docs(function: Callable[..., Any]) -> dict[str, str]:
    """``{name: text}`` from a docstring's ``name: text`` (or ``a, b: text``) lines."""
    docs: dict[str, str] = {}
    current: list[str] = []
    for line in (inspect.getdoc(function) or "").splitlines():
        match = re.match(r"^([a-z_][a-z0-9_]*(?:, [a-z_][a-z0-9_]*)*) ?: ?(.*)$", line.strip())
        if match and not line.startswith(" "):
            current = match.group(1).split(", ")
            for name in current:
                docs[name] = _plain(match.group(2))
        elif current and line.startswith("    ") and line.strip():
            for name in current:
                docs[name] += " " + _plain(line.strip())
        else:
            current = []
    return docs


def _options(function: Callable[..., Any]) -> list[tuple[str, Any]]:
    """The keyword arguments a command line can set: those with a bool, int, float or str
    default, a non-empty tuple/list of one of those, or a ``None`` default annotated as a
    list of strings (``inits: list[str] | None = None`` becomes ``--inits NAME ...``)."""
    out = []
    for p in inspect.signature(function).parameters.values():
        if p.kind not in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) or p.default is p.empty:
            continue
        d = p.default
        if isinstance(d, bool | int | float | str) or (
            isinstance(d, tuple | list) and d
            and all(isinstance(v, int | float | str) and not isinstance(v, bool) for v in d)
        ):
            out.append((p.name, d))
        elif d is None and re.search(r"\b(list\[str\]|tuple\[str\b)", str(p.annotation)):
            out.append((p.name, _STRINGS))
    return out


_STRINGS = ("NAME",)
"""Marks an option that takes one or more names and defaults to ``None``."""


def _add_experiment(sub: Any, name: str) -> None:
    try:
        function = glassnet.lab.experiment_function(name)
    except ImportError as exc:
        error = exc
        parser = sub.add_parser(name, help=f"{EXPERIMENT_HELP[name]} [unavailable]")

        def unavailable(args: argparse.Namespace) -> int:
            print(f"glassnet {name}: error: {error}", file=sys.stderr)
            return 1

        parser.set_defaults(func=unavailable)
        return
    parser = sub.add_parser(
        name, help=EXPERIMENT_HELP[name], description=EXPERIMENT_HELP[name],
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    docs = _parameter_docs(function)
    names = []
    for pname, default in _options(function):
        flag = "--" + pname.replace("_", "-")
        text = docs.get(pname, pname.replace("_", " "))
        if isinstance(default, bool):
            parser.add_argument(flag, dest=pname, default=default, help=text,
                                action=argparse.BooleanOptionalAction)
        elif default is _STRINGS:
            parser.add_argument(flag, dest=pname, default=argparse.SUPPRESS, help=text,
                                nargs="+", metavar="NAME")
        elif isinstance(default, tuple | list):
            parser.add_argument(flag, dest=pname, default=default, help=text,
                                nargs="+", type=type(default[0]), metavar="N")
        else:
            parser.add_argument(flag, dest=pname, default=default, help=text,
                                type=type(default), metavar=type(default).__name__.upper())
        names.append((pname, default))
    parser.add_argument("--out", metavar="DIR", default=None,
                        help="also save the experiment's figures as PNG files in DIR")
    parser.set_defaults(func=_run_experiment, experiment=name, function=function,
                        option_names=names, parser=parser)


def _error(command: str, message: object) -> int:
    """One line on standard error, naming the problem; exit status 2."""
    text = " ".join(str(message).split())
    print(f"glassnet {command}: error: {text}", file=sys.stderr)
    return 2


def _check_out(out: Path) -> str | None:
    """Why ``out`` cannot take the report and figures, or None when it can: it is created
    when missing and a test file is written and removed, before any experiment runs."""
    try:
        if out.exists() and not out.is_dir():
            return f"--out {out}: expected a folder, got a file"
        out.mkdir(parents=True, exist_ok=True)
        probe = out / f".glassnet-write-test-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        return f"--out {out}: cannot write there ({exc.strerror or exc})"
    return None


def _run_experiment(args: argparse.Namespace) -> int:
    if args.out is not None:
        if not _have_matplotlib():
            return 1
        problem = _check_out(Path(args.out))
        if problem:
            return _error(args.experiment, problem)
    kwargs = {}
    for pname, default in args.option_names:
        value = getattr(args, pname, None)  # None: an option of names that was not given
        kwargs[pname] = tuple(value) if isinstance(default, tuple) and value is not None else value
    if "progress" in inspect.signature(args.function).parameters:
        kwargs["progress"] = lambda line: print(line, file=sys.stderr, flush=True)
    try:
        result = args.function(**kwargs)
    except gn.GlassnetError as exc:
        return _error(args.experiment, exc)
    print(result.summary())
    print(f"({args.experiment} took {result.seconds:.1f} s)")
    if args.out is not None:
        try:
            paths = glassnet.report.save_figures(result, args.out)
        except OSError as exc:
            return _error(args.experiment, f"--out {args.out}: cannot write the figures "
                                           f"({exc.strerror or exc})")
        for path in paths.values():
            print(f"wrote {path}")
    return 0


def _have_matplotlib() -> bool:
    try:
        glassnet.report.require_matplotlib()
    except ImportError as exc:
        print(f"glassnet: error: {exc}", file=sys.stderr)
        return False
    return True


# --------------------------------------------------------------------------- tour


def _can_open_browser() -> bool:
    """A graphical browser is likely (never start a text browser inside the terminal)."""
    if sys.platform in ("darwin", "win32"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _tour(args: argparse.Namespace) -> int:
    if not _have_matplotlib():
        return 1
    out = Path(args.out)
    problem = _check_out(out)
    if problem:
        return _error("tour", problem)
    mode = "quick tour (smaller sizes, same lessons)" if args.quick else "tour"
    print(textwrap.fill(f"glassnet {mode}: six experiments for the learners' five questions "
                        f"(seed {args.seed})", width=80), file=sys.stderr, flush=True)
    start = time.perf_counter()
    try:
        # the pictures are drawn on the same worker processes as each result arrives
        results, rendered = glassnet.lab.tour.run_tour_and_render(
            glassnet.report.render_figures, quick=args.quick, seed=args.seed, progress=True,
            workers=getattr(args, "workers", None))
    except gn.GlassnetError as exc:
        return _error("tour", exc)
    print("\nThe answers (the evidence is in the report):")
    for result in results:
        print(textwrap.fill(
            f"- Q{_question_number(result.name)} {result.name} ({result.seconds:.1f} s): "
            f"{result.answer or result.verdict}", width=80, subsequent_indent="  ",
            break_on_hyphens=False))
        for note in result.notes:
            if note.startswith("Quick run"):
                print(textwrap.fill(note, width=80, initial_indent="    ",
                                    subsequent_indent="    ", break_on_hyphens=False))
    print("Writing the report ...", file=sys.stderr, flush=True)
    try:
        path = glassnet.report.write_report(
            results, out / "report.html",
            title="glassnet lab report" + (" (quick tour)" if args.quick else ""),
            figure_dir=out, rendered=rendered,
        )
    except OSError as exc:
        return _error("tour", f"--out {out}: cannot write the report ({exc.strerror or exc})")
    total = time.perf_counter() - start
    print(f"\nReport: {path.resolve()}  (figures as PNG in {out.resolve()}; "
          f"{total:.1f} s in all)")
    if not args.no_open and _can_open_browser():
        if webbrowser.open(path.resolve().as_uri()):
            print("Opened the report in your browser.")
    return 0


def _question_number(name: str) -> int:
    """The learner's question an experiment answers (QUESTIONS.md): its help's "Qn"."""
    match = re.match(r"Q(\d+)", EXPERIMENT_HELP.get(name, ""))
    return int(match.group(1)) if match else 0


# --------------------------------------------------------------------------- gradcheck


def _gradcheck(args: argparse.Namespace) -> int:
    """Backpropagation against finite differences on the course's digits network (float64)."""
    X, y = gn.datasets.load_digits(return_X_y=True, dtype="float64")
    model = gn.Sequential(
        [gn.layers.Input(shape=(X.shape[1],)),
         gn.layers.Dense(25, activation="relu"), gn.layers.Dense(15, activation="relu"),
         gn.layers.Dense(10, activation="linear")],
        seed=args.seed, dtype="float64",
    )
    model.compile(loss=gn.losses.SparseCategoricalCrossentropy(from_logits=True),
                  optimizer="adam")
    result = glassnet.inspect.gradient_check(model, X[: args.examples], y[: args.examples],
                                             max_entries=args.entries, seed=args.seed)
    print(f"Model: {model!r}, {args.examples} examples, up to {args.entries} entries "
          "per parameter")
    print(result)
    return 0 if result.passed else 1


# --------------------------------------------------------------------------- parser


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"expected an integer >= 1, got {text}")
    return value


def _seed(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"expected an integer >= 0, got {text}")
    return value


class _Parser(argparse.ArgumentParser):
    """argparse, with a usage error on one line: what is wrong and where help is."""

    def error(self, message: str) -> NoReturn:
        text = " ".join(message.split())
        self.exit(2, f"{self.prog}: error: {text} (see {self.prog} --help)\n")


# --------------------------------------------------------------------------- play


def _play(args: argparse.Namespace) -> int:
    """Start the playground (needs the 'play' extra)."""
    try:
        from glassnet.play import serve
    except ImportError as exc:  # pragma: no cover - only without the extra
        args.parser.error(str(exc))
    try:
        return serve(args.host, args.port, open_browser=not args.no_open and
                     _can_open_browser(), token_file=args.token_file,
                     allow_remote=args.allow_remote)
    except ImportError as exc:
        print(f"glassnet play: {exc}", file=sys.stderr)
        return 1
    except OSError as exc:
        print(f"glassnet play: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(
        prog="glassnet", description="A fast NumPy neural network you can see through."
    )
    parser.add_argument("--version", action="version", version=f"glassnet {gn.__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    demo = sub.add_parser(
        "demo", help="train the course's digits network and report accuracy",
        description="Train the course's 64-25-15-10 ReLU network on the bundled 8x8 digits "
                    "(Adam, batches of 32, 20%% of the training data held out for validation) "
                    "and print its accuracy on held-out test digits.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    demo.add_argument("--epochs", type=_positive_int, default=40,
                      help="passes over the training data")
    demo.add_argument("--seed", type=_seed, default=1234,
                      help="seed of the split, the initial weights and the shuffling")
    demo.set_defaults(func=_demo)

    for name in EXPERIMENT_HELP:
        _add_experiment(sub, name)

    tour = sub.add_parser(
        "tour", help="run all six experiments and write one HTML report",
        description="Run the six experiments, print each one's answer in one sentence, and "
                    "write DIR/report.html with the evidence and figures: about 10 s on two "
                    "cores (the experiments and figures run on one worker process per core).",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    tour.add_argument("--out", metavar="DIR", default="glassnet-report",
                      help="folder for report.html and the PNG figures")
    tour.add_argument("--quick", action="store_true",
                      help="smaller sizes that keep each lesson: about 5 s instead of 10 s "
                           "(rougher numbers; the report says what was cut)")
    tour.add_argument("--no-open", action="store_true",
                      help="do not open the report in a web browser")
    tour.add_argument("--seed", type=_seed, default=0, help="seed for every experiment")
    tour.add_argument("--workers", type=_positive_int, default=argparse.SUPPRESS, metavar="N",
                      help="processes to run the experiments and draw the figures on: one "
                           "per CPU core when not given, at most six (the numbers do not "
                           "depend on it)")
    tour.set_defaults(func=_tour, parser=tour)

    grad = sub.add_parser(
        "gradcheck", help="check backpropagation against finite differences",
        description="Compare backpropagation's gradients of the course's digits network "
                    "(float64) with five-point finite differences of the loss; exit status 1 "
                    "when the largest relative error is above 1e-6.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    grad.add_argument("--examples", type=_positive_int, default=32,
                      help="digits examples in the batch")
    grad.add_argument("--entries", type=_positive_int, default=20,
                      help="entries checked per parameter array")
    grad.add_argument("--seed", type=_seed, default=0, help="the model's seed")
    grad.set_defaults(func=_gradcheck)

    play = sub.add_parser(
        "play", help="the playground: watch a network learn, live in your browser",
        description="Start a local web app that trains real glassnet networks and shows every "
                    "unit live. It listens on 127.0.0.1 only and prints a URL with a random "
                    "token; the token is also written to a file only you can read.",
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    play.add_argument("--port", type=int, default=8765, help="TCP port (0: any free port)")
    play.add_argument("--host", default="127.0.0.1",
                      help="address to listen on; anything but loopback needs --allow-remote")
    play.add_argument("--allow-remote", action="store_true",
                      help="allow a non-loopback --host (prints a warning)")
    play.add_argument("--token-file", metavar="PATH", default=None,
                      help="where to write the token (default: a new private temporary file)")
    play.add_argument("--no-open", action="store_true", help="do not open a web browser")
    play.set_defaults(func=_play, parser=play)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return int(args.func(args))
    except gn.GlassnetError as exc:
        return _error(args.command, exc)
