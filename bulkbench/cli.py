"""The ``bulkbench`` command line.

Each subcommand lives in its own module under ``bulkbench.commands`` and returns an
exit code. The exit code of the process is decided here, in one place:
a ``BulkbenchError`` becomes one line on stderr (plain text, never read as markup) and its
``exit_code``; a usage error from the parser is 2; Ctrl-C is 130; otherwise the command's
own return value.

Conventions every command keeps: ``-h``/``--help``; ``bulkbench --version``; shell
completion (``--install-completion``, ``--show-completion``); ``-o``/``--out`` is where the
output goes (a run folder; a file for ``generate``), ``--option NAME=VALUE`` passes a
setting through; each help lists the values an option takes and ends with examples. Help
on a terminal is wrapped at its width; help sent elsewhere (a pipe, a file) is not wrapped.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from importlib import metadata
from typing import Annotated

import typer
from rich.console import Console
from rich.text import Text

from bulkbench.commands import catalog, contract, generate, load, report, run, serve
from bulkbench.core.errors import BulkbenchError

__all__ = ["app", "main"]

#: help on a terminal: its width, up to this; elsewhere not wrapped at all.
HELP_MAX_WIDTH = 100
_UNWRAPPED_HELP = 4000

app = typer.Typer(
    name="bulkbench",
    help="Contract tests and load tests for bulk contact-import APIs "
    "(LeadLex, Datananas, Sociocs, HubSpot, and yours: bulkbench COMMAND --spec FILE), with "
    "an embedded reference sandbox.",
    epilog="\b\nExamples:\n"
    "  bulkbench run                          # everything, against the embedded sandbox\n"
    "  bulkbench contract -p leadlex          # the contract suite of one provider\n"
    "  bulkbench load --provider sociocs --scenario steady --duration 10s\n"
    "  bulkbench report --compare RUN_A RUN_B\n"
    "\n"
    "Each command has its own help: bulkbench COMMAND -h.",
    no_args_is_help=True,
    add_completion=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    context_settings={"help_option_names": ["-h", "--help"],
                      "max_content_width": HELP_MAX_WIDTH},
)


def version() -> str:
    """The installed distribution's version (its metadata, not a constant in the code)."""
    try:
        return metadata.version("bulkbench")
    except metadata.PackageNotFoundError:
        return "unknown (not installed)"


def _print_version(value: bool) -> None:
    if value:
        typer.echo(f"bulkbench {version()}")
        raise typer.Exit(0)


@app.callback()
def _options(
    show_version: Annotated[bool, typer.Option(
        "--version", "-V", is_eager=True, callback=_print_version,
        help="Print the version and exit.")] = False,
) -> None:
    """The options of bulkbench itself (the app's help says what it is)."""


for module in (run, serve, contract, load, generate, report, catalog):
    module.register(app)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns (and exits with) the exit code."""
    err = Console(stderr=True, highlight=False)
    command = typer.main.get_command(app)
    # help sent to a pipe or a file is not wrapped (a terminal's: at its width)
    width = None if sys.stdout.isatty() else _UNWRAPPED_HELP
    try:
        result = command.main(
            args=list(argv) if argv is not None else None,
            prog_name="bulkbench",
            standalone_mode=False,
            terminal_width=width,
        )
    except BulkbenchError as exc:
        # plain text: a message quotes paths and names the user gave ("[/b]", "[leadlx]")
        err.print(Text.assemble(("error:", "bold red"), " ", str(exc)), soft_wrap=True)
        code = exc.exit_code
    except typer.Exit as exc:
        code = exc.exit_code
    except typer.Abort:
        err.print("aborted")
        code = 1
    except typer.exceptions.TyperException as exc:  # the parser's usage errors
        show = getattr(exc, "show", None)
        if show is not None:
            show()
        code = getattr(exc, "exit_code", 2)
    except KeyboardInterrupt:
        err.print("interrupted")
        code = 130
    else:
        code = result if isinstance(result, int) else 0
    if argv is None:
        sys.exit(code)
    return code
