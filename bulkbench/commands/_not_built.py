"""The one error a subcommand raises while its stage is not built yet."""

from __future__ import annotations

import typer

from bulkbench.errors import BulkbenchError

__all__ = ["NotBuiltYet", "register_stub"]


class NotBuiltYet(BulkbenchError):
    """A subcommand whose stage does not exist yet (exit 2)."""

    def __init__(self, command: str, issue: str) -> None:
        super().__init__(
            f"`bulkbench {command}` is not built yet ({issue}); "
            "see `bulkbench --help` for what works today"
        )


def register_stub(app: typer.Typer, name: str, help_text: str, issue: str) -> None:
    """Register ``name`` as a subcommand that says it is not built yet and exits 2."""

    def stub() -> int:
        raise NotBuiltYet(name, issue)

    app.command(
        name,
        help=f"{help_text} (not built yet: {issue})",
        context_settings={"allow_extra_args": True, "ignore_unknown_options": True},
    )(stub)
