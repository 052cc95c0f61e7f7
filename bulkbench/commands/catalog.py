"""`bulkbench catalog`: the endpoints the specs describe, with limits, auth and error codes."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any

import orjson
import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text

from bulkbench.commands.help_values import ValuesInHelp
from bulkbench.commands.spec_files import SpecOption, use_spec_options
from bulkbench.core.catalog import Catalog, Endpoint, default_catalog, load_catalog
from bulkbench.core.providers import added_specs
from bulkbench.orchestration.display import make_console


def endpoint_summary(ep: Endpoint) -> dict[str, Any]:
    """One endpoint as plain data (what ``--json`` prints)."""
    return {
        "key": ep.key,
        "provider": ep.provider,
        "endpoint": ep.name,
        "method": ep.method,
        "path": ep.path,
        "documented": ep.documented,
        "batch_field": ep.batch_field,
        "min_batch": ep.min_batch,
        "max_batch": ep.max_batch,
        "sync_max_rows": ep.sync_max_rows,
        "max_body_bytes": ep.max_body_bytes,
        "item_required": list(ep.item_required),
        "identity_keys": list(ep.identity_keys),
        "required_scope": ep.required_scope,
        "auth": None
        if ep.auth is None
        else {"scheme": ep.auth.name, "style": ep.auth.style, "header": ep.auth.header_name},
        "success_status": ep.success_status,
        "errors": [{"status": e.status, "codes": list(e.codes)} for e in ep.errors],
        "doc_seed": ep.doc_seed,
        "assumptions": list(ep.assumptions),
    }


def _limits(ep: Endpoint) -> str:
    parts = []
    if ep.batch_field:
        upper = "∞" if ep.max_batch is None else f"{ep.max_batch:,}"
        parts.append(f"{ep.batch_field}: {ep.min_batch}..{upper}")
    if ep.sync_max_rows is not None:
        parts.append(f"sync ≤ {ep.sync_max_rows:,}")
    if ep.max_body_bytes is not None:
        parts.append(f"body ≤ {ep.max_body_bytes / 2**20:g} MiB")
    return "\n".join(parts) or "—"


def _auth(ep: Endpoint) -> str:
    if ep.auth is None:
        return "none"
    text = {
        "bearer": "Bearer",
        "apikey-header": f"{ep.auth.header_name} header",
        "oauth2": "OAuth2 bearer",
    }[ep.auth.style]
    if ep.auth.key_prefix:
        text += f" {ep.auth.key_prefix}…"
    if ep.required_scope:
        text += f"\nscope {ep.required_scope}"
    return text


def _errors(ep: Endpoint) -> str:
    return "\n".join(f"{e.status} {', '.join(e.codes)}".rstrip() for e in ep.errors)


def render_table(catalog: Catalog, console: Console, documented_only: bool) -> None:
    table = Table(title="bulkbench catalog", show_lines=True)
    # the endpoint's key is never cut nor folded: it is what other commands take
    table.add_column("endpoint", no_wrap=True)
    for column in ("method path", "limits", "identity", "auth", "errors"):
        table.add_column(column)
    for ep in catalog.endpoints(documented_only=documented_only):
        # plain text cells: specs may come from the user's folder (--specs)
        name = Text(ep.key) if ep.documented else Text.assemble(ep.key, ("\n(assumed)", "dim"))
        table.add_row(
            name,
            Text(f"{ep.method} {ep.path}"),
            Text(_limits(ep)),
            Text(", ".join(ep.identity_keys) or "—"),
            Text(_auth(ep)),
            Text(_errors(ep)),
        )
    console.print(table)


_EPILOG = """\b
Examples:
  bulkbench catalog                       # a table; whole names when piped (no wrapping)
  bulkbench catalog --json | jq '.endpoints[] | {key, max_batch}'
  bulkbench catalog --documented-only
"""


def register(app: typer.Typer) -> None:
    @app.command("catalog", cls=ValuesInHelp, epilog=_EPILOG)
    def catalog(
        as_json: Annotated[
            bool, typer.Option("--json", help="Print JSON instead of a table.")
        ] = False,
        specs: Annotated[
            Path | None,
            typer.Option("--specs", metavar="DIR",
                         help="A folder of OpenAPI specs to read instead of the bundled ones."),
        ] = None,
        documented_only: Annotated[
            bool,
            typer.Option("--documented-only", help="Leave out endpoints the docs do not describe."),
        ] = False,
        spec: SpecOption = None,
    ) -> int:
        """List the endpoints the specs describe: limits, identity keys, auth and error codes."""
        use_spec_options(spec)
        cat = load_catalog(specs, added=added_specs()) if specs is not None else default_catalog()
        if as_json:
            eps = [endpoint_summary(ep) for ep in cat.endpoints(documented_only=documented_only)]
            typer.echo(orjson.dumps({"endpoints": eps}, option=orjson.OPT_INDENT_2).decode())
        else:
            render_table(cat, make_console(), documented_only)
        return 0
