"""The ``talkwire`` entry point itself: --version and the options each command offers."""

from __future__ import annotations

import pytest

import talkwire
from talkwire.cli import build_parser, main


def test_version(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"talkwire {talkwire.__version__}"


@pytest.mark.parametrize(("command", "offered"), [("produce", False), ("tail", False), ("worker", True),
                                                  ("topics", True)])
def test_app_id_and_partitions_only_where_they_act(command: str, offered: bool) -> None:
    subparsers = next(action for action in build_parser()._actions if action.dest == "command")
    options = {option for action in subparsers.choices[command]._actions for option in action.option_strings}
    assert ({"--app-id", "--partitions"} <= options) == offered
    assert {"--app-id", "--partitions"} & options == ({"--app-id", "--partitions"} if offered else set())
