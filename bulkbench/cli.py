"""The ``bulkbench`` command line.

Each subcommand lives in its own module under ``bulkbench.commands`` and returns an
exit code. The exit code of the process is decided here, in one place:
a ``BulkbenchError`` becomes one line on stderr (plain text, never read as markup) and its
``exit_code``; a usage error from the parser is 2; Ctrl-C is 130; otherwise the command's
own return value.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence

import typer
from rich.console import Console
from rich.text import Text

from bulkbench.commands import catalog, contract, generate, load, report, run, serve
from bulkbench.core.errors import BulkbenchError

__all__ = ["app", "main"]

app = typer.Typer(
    name="bulkbench",
    help="Contract tests and load tests for bulk contact-import APIs "
    "(LeadLex, Datananas, Sociocs), with an embedded reference sandbox.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)

for module in (run, serve, contract, load, generate, report, catalog):
    module.register(app)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the console script; returns (and exits with) the exit code."""
    err = Console(stderr=True, highlight=False)
    command = typer.main.get_command(app)
    try:
        result = command.main(
            args=list(argv) if argv is not None else None,
            prog_name="bulkbench",
            standalone_mode=False,
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
