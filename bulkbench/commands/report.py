"""`bulkbench report`: Render a run folder into HTML, JSON and Markdown, or compare two runs."""

from __future__ import annotations

import typer

from bulkbench.commands._not_built import register_stub


def register(app: typer.Typer) -> None:
    register_stub(
        app,
        "report",
        "Render a run folder into HTML, JSON and Markdown, or compare two runs.",
        "issue 8",
    )
