"""The notebooks in examples/ run headless, top to bottom, and show what they promise.

They are stored without outputs (a test checks that too) and executed here with nbclient on
the python3 kernel of the interpreter running the tests.
"""

from __future__ import annotations

from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"
NOTEBOOKS = sorted(EXAMPLES.glob("*.ipynb"))

#: text each notebook's outputs must contain: its one-sentence answer, or what it opens
EXPECTED = {
    "q1_symmetry.ipynb": "Random initialization is what makes units differ",
    "q2_flow.ipynb": "Every unit processes every example",
    "q3_vectorize.ipynb": "All at once",
    "q3_unitwise.ipynb": "Solved together is better",
    "q4_labor.ipynb": "Partly: after training the units do respond to different things",
    "q5_seeds.ipynb": "different seeds find different minima",
    "course_model.ipynb": "gradient check PASS",
}


def test_one_notebook_per_question_and_a_course_model() -> None:
    assert sorted(p.name for p in NOTEBOOKS) == sorted(EXPECTED)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_is_stored_without_outputs(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    for cell in book.cells:
        if cell.cell_type == "code":
            assert cell.outputs == [] and cell.execution_count is None, path.name


def _texts(book: object) -> tuple[str, int]:
    texts: list[str] = []
    images = 0
    for cell in book.cells:  # type: ignore[attr-defined]
        for out in cell.get("outputs", []):
            assert out.get("output_type") != "error", (cell.source, out)
            if "text" in out:
                texts.append(out["text"])
            data = out.get("data", {})
            texts += [data.get("text/plain", ""), data.get("text/html", "")]
            images += "image/png" in data
            images += data.get("text/html", "").count("data:image/png;base64,")
    return "\n".join(texts), images


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.stem)
def test_notebook_runs_headless(path: Path) -> None:
    book = nbformat.read(path, as_version=4)
    client = nbclient.NotebookClient(book, timeout=300, kernel_name="python3",
                                     resources={"metadata": {"path": str(EXAMPLES)}})
    client.execute()
    text, images = _texts(book)
    assert EXPECTED[path.name] in text
    assert "<table>" in text  # results show as HTML tables in Jupyter
    assert "array(" not in text
    if path.name.startswith("q"):
        assert images >= 1, "the figures are shown inline"
