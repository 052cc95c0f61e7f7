"""`bulkbench load`: Run a locust load scenario and check it against an SLA."""

from __future__ import annotations

import typer

from bulkbench.commands._not_built import register_stub


def register(app: typer.Typer) -> None:
    register_stub(app, "load", "Run a locust load scenario and check it against an SLA.", "issue 7")
