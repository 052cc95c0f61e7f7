"""Sandbox ingest speed and memory, printed as ratios measured in one run.

1. Contacts/s ingested end to end through the real server (HTTP, JSON, validation,
   SQLite commit) in batches of each endpoint's documented maximum (LeadLex bulk create:
   500; Datananas / Sociocs bulk: 10,000, once the sandbox serves them), beside raw
   ``sqlite3.executemany`` of the same rows into the same schema (one transaction per
   batch of the same size). Target: end to end >= 50% of raw.
2. Peak memory of the server process for a body just under the documented limit
   (``x-max-body-bytes``, 20 MiB): a bulk-style body (LeadLex bulk create, 500 padded
   contacts), a LeadLex import of ~180,000 small JSON rows and one of the same rows as CSV,
   each on a fresh server, from ``/proc/PID/status`` (the peak is reset to the current RSS
   first, and a queued import is followed until its job completes), against the body size.
   Target: <= 5x.

    .venv/bin/python bench/sandbox_ingest.py [--contacts N] [--endpoint KEY ...]

Limits come from the catalog; nothing here is a documented number. Bounded: each ingest
stops after --max-seconds.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import orjson

from bulkbench.core.catalog import Endpoint, default_catalog
from bulkbench.sandbox.ids import uuid7_batch
from bulkbench.sandbox.process import SandboxProcess, start_sandbox
from bulkbench.sandbox.providers import load_plugins
from bulkbench.sandbox.storage import (
    INSERT_CONTACT_SQL,
    create_schema,
    norm_email,
    open_connection,
)

DEFAULT_ENDPOINTS = ("leadlex.bulk_create", "datananas.bulk_create", "sociocs.bulk_upsert")


# --------------------------------------------------------------------------- batches


def _item(ep: Endpoint, n: int, pad: int = 0) -> dict[str, Any]:
    """A plausible item for ``ep`` from its field names (unique email and phone)."""
    fields = set(ep.item_fields) | set(ep.item_required)
    item: dict[str, Any] = {}
    for name in ("full_name", "name"):
        if name in fields:
            item[name] = f"Contact {n}"
    if "first_name" in fields:
        item["first_name"] = f"First{n}"
    if "last_name" in fields:
        item["last_name"] = f"Last{n}"
    if "email" in fields:
        item["email"] = f"contact{n}@example.com"
    for name in ("phone", "phone_number"):
        if name in fields:
            item[name] = f"+1617{n:07d}"
    if "company" in fields:
        item["company"] = "Acme Inc"
    for name in ep.item_required:
        item.setdefault(name, f"value {n}")
    if pad:
        for name in ("custom_fields", "extra_fields", "vars"):
            if name in fields:
                item[name] = {"notes": "x" * pad}
                break
    return item


def batches(ep: Endpoint, total: int, start: int = 0) -> Iterator[list[dict[str, Any]]]:
    size = ep.max_batch or 500
    for first in range(start, start + total, size):
        yield [_item(ep, n) for n in range(first, min(first + size, start + total))]


def body_of(ep: Endpoint, items: list[dict[str, Any]]) -> bytes:
    assert ep.batch_field is not None
    return orjson.dumps({ep.batch_field: items})


# --------------------------------------------------------------------------- end to end


async def _post_all(url: str, headers: dict[str, str], bodies: list[bytes], concurrency: int,
                    max_seconds: float) -> tuple[int, float]:
    queue = list(reversed(range(len(bodies))))
    sent = 0
    deadline = time.perf_counter() + max_seconds
    limits = httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency)
    async with httpx.AsyncClient(limits=limits, timeout=120) as client:

        async def worker() -> None:
            nonlocal sent
            while queue and time.perf_counter() < deadline:
                i = queue.pop()
                r = await client.post(url, content=bodies[i], headers=headers)
                if r.status_code != 200:
                    raise SystemExit(f"{url}: {r.status_code} {r.text[:300]}")
                sent += 1

        t0 = time.perf_counter()
        await asyncio.gather(*(worker() for _ in range(concurrency)))
        return sent, time.perf_counter() - t0


def _cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc/PID/stat."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def ingest(sb: SandboxProcess, ep: Endpoint, total: int, start: int, concurrency: int,
           max_seconds: float) -> tuple[int, float, float]:
    """(contacts sent, seconds, server CPU seconds) through the server."""
    scheme = ep.auth
    key = sb.key(ep.provider)
    headers = {"Content-Type": "application/json", **(scheme.headers(key) if scheme else {})}
    all_batches = list(batches(ep, total, start))
    bodies = [body_of(ep, b) for b in all_batches]
    url = sb.base_url(ep.provider) + ep.path
    # warm up: opens the connections, fills the caches
    asyncio.run(_post_all(url, headers, [body_of(ep, next(batches(ep, 10, 10**8 + start)))],
                          1, 10))
    cpu = _cpu_seconds(sb.pid)
    sent, seconds = asyncio.run(_post_all(url, headers, bodies, concurrency, max_seconds))
    cpu = _cpu_seconds(sb.pid) - cpu
    contacts = sum(len(b) for b in all_batches[:sent])
    return contacts, seconds, cpu


def raw_sqlite(conn: sqlite3.Connection, ep: Endpoint, total: int, start: int,
               max_seconds: float) -> tuple[int, float, float]:
    """(rows, seconds, CPU seconds) of executemany of the same rows into the same schema."""
    if True:
        now = time.time()
        prepared = []
        for items in batches(ep, total, start):
            ids = uuid7_batch(len(items))
            prepared.append([
                (cid, ep.provider, "main", it.get("full_name") or it.get("name"),
                 norm_email(it.get("email")), it.get("phone") or it.get("phone_number"),
                 orjson.dumps(it), now, now) for cid, it in zip(ids, items, strict=True)])
        rows = 0
        deadline = time.perf_counter() + max_seconds
        cpu = time.process_time()
        t0 = time.perf_counter()
        for batch in prepared:
            conn.execute("BEGIN IMMEDIATE")
            conn.executemany(INSERT_CONTACT_SQL, batch)
            conn.execute("COMMIT")
            rows += len(batch)
            if time.perf_counter() > deadline:
                break
        return rows, time.perf_counter() - t0, time.process_time() - cpu


def compare(sb: SandboxProcess, ep: Endpoint, args: argparse.Namespace,
            extra_schema: list[str], tmp: Path) -> None:
    """End to end and raw, interleaved in rounds so that a busy machine hits both alike;
    the best round of each is compared, and the CPU time per contact of each."""
    rounds = max(1, args.rounds)
    per_round = max(ep.max_batch or 1, args.contacts // rounds)
    conn = open_connection(tmp / f"raw-{ep.key}.db")
    create_schema(conn, extra_schema)
    e2e_best = raw_best = 0.0
    n_total = rows_total = 0
    cpu_e2e = cpu_raw = 0.0
    try:
        for r in range(rounds):
            n, secs, cpu = ingest(sb, ep, per_round, r * per_round, args.concurrency,
                                  args.max_seconds / rounds)
            rows, raw_secs, raw_cpu = raw_sqlite(conn, ep, per_round, r * per_round,
                                                 args.max_seconds / rounds)
            e2e_best, raw_best = max(e2e_best, n / secs), max(raw_best, rows / raw_secs)
            n_total, rows_total = n_total + n, rows_total + rows
            cpu_e2e, cpu_raw = cpu_e2e + cpu, cpu_raw + raw_cpu
    finally:
        conn.close()
    print(f"ingest   {ep.key} (batches of {ep.max_batch:,}, {n_total:,} contacts, best of "
          f"{rounds} rounds): end to end {e2e_best:,.0f} contacts/s; raw executemany "
          f"{raw_best:,.0f} rows/s; ratio {e2e_best / raw_best:.2f} (target >= 0.50)")
    us_e2e, us_raw = max(cpu_e2e / n_total * 1e6, 1e-3), cpu_raw / rows_total * 1e6
    print(f"         CPU per contact: server {us_e2e:.1f} µs (all threads), raw "
          f"{us_raw:.1f} µs; raw / server = {us_raw / us_e2e:.2f}")


# --------------------------------------------------------------------------- memory

#: the memory cases: a bulk-style body (the batch maximum, items padded to the limit), an
#: import of many small JSON rows, and an import of the same rows as CSV text.
MEMORY_CASES = ("bulk", "import-rows", "import-csv")
_CSV_FIELDS = ("full_name", "email", "phone", "company")


def _proc_kib(pid: int, field: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"no {field} in /proc/PID/status")


def _reset_peak(pid: int) -> int:
    """Reset the process's peak RSS to its current RSS (``clear_refs`` 5, Linux >= 4.0) and
    return the baseline in KiB: the current RSS when the reset worked, else the old peak."""
    try:
        Path(f"/proc/{pid}/clear_refs").write_text("5")
    except OSError:
        return _proc_kib(pid, "VmHWM")
    return _proc_kib(pid, "VmRSS")


def memory_body(case: str, ep: Endpoint) -> tuple[bytes, int]:
    """(a body just under the endpoint's limit, its number of items) for ``case``."""
    limit = ep.max_body_bytes
    assert limit is not None, f"{ep.key} states no body limit"
    target = limit - 64 * 1024
    if case == "bulk":
        assert ep.max_batch is not None
        base = len(body_of(ep, [_item(ep, n) for n in range(ep.max_batch)]))
        pad = max(0, (target - base) // ep.max_batch - 40)
        items = [_item(ep, n, pad) for n in range(ep.max_batch)]
        return body_of(ep, items), len(items)
    sample = len(orjson.dumps(_item(ep, 10**7))) + 1
    if case == "import-rows":
        items = [_item(ep, n) for n in range(target // sample)]
        return body_of(ep, items), len(items)
    # CSV: the same kind of rows as text (one line is shorter than a JSON object)
    header = ",".join(_CSV_FIELDS) + "\n"
    line = len(",".join(str(_item(ep, 10**7)[f]) for f in _CSV_FIELDS)) + 1
    n = (target - len(header)) // line
    lines = [header, *(",".join(str(_item(ep, i)[f]) for f in _CSV_FIELDS) + "\n"
                       for i in range(n))]
    return orjson.dumps({"csv": "".join(lines)}), n


def _wait_job(client: httpx.Client, url: str, headers: dict[str, str], job_id: str,
              timeout: float = 300.0) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        data: dict[str, Any] = client.get(f"{url}/{job_id}", headers=headers).json()["data"]
        if data["status"] in ("completed", "failed") or time.monotonic() > deadline:
            return data
        time.sleep(0.05)


def memory(tmp: Path, case: str) -> None:
    """Peak RSS growth of a fresh server through one request of ``case`` (and, for a queued
    import, through its job until it completes), against the body size."""
    ep = default_catalog().endpoint("leadlex.bulk_create" if case == "bulk"
                                    else "leadlex.import_contacts")
    body, items = memory_body(case, ep)
    status_ep = default_catalog().endpoint("leadlex.import_job_status")
    with start_sandbox(tmp) as sb:
        url = sb.base_url(ep.provider) + ep.path
        scheme = ep.auth
        headers = {"Content-Type": "application/json",
                   **(scheme.headers(sb.key(ep.provider)) if scheme else {})}
        small = body_of(ep, [_item(ep, 10**8 + n) for n in range(10)])
        with httpx.Client(timeout=300) as client:
            client.post(url, content=small, headers=headers).raise_for_status()
            base = _reset_peak(sb.pid)
            t0 = time.perf_counter()
            r = client.post(url, content=body, headers=headers)
            answered = time.perf_counter() - t0
            if r.status_code != 200:
                raise SystemExit(f"memory {case}: {r.status_code} {r.text[:300]}")
            at_response = _proc_kib(sb.pid, "VmHWM")
            data = r.json().get("data", {})
            job = ""
            if data.get("status") == "queued":
                jobs_url = sb.base_url(ep.provider) + status_ep.path.rsplit("/", 1)[0]
                done = _wait_job(client, jobs_url, headers, data["job_id"])
                job = (f"; job {done['status']} ({done['created_count']:,} created) after "
                       f"{time.perf_counter() - t0:.1f} s")
            peak = _proc_kib(sb.pid, "VmHWM")
    size = len(body)
    print(f"memory   {case:<11} {ep.key}: body {size / 2**20:.1f} MiB ({items:,} items); "
          f"answered in {answered:.2f} s{job}")
    print(f"         peak RSS growth / body = {(peak - base) * 1024 / size:.2f}x "
          f"(at the response {(at_response - base) * 1024 / size:.2f}x; target <= 5x)")


# --------------------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--contacts", type=int, default=100_000,
                        help="contacts per endpoint (default 100,000)")
    parser.add_argument("--endpoint", action="append", default=None,
                        help=f"endpoint key (repeatable; default {', '.join(DEFAULT_ENDPOINTS)})")
    parser.add_argument("--concurrency", type=int, default=2)
    parser.add_argument("--rounds", type=int, default=4,
                        help="interleaved rounds of end to end and raw (default 4)")
    parser.add_argument("--max-seconds", type=float, default=12.0,
                        help="bound of each timed phase")
    parser.add_argument("--memory-case", action="append", default=None,
                        choices=MEMORY_CASES,
                        help=f"memory case (repeatable; default {', '.join(MEMORY_CASES)})")
    parser.add_argument("--no-memory", action="store_true")
    args = parser.parse_args()

    catalog = default_catalog()
    extra_schema = [s for p in load_plugins() for s in p.schema_statements]
    with tempfile.TemporaryDirectory(prefix="bench-sandbox-") as tmp_name:
        tmp = Path(tmp_name)
        with start_sandbox(tmp / "ingest") as sb:
            served = set(sb.info["endpoints"])
            for key in args.endpoint or DEFAULT_ENDPOINTS:
                ep = catalog.endpoint(key)
                if key not in served:
                    print(f"ingest   {key}: not served by the sandbox yet; skipped")
                    continue
                compare(sb, ep, args, extra_schema, tmp)
            counts = httpx.get(sb.admin_url + "/counts", headers=sb.admin_headers).json()
            print(f"stored   {orjson.dumps(counts['contacts']).decode()}")
        if not args.no_memory:
            for case in args.memory_case or MEMORY_CASES:
                memory(tmp / f"memory-{case}", case)
    return 0


if __name__ == "__main__":
    sys.exit(main())
