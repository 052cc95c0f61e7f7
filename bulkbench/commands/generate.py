"""`bulkbench generate`: write a generated batch (valid, boundary or edge case) for an endpoint.

Valid batches of any size are streamed to the file or stdout, never built whole; a case
writes its request body (ids the contract suite fills in at run time appear as
``<existing[0]>``, and what the case needs created first is said on stderr).
``--list-cases`` prints one case a line: name, endpoint, expected outcome (tab-separated).
"""

from __future__ import annotations

import functools
import sys
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated, BinaryIO

import typer

from bulkbench.commands.help_values import ValuesInHelp, completer
from bulkbench.commands.spec_files import SpecOption, use_spec_options
from bulkbench.core.catalog import Catalog, default_catalog, load_catalog
from bulkbench.core.errors import UsageError


@contextmanager
def _sink(output: Path | None) -> Iterator[BinaryIO]:
    if output is None:
        yield sys.stdout.buffer
        sys.stdout.buffer.flush()
        return
    try:
        handle = output.open("wb")
    except OSError as exc:
        raise UsageError(f"cannot write {output}: {exc.strerror or exc}") from exc
    with handle:
        yield handle


def _write(chunks: Iterable[bytes], output: Path | None) -> None:
    with _sink(output) as sink:
        for chunk in chunks:
            sink.write(chunk)


def _list_cases(catalog: Catalog, endpoint: str | None, config: Path | None) -> None:
    """One case a line; with ``config``, each expected outcome as the provider's settled
    readings of the open points make it (``bulkbench.generators.edge_cases.readings``)."""
    from bulkbench.core.assumptions import settle
    from bulkbench.core.config import load_config
    from bulkbench.generators.edge_cases import edge_cases
    from bulkbench.generators.edge_cases.readings import settled_case

    if endpoint is not None:
        catalog.endpoint(endpoint)  # an unknown endpoint is an error, not an empty list
    settled = load_config(config, catalog) if config is not None else None
    for case in edge_cases(catalog):
        if endpoint is None or case.endpoint == endpoint:
            if settled is not None:
                provider = catalog.provider(case.endpoint.split(".", 1)[0])
                pconf = settled.provider(provider.name)
                case = settled_case(case, functools.partial(settle, pconf, provider))
            typer.echo(f"{case.name}\t{case.endpoint}\t{case.expected.summary()}")


def _setup_note(case_name: str, setup_text: str) -> None:
    typer.echo(f"note: {case_name} needs, before the request: {setup_text}", err=True)


_EPILOG = """\b
Examples:
  bulkbench generate -e leadlex.bulk_create -n 500 -o batch.json
  bulkbench generate -e sociocs.bulk_upsert -n 100000 -f ndjson | head
  bulkbench generate --list-cases -e leadlex.import_contacts
  bulkbench generate -e leadlex.add_to_list --case already_in_list -o body.json
"""


def register(app: typer.Typer) -> None:
    @app.command("generate", cls=ValuesInHelp, epilog=_EPILOG)
    def generate(
        endpoint: Annotated[
            str | None,
            typer.Option(
                "--endpoint",
                "-e",
                metavar="ENDPOINT",
                autocompletion=completer("endpoints"),
                help="The endpoint, as provider.name: {endpoints}.",
            ),
        ] = None,
        size: Annotated[
            int | None,
            typer.Option(
                "--size",
                "-n",
                metavar="N",
                help="Items in the batch (limits are not enforced: go past them).",
            ),
        ] = None,
        case: Annotated[
            str | None,
            typer.Option(
                "--case",
                "-c",
                metavar="NAME",
                help="An edge case, by full name or by its name within --endpoint "
                "(--list-cases lists them).",
            ),
        ] = None,
        fmt: Annotated[
            str,
            typer.Option(
                "--format",
                "-f",
                metavar="FORMAT",
                autocompletion=completer("formats"),
                help="json (the request body), ndjson (items, one a line) or csv.",
            ),
        ] = "json",
        seed: Annotated[int, typer.Option(
            "--seed", "-s", metavar="N", help="Same seed, same bytes.")] = 0,
        run_tag: Annotated[
            int | None,
            typer.Option(
                "--run-tag",
                metavar="NNN",
                help="Three digits (100-999) that keep this run's contacts apart "
                "from another's; default: derived from the seed.",
            ),
        ] = None,
        output: Annotated[
            Path | None,
            typer.Option(
                "--out",
                "-o",
                metavar="FILE",
                help="Write here instead of stdout.",
            ),
        ] = None,
        list_cases: Annotated[
            bool,
            typer.Option(
                "--list-cases",
                help="List the edge cases (of --endpoint, if given) and exit.",
            ),
        ] = False,
        specs: Annotated[
            Path | None,
            typer.Option(
                "--specs",
                metavar="DIR",
                help="A folder of OpenAPI specs to read instead of the bundled ones.",
            ),
        ] = None,
        config: Annotated[
            Path | None,
            typer.Option(
                "--config",
                metavar="FILE",
                help="A provider config: --list-cases gives each expected outcome as its "
                "[provider.assumptions] settle the docs' open points.",
            ),
        ] = None,
        spec: SpecOption = None,
    ) -> int:
        """Write a generated contact batch (valid, boundary or edge case) for an endpoint."""
        use_spec_options(spec, config)
        from bulkbench.generators.case_output import case_chunks
        from bulkbench.generators.edge_cases import find_case
        from bulkbench.generators.streaming import FORMATS, stream_batch

        catalog = load_catalog(specs) if specs is not None else default_catalog()
        if list_cases:
            _list_cases(catalog, endpoint, config.absolute() if config else None)
            return 0
        if fmt not in FORMATS:
            raise UsageError(f"--format must be one of {', '.join(FORMATS)}, not {fmt!r}")
        if case is not None:
            found = find_case(case, catalog, endpoint=endpoint)
            request = found.request(seed, run_tag=run_tag)
            if not request.setup.empty:
                setup = request.setup
                parts = [f"{len(setup.existing)} contact(s) created with {setup.create_with}"]
                if setup.in_list:
                    parts.append(f"contacts {list(setup.in_list)} of them added to the list")
                if setup.other_workspace:
                    parts.append(f"{len(setup.other_workspace)} contact(s) in another workspace")
                _setup_note(found.name, "; ".join(parts))
            _write(case_chunks(request, fmt), output)
            return 0
        if endpoint is None:
            raise UsageError("give --endpoint (with --size or --case), or --list-cases")
        if size is None:
            raise UsageError("give --size N for a valid batch, or --case NAME")
        _write(stream_batch(catalog.endpoint(endpoint), size, fmt, seed, run_tag=run_tag), output)
        return 0
