"""The command that replays a failing exchange: one that runs as printed.

The run's own curl line (``exchange.curl_line``) cannot: it names a sandbox port that is
gone, carries the key redacted and inlines the body. The repro instead reads

- the base URL from ``$BASE_URL``, which the user sets (the provider's, or the base URL a
  sandbox started with :attr:`Repro.sandbox` prints);
- each key from its environment variable: the provider config's (``$LEADLEX_API_KEY``)
  for its role, ``$<PROVIDER>_<ROLE>_KEY`` for a role the config names no variable for;
- the body from its file in the contract folder (``bodies/<n>.json``), sent as is.

Against the sandbox :attr:`Repro.sandbox` is the ``bulkbench serve`` line that starts one
on the run's seed (same keys and lists), faults and variant; its ``sandbox.json`` holds the
keys. A key the repro has no variable for is left redacted (``wbk_…1234``): never printed.
"""

from __future__ import annotations

import shlex
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from bulkbench.contract.exchange import Exchange
from bulkbench.contract.redaction import scrub

__all__ = ["BASE_URL_VAR", "Origin", "Repro", "key_variable", "repro_of", "sandbox_command"]

BASE_URL_VAR = "BASE_URL"
#: request headers curl sets itself (or that would be wrong when replayed).
_LEFT_OUT = frozenset({"content-length", "host", "accept-encoding", "connection",
                       "user-agent", "accept", "transfer-encoding"})


def key_variable(provider: str, role: str, key_env: Mapping[str, str]) -> str:
    """The environment variable holding ``provider``'s key of ``role``."""
    named = key_env.get(role)
    return named or f"{provider.upper()}_{role.upper()}_KEY"


def sandbox_command(seed: int, *, faults: Sequence[str] = (), variant: str | None = None,
                    rate_limit: Mapping[str, Any] | None = None,
                    assumption_files: Sequence[str] = ()) -> str:
    """The ``bulkbench serve`` line starting a sandbox like the run's (same seed: same
    keys and list ids)."""
    parts = ["bulkbench", "serve", "--seed", str(seed)]
    for name in faults:
        parts += ["--fault", name]
    if variant:
        parts += ["--variant", variant]
    if rate_limit and rate_limit.get("requests"):
        window = float(rate_limit.get("window_seconds") or 60)
        parts += ["--rate-limit",
                  f"{int(rate_limit['requests'])}/{int(window) if window.is_integer() else window}"]
    for path in assumption_files:
        parts += ["--assumptions", path]
    return " ".join(shlex.quote(p) for p in parts)


@dataclass(frozen=True)
class Origin:
    """Where requests of one provider went: under ``base_url`` they are replayed against
    ``$BASE_URL``; ``sandbox`` starts a sandbox serving like it (None: a real provider);
    ``keys`` maps each key sent there to its variable, ``roles`` each variable to the
    key's role (``full``, ``read_only`` …)."""

    provider: str
    base_url: str
    keys: Mapping[str, str] = field(default_factory=dict)
    roles: Mapping[str, str] = field(default_factory=dict)
    sandbox: str | None = None


@dataclass(frozen=True)
class Repro:
    """A command that replays one exchange, and what it needs set."""

    command: str
    #: variable → what to set it to.
    env: Mapping[str, str]
    #: the request body's file, relative to the contract folder (None: no body kept).
    body_file: str | None = None
    #: starts a sandbox like the run's (None: the target is a real provider).
    sandbox: str | None = None
    #: why the command cannot send the body as it was (too large to keep).
    note: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"command": self.command, "env": dict(self.env), "body_file": self.body_file,
                "sandbox": self.sandbox, "note": self.note}


def _double_quoted(text: str, secrets: Mapping[str, str]) -> tuple[str, set[str]]:
    """``text`` inside double quotes, each of ``secrets`` (value → variable) as
    ``${VARIABLE}``; the variables used."""
    used: set[str] = set()
    pieces = [text]
    out: list[str] = []
    for secret in sorted(secrets, key=len, reverse=True):
        next_pieces: list[str] = []
        for piece in pieces:
            if piece.startswith("\x00"):
                next_pieces.append(piece)
                continue
            parts = piece.split(secret)
            for index, part in enumerate(parts):
                if index:
                    next_pieces.append("\x00" + secrets[secret])
                    used.add(secrets[secret])
                next_pieces.append(part)
        pieces = next_pieces
    for piece in pieces:
        if piece.startswith("\x00"):
            out.append("${" + piece[1:] + "}")
        else:
            escaped = scrub(piece)
            for char in ("\\", '"', "$", "`"):
                escaped = escaped.replace(char, "\\" + char)
            out.append(escaped)
    return '"' + "".join(out) + '"', used


def _origin_of(url: str, origins: Sequence[Origin]) -> Origin | None:
    found = [o for o in origins if url == o.base_url or url.startswith(o.base_url.rstrip("/") + "/")
             or url.startswith(o.base_url.rstrip("/") + "?")]
    return max(found, key=lambda o: len(o.base_url)) if found else None


def repro_of(exchange: Exchange, origins: Sequence[Origin],
             body_file: str | None) -> Repro:
    """The command replaying ``exchange`` (see module docstring); ``body_file`` is where its
    request body was written, relative to the contract folder."""
    sent = exchange.request
    origin = _origin_of(sent.url, origins)
    secrets = dict(origin.keys) if origin is not None else {}
    env: dict[str, str] = {}
    if origin is not None:
        rest = sent.url[len(origin.base_url.rstrip("/")):]
        quoted, _ = _double_quoted(rest, secrets)
        url = '"${' + BASE_URL_VAR + '}' + quoted[1:]
        where = ("the base URL the sandbox prints for " + origin.provider
                 if origin.sandbox else f"{origin.provider}'s base URL")
        env[BASE_URL_VAR] = f"{where} (this run: {scrub(origin.base_url)})"
    else:
        url = shlex.quote(scrub(sent.url))
    parts = ["curl", "-sS", "-i", "-X", sent.method, url]
    used: set[str] = set()
    for name, value in sent.headers:
        if name.lower() in _LEFT_OUT:
            continue
        quoted, found = _double_quoted(f"{name}: {value}", secrets)
        used |= found
        parts += ["-H", quoted]
    note = None
    if body_file is not None:
        parts += ["--data-binary", "@" + body_file]
    elif sent.body_length:
        note = scrub(f"the body ({sent.body_length:,} bytes) was too large to keep"
                     + (f"; first {sent.body_note}" if sent.body_note else ""))
        if sent.body_note and "body.json" in sent.body_note:
            parts += ["--data-binary", "@body.json"]
    for variable in sorted(used):
        values = [secret for secret, var in secrets.items() if var == variable]
        if values and origin is not None:
            role = origin.roles.get(variable, "")
            source = (f"in the sandbox's sandbox.json, providers.{origin.provider}.keys"
                      if origin.sandbox else "the variable the provider config names")
            env[variable] = (f"{origin.provider}'s {role} key ({source}; this run: "
                             f"{scrub(values[0])})").replace("'s  key", "'s key")
    return Repro(" ".join(parts), env, body_file,
                 origin.sandbox if origin is not None else None, note)
