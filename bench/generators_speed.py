"""How fast are the generators? Contacts/s side by side, measured in one run.

For each endpoint that takes 10,000 items in one batch (read from the catalog), and the
LeadLex import's rows:

  (a) ours   — a valid, unique 10,000-contact batch built and serialised to JSON bytes
               (``valid_body_bytes``; each repetition takes fresh contacts);
  (b) faker  — per-record Faker producing the same shape, serialised with orjson
               (timed on a sample, which is plenty: it is ~1,000x slower);
  (c) floor  — ``orjson.dumps`` of the already-built list of the same rows.

It prints both ratios (ours/faker, ours/floor), whether the 500,000 contacts/s target is
met, the one-off cost of a new seed (its Faker pools), and the peak Python memory
(tracemalloc) while streaming a body of ``x-max-body-bytes`` (20 MiB).

    .venv/bin/python bench/generators_speed.py
"""

from __future__ import annotations

import time
import tracemalloc
from collections.abc import Callable
from typing import Any

import orjson
from faker import Faker

from bulkbench.core.catalog import Endpoint, default_catalog
from bulkbench.generators import stream_sized_body, valid_body_bytes, valid_items
from bulkbench.generators.value_pools import personas

BATCH = 10_000
TARGET = 500_000  # contacts/s
REPEATS = 7
FAKER_SAMPLE = 1_000


def best_rate(run: Callable[[int], Any], count: int, repeats: int = REPEATS) -> float:
    """Contacts/s of the fastest of ``repeats`` runs (``run(i)`` makes ``count`` contacts)."""
    best = float("inf")
    for i in range(repeats):
        start = time.perf_counter()
        run(i)
        best = min(best, time.perf_counter() - start)
    return count / best


def faker_record(fake: Faker, fields: tuple[str, ...], n: int) -> dict[str, Any]:
    """One contact of the endpoint's shape, every value from a Faker call."""
    first, last = fake.first_name(), fake.last_name()
    values: dict[str, Callable[[], Any]] = {
        "full_name": lambda: f"{first} {last}",
        "name": lambda: f"{first} {last}",
        "firstName": lambda: first,
        "lastName": lambda: last,
        "email": lambda: f"{n}.{fake.email()}",
        "phone": fake.phone_number,
        "phone_number": lambda: f"+1{fake.msisdn()[:10]}",
        "mobilePhone": fake.phone_number,
        "job_title": fake.job,
        "jobTitle": fake.job,
        "company": fake.company,
        "companyName": fake.company,
        "companyWebsite": fake.url,
        "companySize": lambda: "11-50",
        "linkedin_url": lambda: f"https://www.linkedin.com/in/{fake.user_name()}-{n}",
        "linkedinUrl": lambda: f"https://www.linkedin.com/in/{fake.user_name()}-{n}",
        "city": fake.city,
        "country": fake.country,
        "zipcode": fake.postcode,
        "language": fake.language_code,
        "collectedAt": lambda: fake.date(),
        "tags": lambda: fake.words(2),
        "custom_fields": lambda: {
            "segment": fake.bs(),
            "lead_score": fake.random_int(0, 100),
            "city": fake.city(),
        },
    }
    values["extra_fields"] = values["vars"] = values["custom_fields"]
    return {f: values[f]() for f in fields if f in values}


def measure(ep: Endpoint) -> tuple[float, float, float]:
    assert ep.batch_field is not None
    valid_body_bytes(ep, BATCH, seed=0)  # warm: pools and templates of seed 0
    ours = best_rate(lambda i: valid_body_bytes(ep, BATCH, seed=0, start=(i + 1) * BATCH), BATCH)
    fields = tuple(valid_items(ep, 1, seed=0)[0])
    fake = Faker(["en_US", "fr_FR", "de_DE", "ja_JP", "es_ES", "pt_BR"])
    fake.seed_instance(0)
    faker = best_rate(
        lambda _i: orjson.dumps(
            {ep.batch_field: [faker_record(fake, fields, n) for n in range(FAKER_SAMPLE)]}
        ),
        FAKER_SAMPLE,
        repeats=1,
    )
    rows = valid_items(ep, BATCH, seed=0)
    floor = best_rate(lambda _i: orjson.dumps({ep.batch_field: rows}), BATCH)
    return ours, faker, floor


def main() -> int:
    catalog = default_catalog()
    start = time.perf_counter()
    personas(12345)
    cold = time.perf_counter() - start
    endpoints = [
        ep
        for ep in catalog.endpoints()
        if ep.batch_field is not None
        and ep.item_fields
        and (ep.max_batch is None or ep.max_batch >= BATCH)
    ]
    print(
        f"unique {BATCH:,}-contact batch, built and serialised to JSON bytes "
        f"(best of {REPEATS}; Faker on {FAKER_SAMPLE:,} records)\n"
    )
    print(
        f"{'endpoint':26} {'ours/s':>11} {'faker/s':>9} {'floor/s':>11} "
        f"{'ours/faker':>10} {'ours/floor':>10}  target {TARGET:,}/s"
    )
    met = True
    for ep in endpoints:
        ours, faker, floor = measure(ep)
        ok = ours >= TARGET
        met &= ok
        print(
            f"{ep.key:26} {ours:11,.0f} {faker:9,.0f} {floor:11,.0f} "
            f"{ours / faker:9,.0f}x {ours / floor:9.2f}x  {'met' if ok else 'NOT met'}"
        )
    print(f"\ntarget of {TARGET:,} contacts/s: {'met' if met else 'NOT met'} on every endpoint")
    print(f"a new seed's Faker pools (one-off): {cold * 1000:.0f} ms")

    ep = catalog.endpoint("leadlex.import_contacts")
    assert ep.max_body_bytes is not None
    list(stream_sized_body(ep, 100_000, seed=0))  # warm
    tracemalloc.start()
    total = 0
    for chunk in stream_sized_body(ep, ep.max_body_bytes, seed=0):
        total += len(chunk)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        f"streaming a {total:,}-byte body ({ep.key}): peak Python memory "
        f"{peak / 2**20:.1f} MiB ({peak / total:.1%} of the body)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
