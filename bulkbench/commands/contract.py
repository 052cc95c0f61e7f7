"""`bulkbench contract`: Run the contract suite against a provider."""

from __future__ import annotations

import typer

from bulkbench.commands._not_built import register_stub


def register(app: typer.Typer) -> None:
    register_stub(app, "contract", "Run the contract suite against a provider.", "issue 6")
