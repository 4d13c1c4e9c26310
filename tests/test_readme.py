"""The README's quickstart runs as written and learns."""

from __future__ import annotations

import re
from pathlib import Path

README = Path(__file__).resolve().parents[1] / "README.md"


def test_quickstart_block_runs_and_learns() -> None:
    blocks = re.findall(r"```python\n(.*?)```", README.read_text(encoding="utf-8"), re.S)
    assert blocks, "README has no python block"
    namespace: dict[str, object] = {}
    exec(compile(blocks[0], "README quickstart", "exec"), namespace)  # noqa: S102
    history = namespace["history"]
    W, b = namespace["W"], namespace["b"]
    assert W.shape == (64, 25) and b.shape == (25,)  # type: ignore[attr-defined]
    acc = history.history["val_accuracy"]  # type: ignore[attr-defined]
    assert len(acc) == 40 and acc[-1] > 0.85
