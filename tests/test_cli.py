"""The command-line interface: help everywhere, the pipeline end to end, errors as clean messages."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from socialstat import __version__
from socialstat.cli import cli


def all_commands(group: click.Group, prefix: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    out = []
    for name, command in group.commands.items():
        out.append((*prefix, name))
        if isinstance(command, click.Group):
            out += all_commands(command, (*prefix, name))
    return out


@pytest.mark.parametrize("path", all_commands(cli), ids=" ".join)
def test_every_command_has_help_with_an_example_or_subcommands(path: tuple[str, ...]) -> None:
    result = CliRunner().invoke(cli, [*path, "--help"])
    assert result.exit_code == 0, result.output
    assert "Example" in result.output or "Commands:" in result.output


def test_python_dash_m_and_version() -> None:
    done = subprocess.run([sys.executable, "-m", "socialstat", "--version"], capture_output=True, text=True, check=True)
    assert done.stdout.strip() == f"socialstat, version {__version__}"


def test_synth_init_load_summary(tmp_path: Path) -> None:
    runner = CliRunner()
    db = f"duckdb:///{tmp_path / 'cli.duckdb'}"
    out = tmp_path / "canonical"
    result = runner.invoke(
        cli, ["synth", "--preset", "goteborg", "--years", "2020-2021", "--seed", "3", "--out", str(out)]
    )
    assert result.exit_code == 0, result.output
    assert "referrals" in result.output
    assert (out / "referrals.parquet").exists()
    assert runner.invoke(cli, ["init", "--db", db]).exit_code == 0
    result = runner.invoke(cli, ["load-canonical", str(out), "--db", db])
    assert result.exit_code == 0, result.output
    assert "Loaded" in result.output
    result = runner.invoke(cli, ["summary", "--db", db, "--table", "assistance_payments"])
    assert result.exit_code == 0, result.output
    assert "Socialförvaltning Nordost" in result.output  # 2021 is counted on the new administrations
    assert "Angered" in result.output  # 2020 on the old districts
    lines = [line for line in result.output.splitlines() if line.strip().startswith("Göteborg")]
    assert lines
    assert "\u00a0" in lines[0]


def test_errors_are_one_clean_line_and_exit_code_1(tmp_path: Path) -> None:
    result = CliRunner().invoke(cli, ["summary", "--db", f"duckdb:///{tmp_path / 'none.duckdb'}"])
    assert result.exit_code == 1
    assert result.output.startswith("Error: store ")
    assert "run `socialstat init` first" in result.output
    assert "Traceback" not in result.output


def test_db_url_from_the_environment(tmp_path: Path) -> None:
    db = f"duckdb:///{tmp_path / 'env.duckdb'}"
    result = CliRunner().invoke(cli, ["init"], env={"SOCIALSTAT_DB": db})
    assert result.exit_code == 0, result.output
    assert (tmp_path / "env.duckdb").exists()


def test_schema_docs_writes_markdown(tmp_path: Path) -> None:
    target = tmp_path / "model.md"
    result = CliRunner().invoke(cli, ["schema", "docs", "--out", str(target)])
    assert result.exit_code == 0
    assert target.read_text(encoding="utf-8").startswith("# Data model")


def test_a_bad_canonical_file_is_reported_with_file_column_and_rule(small_data: Path, tmp_path: Path) -> None:
    import pandas as pd

    frame = pd.read_parquet(small_data / "assistance_payments.parquet")
    frame.loc[5, "adults"] = 7
    frame.to_parquet(small_data / "assistance_payments.parquet")
    db = f"duckdb:///{tmp_path / 'bad.duckdb'}"
    runner = CliRunner()
    assert runner.invoke(cli, ["init", "--db", db]).exit_code == 0
    result = runner.invoke(cli, ["load-canonical", str(small_data), "--db", db])
    assert result.exit_code == 1
    assert "canonical/assistance_payments.parquet, column adults, row 6: [above_maximum]" in result.output
    assert "Traceback" not in result.output
