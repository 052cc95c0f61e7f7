"""`bulkbench generate`: Write a generated contact batch for an endpoint."""

from __future__ import annotations

import typer

from bulkbench.commands._not_built import register_stub


def register(app: typer.Typer) -> None:
    register_stub(app, "generate", "Write a generated contact batch for an endpoint.", "issue 5")
