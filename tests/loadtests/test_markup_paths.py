"""A run folder whose name looks like rich markup is printed as given, never parsed
(`bulkbench load --out '/tmp/[/b]x'` crashed before)."""

from __future__ import annotations

from pathlib import Path

import pytest

from bulkbench.cli import main


def test_a_markup_like_out_folder_is_printed_as_given(tmp_path: Path,
                                                       capsys: pytest.CaptureFixture[str]
                                                       ) -> None:
    out = tmp_path / "[/b]run[red]"
    code = main(["load", "--provider", "sociocs", "--duration", "2s", "--rate", "5",
                 "--out", str(out)])
    printed = capsys.readouterr()
    assert code == 0, printed.out + printed.err
    assert str(out) in printed.out.replace("\n", "")
    assert (out / "load" / "sociocs-steady" / "summary.json").is_file()
