"""Every code block in the README runs as written (the Python ones in order, in one namespace,
as a reader pasting them into one session would), and the quickstart learns."""

from __future__ import annotations

import contextlib
import io
import re
import shlex
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
README = ROOT / "README.md"
BLOCKS = re.findall(r"```(\w+)\n(.*?)```", README.read_text(encoding="utf-8"), re.S)


def test_every_block_has_a_language_this_test_knows() -> None:
    assert BLOCKS
    assert {lang for lang, _ in BLOCKS} <= {"python", "bash"}


def test_python_blocks_run_in_order_and_the_quickstart_learns() -> None:
    namespace: dict[str, object] = {"__name__": "__readme__"}
    out = io.StringIO()
    python = [code for lang, code in BLOCKS if lang == "python"]
    assert len(python) >= 3
    with contextlib.redirect_stdout(out):
        for i, code in enumerate(python):
            exec(compile(code, f"README python block {i + 1}", "exec"), namespace)  # noqa: S102
            if i == 0:  # the quickstart (later blocks build other models)
                history, W, b = namespace["history"], namespace["W"], namespace["b"]
    assert W.shape == (64, 25) and b.shape == (25,)  # type: ignore[attr-defined]
    acc = history.history["val_accuracy"]  # type: ignore[attr-defined]
    assert len(acc) == 40 and acc[-1] > 0.85
    text = out.getvalue()
    assert "6,250 steps per epoch" in text and "gradient check PASS" in text
    assert "array(" not in text  # results print as tables, not array dumps


def test_bash_blocks_name_real_make_targets() -> None:
    """The shell block's commands are `make` targets of this repository's Makefile (running
    `make test` from inside the test suite would recurse; `make demo` is the tour, which
    test_cli runs in its quick form)."""
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    targets = set(re.findall(r"^([a-z]+):", makefile, re.M))
    commands = [line.split("#")[0].strip() for lang, code in BLOCKS if lang == "bash"
                for line in code.splitlines() if line.split("#")[0].strip()]
    assert commands
    for command in commands:
        words = shlex.split(command)
        assert words[0] == "make" and set(words[1:]) <= targets, command


def test_paths_it_names_are_inside_the_repository() -> None:
    text = README.read_text(encoding="utf-8")
    assert "../" not in text  # nothing outside the checkout
    named = set(re.findall(r"`((?:benchmarks|examples|src|tests)/[\w./-]*)`", text))
    named |= set(re.findall(r"\]\(([^)#:]+)\)", text))
    assert "examples/" in named
    for path in named:
        assert (ROOT / path).exists(), path
