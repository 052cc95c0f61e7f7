"""The last line of defence: no key in the run folder.

Every stage keeps keys out of what it writes (redacted as ``wbk_…1234``). After a run,
every text file of the run folder is searched for every key the run knew (the keys given,
the sandboxes' keys, admin key and webhook secret) and any occurrence is replaced by its
redacted form; the files touched are returned, so the run can say so instead of hiding it.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from contract.config import redact

__all__ = ["scrub_folder"]

#: shorter strings are not treated as secrets (they would mangle ordinary text).
MIN_SECRET_LENGTH = 8
MAX_FILE_BYTES = 256 * 1024 * 1024


def scrub_folder(folder: Path, secrets: Iterable[str | None]) -> dict[str, int]:
    """Replace each secret in the text files below ``folder``; ``{file: replacements}``."""
    known = sorted({s for s in secrets if s and len(s) >= MIN_SECRET_LENGTH}, key=len,
                   reverse=True)
    touched: dict[str, int] = {}
    if not known:
        return touched
    for path in sorted(folder.rglob("*")):
        if not path.is_file() or path.stat().st_size > MAX_FILE_BYTES:
            continue
        try:
            text = path.read_text(encoding="utf-8")
        except (UnicodeDecodeError, OSError):
            continue
        count = 0
        for secret in known:
            if secret in text:
                count += text.count(secret)
                text = text.replace(secret, redact(secret))
        if count:
            path.write_text(text, encoding="utf-8")
            touched[str(path.relative_to(folder))] = count
    return touched
