"""The command line: experiments, the quick tour's report, argparse errors, missing matplotlib."""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

import glassnet.lab
from glassnet import cli

VECTORIZE_SMALL = ["vectorize", "--m", "12", "--n-in", "5", "--units", "3", "--dot-n", "2000",
                   "--repeats", "1"]


def test_vectorize_prints_tables_and_verdict(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(VECTORIZE_SMALL) == 0
    out = capsys.readouterr().out
    assert "== vectorize:" in out
    assert "Evidence: The double loop (36 separate dot products)" in out
    assert "\nAnswer: All at once: " in out
    assert "compute the same layer" in out
    assert "2,000-element vectors" in out


def test_vectorize_out_saves_pngs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("matplotlib")
    assert cli.main([*VECTORIZE_SMALL, "--out", str(tmp_path)]) == 0
    assert sorted(p.name for p in tmp_path.iterdir()) == [
        "vectorize_step.png", "vectorize_times.png"
    ]
    assert str(tmp_path / "vectorize_times.png") in capsys.readouterr().out


def test_experiment_options_come_from_the_signature() -> None:
    parser = cli.build_parser()
    args = parser.parse_args(["vectorize", "--n-in", "7", "--activation", "tanh"])
    assert args.n_in == 7 and args.activation == "tanh" and args.m == 1000  # the default
    for name in ("symmetry", "flow", "labor", "seeds"):
        parsed = parser.parse_args([name, "--seed", "3"])
        assert parsed.seed == 3


@pytest.mark.parametrize(
    "argv",
    [
        [],                                       # no command
        ["nonsense"],                             # unknown command
        ["vectorize", "--m", "x"],                # not an integer
        ["vectorize", "--no-such-option", "1"],
        ["tour", "--seed", "-1"],
        ["demo", "--epochs", "0"],
    ],
)
def test_bad_arguments_exit_2(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        cli.main(argv)
    assert info.value.code == 2
    err = capsys.readouterr().err
    assert "error:" in err and err.count("\n") == 1  # one line: the problem, and --help


@pytest.mark.parametrize(
    "argv",
    [
        ["vectorize", "--m", "0"],                # rejected by run_vectorize (ConfigError)
        ["symmetry", "--iterations", "3", "--inits", "nope"],
    ],
)
def test_errors_after_parsing_are_one_line(
    argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(argv) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith(f"glassnet {argv[0]}: error: ")
    assert "Traceback" not in err


@pytest.mark.parametrize("command", [["tour", "--quick", "--no-open"], VECTORIZE_SMALL])
def test_out_is_checked_before_anything_runs(
    command: list[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    pytest.importorskip("matplotlib")
    ran: list[object] = []
    monkeypatch.setattr(glassnet.lab, "run_tour", lambda **kw: ran.append(kw))
    monkeypatch.setattr(glassnet.lab.tour, "run_tour_and_render", lambda *a, **kw: ran.append(kw))
    a_file = tmp_path / "taken"
    a_file.write_text("x")
    for bad in (a_file, a_file / "below", Path("/proc/nope")):
        assert cli.main([*command, "--out", str(bad)]) == 2
        captured = capsys.readouterr()
        err = captured.err
        assert err.count("\n") == 1 and "--out" in err and "Traceback" not in err
        assert captured.out == ""  # nothing ran
    assert ran == []


def test_missing_matplotlib_says_how_to_install(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # makes `import matplotlib` fail
    assert cli.main(["tour", "--quick", "--no-open", "--out", str(tmp_path / "r")]) == 1
    assert "pip install matplotlib" in capsys.readouterr().err
    assert not (tmp_path / "r").exists()  # failed before running anything
    assert cli.main([*VECTORIZE_SMALL, "--out", str(tmp_path)]) == 1


def test_gradcheck_passes(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["gradcheck", "--examples", "6", "--entries", "2"]) == 0
    assert "gradient check PASS" in capsys.readouterr().out


def test_tour_quick_writes_the_report(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """The whole quick tour, end to end: six verdicts, one report.html, the PNGs."""
    pytest.importorskip("matplotlib")
    opened: list[str] = []
    monkeypatch.setenv("DISPLAY", ":0")  # a browser would be opened without --no-open
    monkeypatch.setattr(cli.webbrowser, "open", lambda url: opened.append(url) or True)
    out_dir = tmp_path / "gr"
    assert cli.main(["tour", "--quick", "--no-open", "--out", str(out_dir)]) == 0
    captured = capsys.readouterr()
    report = out_dir / "report.html"
    assert report.is_file()
    assert f"Report: {report.resolve()}" in captured.out
    names = ["symmetry", "flow", "vectorize", "unitwise", "labor", "seeds"]
    verdict_lines = [line for line in captured.out.splitlines() if line.startswith("- ")]
    assert [line[2:].split(" ")[1] for line in verdict_lines] == names
    assert [line[2:].split(" ")[0] for line in verdict_lines] == ["Q1", "Q2", "Q3", "Q3", "Q4",
                                                                  "Q5"]
    assert "Random initialization is what makes units" in verdict_lines[0]
    assert "Solved together is better" in verdict_lines[3]
    assert captured.out.count("    Quick run (smaller sizes") == 6
    assert max(len(line) for line in captured.out.splitlines()[:-1]) <= 80  # the answers wrap
    text = report.read_text(encoding="utf-8")
    for name in names:
        assert f'id="exp-{name}"' in text
    assert len(re.findall(r'src="data:image/png;base64,', text)) >= 6
    assert {p.name.split("_")[0] for p in out_dir.glob("*.png")} == set(names)
    assert "[6/6] seeds" in captured.err  # progress lines
    assert opened == []  # --no-open


def test_list_of_names_option_and_its_errors(capsys: pytest.CaptureFixture[str]) -> None:
    parser = cli.build_parser()
    assert parser.parse_args(["symmetry", "--inits", "zeros", "he"]).inits == ["zeros", "he"]
    assert not hasattr(parser.parse_args(["symmetry"]), "inits")  # not given: the default
    assert cli.main(["symmetry", "--iterations", "3", "--inits", "nope"]) == 2
    assert "inits" in capsys.readouterr().err


def test_every_option_has_a_real_help_text() -> None:
    """No placeholder help (the option's own name): each text comes from the function's
    documented parameters or is written in the parser."""
    parser = cli.build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    for name, command in sub.choices.items():  # type: ignore[attr-defined]
        assert command.description, name
        for action in command._actions:
            if action.dest in ("help",) or not action.option_strings:
                continue
            text = (action.help or "").replace(" (default: %(default)s)", "")
            assert text and text != action.dest.replace("_", " "), (name, action.dest)
