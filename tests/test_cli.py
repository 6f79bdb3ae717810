"""The mlpbook command line: plain-text help, and hints that say where to run a command."""

import pytest

from mlpbook.cli import main


@pytest.mark.parametrize("action", ["check", "generate"])
def test_outside_the_repository_the_hint_says_where_to_run(action, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)  # no solutions/ here
    assert main(["exercises", action]) == 2
    err = capsys.readouterr().err
    assert "solutions is not a directory" in err and "root of the mlpbook repository" in err
    assert "--solutions DIR" in err and "generate" not in err
    assert not list(tmp_path.iterdir())  # generate wrote no empty exercises/ folder


def test_help_is_plain_text(capsys):
    with pytest.raises(SystemExit):
        main(["--help"])
    out = capsys.readouterr().out
    assert "``" not in out and "mlpbook command line" in out
