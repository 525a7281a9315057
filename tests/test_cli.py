"""The `parasocial` command: help, version, listings, exit codes, --quiet, and bad input."""

from __future__ import annotations

import argparse
import csv
import io
import json
import subprocess
import sys
from pathlib import Path

import pytest

import sim.model
import sim.runner
import sim.validation
from sim import provenance
from sim.cli import COMMANDS, build_parser, main
from sim.metrics import OUTCOMES
from sim.params import PARAM_FIELDS, make_params

TINY = ["--fans", "60", "--creators", "4", "--steps", "3"]
EXPERIMENT = 'name = "t"\nquestion = "q"\nreplicates = 1\nsteps = 2\n[factors]\nposting_rate = [1]\n'


def cli(argv: list[str], capsys) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of ``parasocial ARGV`` (argparse's own errors included)."""
    try:
        code = main(argv)
    except SystemExit as stop:
        code = stop.code
    out, err = capsys.readouterr()
    return code, out, err


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    action = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    return action, action.choices


def test_every_command_and_option_is_described():
    action, commands = _subcommands(build_parser())
    assert list(commands) == list(COMMANDS)
    # The one-line summaries of `parasocial --help` are those the modules give.
    assert {a.dest: a.help for a in action._choices_actions} == COMMANDS
    for name, parser in commands.items():
        assert parser.description and parser.description != COMMANDS[name] or name == "viz", name
        for option in parser._actions:
            assert option.help, f"parasocial {name} {option.option_strings or option.dest}"


def test_help_loads_no_heavy_module():
    code = ("import sys\nfrom sim.cli import main\n"
            "try:\n    main(['--help'])\nexcept SystemExit as e:\n    assert e.code == 0\n"
            "print(sorted(m for m in ('numpy', 'pandas', 'mesa', 'scipy', 'matplotlib', "
            "'dask', 'pyarrow', 'solara') if m in sys.modules))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            check=True)
    assert "parasocial" in result.stdout and result.stdout.strip().endswith("[]")


def test_version_is_the_package_version():
    result = subprocess.run([sys.executable, "-m", "sim", "--version"], capture_output=True,
                            text=True, check=True)
    assert result.stdout.strip() == f"parasocial {provenance.package_version()}"


def test_params_lists_every_parameter_with_a_presets_values(capsys):
    code, out, _ = cli(["params", "--preset", "idol", "--csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["name"] for r in rows] == list(PARAM_FIELDS)
    idol = make_params("idol").to_dict()
    assert all(r["value (idol)"] == str(idol[r["name"]]) for r in rows)
    by_name = {r["name"]: r for r in rows}
    assert by_name["posting_rate"]["unit"] == "posts/day"
    assert by_name["posting_rate"]["allowed"] == "[0, 50]"
    assert by_name["feed"]["allowed"] == ", ".join(PARAM_FIELDS["feed"].metadata["choices"])
    assert by_name["chat_interaction"]["source"] == "Wulf, Schneider & Queck 2021"

    code, out, _ = cli(["params", "--preset", "idol", "fan_meetings", "n_fans"], capsys)
    lines = out.splitlines()
    assert code == 0 and len(lines) == 4  # header, rule, the two asked for
    assert lines[2].split()[:2] == ["fan_meetings", "True"] and "*" in lines[2]  # idol's change
    assert lines[3].split()[:2] == ["n_fans", "2000"] and "*" not in lines[3]


def test_outcomes_lists_the_registry(capsys):
    code, out, _ = cli(["outcomes", "--csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    assert code == 0 and [r["name"] for r in rows] == list(OUTCOMES)
    assert rows[0]["description"] == OUTCOMES[rows[0]["name"]][0]


def test_run_writes_data_with_provenance_and_quiet_prints_nothing(tmp_path, capfd):
    out = tmp_path / "run"
    assert main(["--quiet", "run", *TINY, "--set", "feed=chronological", "--out", str(out)]) == 0
    assert capfd.readouterr() == ("", "")  # not even the progress bar
    meta = json.loads((out / "params.json").read_text())
    assert meta["params"]["n_fans"] == 60 and meta["params"]["feed"] == "chronological"
    assert meta["package_version"] == provenance.package_version()
    assert meta["environment"]["mesa"] == provenance.environment()["mesa"]
    assert {"timeseries.csv", "creators.csv", "timeseries.png"} <= {p.name for p in out.iterdir()}

    assert main(["run", *TINY, "--quiet", "--out", str(out)]) == 0  # after the command too
    assert capfd.readouterr() == ("", "")
    assert main(["run", *TINY, "--out", str(out)]) == 0
    assert "mean wellbeing" in capfd.readouterr().out


def test_a_failure_of_the_work_exits_1(tmp_path, capsys):
    out = tmp_path / "run"
    (out / "timeseries.csv").mkdir(parents=True)  # the run succeeds, writing its data fails
    code, _, err = cli(["run", *TINY, "--quiet", "--out", str(out)], capsys)
    assert code == 1 and err.count("\n") == 1 and "parasocial run: failed:" in err


@pytest.fixture
def no_work(monkeypatch):
    """Any simulation, validation or sweep started fails the test."""
    def started(*args, **kwargs):
        raise AssertionError("work started before the input was checked")

    monkeypatch.setattr(sim.model, "ParasocialModel", started)
    monkeypatch.setattr(sim.validation, "run_validation", started)
    monkeypatch.setattr(sim.runner, "run_experiment", started)


@pytest.fixture
def files(tmp_path):
    (tmp_path / "exp.toml").write_text(EXPERIMENT)
    (tmp_path / "a_file").write_text("")
    return tmp_path


BAD_INPUT = [  # argv ({tmp}: a folder holding exp.toml and a_file), expected message
    ([], "the following arguments are required: COMMAND"),
    (["frobnicate"], "invalid choice: 'frobnicate'"),
    (["run", "--bogus"], "unrecognized arguments: --bogus"),
    (["run", "--set", "preset=idol"], "--set preset=idol is not allowed: give preset with --preset"),
    (["run", "--fans", "200", "--set", "n_fans=300"],
     "--set n_fans=300 is not allowed: give n_fans with --fans"),
    (["run", "--set", "n_creators=3"], "give n_creators with --creators"),
    (["run", "--set", "postng_rate=2"], "postng_rate is not a parameter; did you mean posting_rate?"),
    (["run", "--set", "feed"], "--set 'feed' is not allowed: expected NAME=VALUE"),
    (["run", "--set", "=3"], "expected NAME=VALUE"),
    (["run", "--set", "posting_rate=1", "--set", "posting_rate=2"], "posting_rate is already set"),
    (["run", "--set", "posting_rate=99"], "posting_rate=99.0 is not allowed: must be in [0, 50]"),
    (["run", "--set", "posting_rate=fast"], "posting_rate='fast' is not allowed: expected a number"),
    (["run", "--set", "posting_rate=nan"], "posting_rate=nan is not allowed"),
    (["run", "--set", "feed=random"], "feed='random' is not allowed: choose one of"),
    (["run", "--set", "subscriptions=maybe"], "expected true or false"),
    (["run", "--fans", "0"], "n_fans=0 is not allowed: must be in [1, 10000000]"),
    (["run", "--fans", "many"], "argument --fans: invalid int value: 'many'"),
    (["run", "--preset", "idl"], "argument --preset: invalid choice: 'idl'"),
    (["run", "--steps", "0"], "--steps=0 is not allowed: must be >= 1"),
    (["run", "--seed", "-1"], "--seed=-1 is not allowed: must be >= 0"),
    (["run", "--out", "/dev/null/x"], "--out /dev/null/x is not allowed: /dev/null is a file"),
    (["run", "--out", "{tmp}/a_file/x"], "a_file is a file, not a folder"),
    (["validate", "--out", "/dev/null/x"], "--out /dev/null/x is not allowed: /dev/null is a file"),
    (["validate", "--replicates", "0"], "--replicates=0 is not allowed: must be >= 1"),
    (["validate", "--workers", "0"], "--workers=0 is not allowed: must be >= 1"),
    (["validate", "--steps", "-5"], "--steps=-5 is not allowed: must be >= 1"),
    (["validate", "--scale", "100"], "--scale=100 is not allowed: must be >= 400"),
    (["validate", "--scale-replicates", "0"], "--scale-replicates=0 is not allowed: must be >= 1"),
    (["sweep", "{tmp}/missing.toml"], "missing.toml: cannot read experiment file"),
    (["sweep", "{tmp}/exp.toml", "--workers", "0"], "--workers=0 is not allowed: must be >= 1"),
    (["sweep", "{tmp}/exp.toml", "--replicates", "0"], "replicates"),
    (["sweep", "{tmp}/exp.toml", "--out", "{tmp}/a_file"], "a_file is a file, not a folder"),
    (["sweep", "{tmp}/exp.toml", "--executor", "threads"], "invalid choice: 'threads'"),
    (["plot", "{tmp}"], "holds no metadata.json"),
    (["viz", "--port", "70000"], "--port=70000 is not allowed"),
    (["params", "n_fan"], "NAME 'n_fan' is not allowed: not a parameter; did you mean n_fans?"),
    (["params", "--preset", "pop"], "invalid choice: 'pop'"),
]


@pytest.mark.parametrize(("argv", "message"), BAD_INPUT, ids=[" ".join(a) for a, _ in BAD_INPUT])
def test_bad_input_fails_before_any_work_with_one_line_and_exit_2(argv, message, files, no_work,
                                                                   capsys):
    argv = [arg.replace("{tmp}", str(files)) for arg in argv]
    before = sorted(files.rglob("*"))
    code, out, err = cli(argv, capsys)
    assert code == 2
    assert out == "" and err.count("\n") == 1 and err.startswith("parasocial"), err
    assert message in err
    assert sorted(files.rglob("*")) == before  # nothing created


@pytest.mark.parametrize(("argv", "message"), [
    (["--replicates", "3"], "holds a report of 10 replicates and --replicates=3 asks for fewer"),
    (["--fans", "5000"], "holds a report of another world (n_fans=100000, asked fans=5000)"),
])
def test_validate_refuses_to_replace_a_larger_or_other_report(argv, message, tmp_path, no_work,
                                                              capsys):
    meta = {"replicates": 10, "n_fans": 100_000, "n_creators": 250, "steps": 730}
    (tmp_path / "meta.json").write_text(json.dumps(meta))
    code, _, err = cli(["validate", "--out", str(tmp_path), *argv], capsys)
    assert code == 2 and message in err and "--force" in err and err.count("\n") == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["meta.json"]


def test_a_folder_holding_another_design_is_bad_input(files, capsys):
    out = files / "out"
    assert cli(["sweep", str(files / "exp.toml"), "--executor", "serial", "--quiet",
                "--out", str(out)], capsys)[0] == 0
    code, _, err = cli(["sweep", str(files / "exp.toml"), "--steps", "3", "--out", str(out)],
                       capsys)
    assert code == 2 and "different design" in err and err.count("\n") == 1


@pytest.mark.parametrize("argv", [["--help"], ["run", "--help"], ["--quiet", "params", "-h"]])
def test_help_exits_0(argv, capsys):
    code, out, _ = cli(argv, capsys)
    assert code == 0 and out.startswith("usage: parasocial")


def test_cli_reads_an_output_folder_it_may_create(tmp_path):
    from sim.cli.errors import output_folder

    assert output_folder("--out", tmp_path / "new" / "deeper") == tmp_path / "new" / "deeper"
    assert output_folder("--out", Path("relative/folder")) == Path("relative/folder")
    assert not (tmp_path / "new").exists()
