"""The last line of defence: no key in the run folder.

Every stage keeps keys out of what it writes (redacted as ``wbk_…1234``). After a run,
every text file of the run folder is searched for every key the run knew (the keys given,
the sandboxes' keys, admin key and webhook secret) and any occurrence is replaced by its
redacted form, whatever the key's length (JSON value by value, see
``bulkbench.contract.redaction.scrub_file``); the files touched are returned, so the run can say so
instead of hiding it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from bulkbench.contract.redaction import scrub_file

__all__ = ["scrub_folder"]


def scrub_folder(folder: Path, secrets: Iterable[str | None]) -> dict[str, int]:
    """Replace each secret (any length) in the files below ``folder``; ``{file:
    replacements}``."""
    known = [s for s in secrets if s]
    touched: dict[str, int] = {}
    if not known:
        return touched
    for path in sorted(folder.rglob("*")):
        count = scrub_file(path, known)
        if count:
            touched[str(path.relative_to(folder))] = count
    return touched
