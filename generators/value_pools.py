"""Realistic people, built once per seed from Faker pools in several locales.

Calling Faker for every contact costs about half a millisecond; a load test that did so
would measure Faker instead of the provider. Instead, each seed draws small pools of
Faker values per locale (first and last names, companies, job titles, cities, postcodes)
once, and assembles a fixed number of :class:`Persona` objects from them. Contacts are
then made from personas by index arithmetic (see ``contact_templates``), with a unique
token in the fields that identify a contact.

The same seed gives the same personas (for one installed Faker version).
"""

from __future__ import annotations

import random
import re
import unicodedata
from dataclasses import dataclass
from functools import cache

from faker import Faker

__all__ = ["LOCALES", "PERSONA_COUNT", "Locale", "Persona", "ascii_slug", "personas"]

#: personas per seed: contact ``i`` uses persona ``(i * PERSONA_STRIDE) % PERSONA_COUNT``.
PERSONA_COUNT = 1024

_FIRST_NAMES = 96
_LAST_NAMES = 96
_COMPANIES = 48
_JOBS = 48
_CITIES = 48

_TAGS = (
    "prospect",
    "customer",
    "newsletter",
    "webinar-2024",
    "trade-fair",
    "partner",
    "vip",
    "cold-lead",
    "inbound",
    "outbound",
    "event",
    "referral",
)
_SEGMENTS = ("enterprise", "mid-market", "smb", "startup", "public-sector")
_COMPANY_SIZES = ("1-10", "11-50", "51-200", "201-500", "501-1000", "1001-5000")


@dataclass(frozen=True)
class Locale:
    """A Faker locale with the facts Faker does not give per person."""

    code: str
    country: str
    country_iso: str
    calling_code: str
    language: str
    tld: str


LOCALES: tuple[Locale, ...] = (
    Locale("en_US", "United States", "US", "1", "en", "com"),
    Locale("fr_FR", "France", "FR", "33", "fr", "fr"),
    Locale("de_DE", "Germany", "DE", "49", "de", "de"),
    Locale("ja_JP", "Japan", "JP", "81", "ja", "jp"),
    Locale("es_ES", "Spain", "ES", "34", "es", "es"),
    Locale("pt_BR", "Brazil", "BR", "55", "pt", "com.br"),
)


@dataclass(frozen=True)
class Persona:
    """One made-up person and their workplace; contacts add a unique token to it."""

    locale: str
    first_name: str
    last_name: str
    full_name: str
    email_local: str
    slug: str
    company: str
    domain: str
    job_title: str
    city: str
    country: str
    calling_code: str
    language: str
    zipcode: str
    company_size: str
    segment: str
    lead_score: int
    tags: tuple[str, ...]
    collected_at: str


def ascii_slug(text: str, sep: str = "-") -> str:
    """``text`` folded to lowercase ASCII words joined by ``sep`` ("" if nothing is left)."""
    folded = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return sep.join(re.findall(r"[a-z0-9]+", folded.lower()))


@dataclass(frozen=True)
class _Pool:
    locale: Locale
    firsts: tuple[tuple[str, str], ...]  # (as written, romanised)
    lasts: tuple[tuple[str, str], ...]
    companies: tuple[tuple[str, str], ...]  # (name, domain)
    jobs: tuple[str, ...]
    cities: tuple[tuple[str, str], ...]  # (city, postcode)


@cache
def _faker(code: str) -> Faker:
    return Faker(code)


def _draw_pool(locale: Locale, seed: int) -> _Pool:
    fake = _faker(locale.code)
    fake.seed_instance(seed * 7919 + sum(map(ord, locale.code)))
    if locale.code == "ja_JP":  # kanji names, romanised for the email address
        firsts = tuple((p[0], p[2]) for p in (fake.first_name_pair() for _ in range(_FIRST_NAMES)))
        lasts = tuple((p[0], p[2]) for p in (fake.last_name_pair() for _ in range(_LAST_NAMES)))
    else:
        firsts = tuple((n, n) for n in (fake.first_name() for _ in range(_FIRST_NAMES)))
        lasts = tuple((n, n) for n in (fake.last_name() for _ in range(_LAST_NAMES)))
    companies = []
    for _ in range(_COMPANIES):
        name = fake.company()
        words = ascii_slug(name).split("-")[:2]
        domain = f"{'-'.join(words)}.{locale.tld}" if words != [""] else fake.domain_name()
        companies.append((name, domain))
    jobs = tuple(fake.job() for _ in range(_JOBS))
    cities = tuple((fake.city(), fake.postcode()) for _ in range(_CITIES))
    return _Pool(locale, firsts, lasts, tuple(companies), jobs, cities)


@cache
def personas(seed: int) -> tuple[Persona, ...]:
    """The :data:`PERSONA_COUNT` personas of ``seed`` (cached: built once per process)."""
    pools = [_draw_pool(loc, seed) for loc in LOCALES]
    rng = random.Random(seed)
    people = []
    for k in range(PERSONA_COUNT):
        pool = pools[k % len(pools)]
        first, first_ascii = rng.choice(pool.firsts)
        last, last_ascii = rng.choice(pool.lasts)
        company, domain = rng.choice(pool.companies)
        city, zipcode = rng.choice(pool.cities)
        loc = pool.locale
        full_name = f"{last} {first}" if loc.code == "ja_JP" else f"{first} {last}"
        local = ascii_slug(f"{first_ascii} {last_ascii}", ".") or "contact"
        people.append(
            Persona(
                locale=loc.code,
                first_name=first,
                last_name=last,
                full_name=full_name,
                email_local=local,
                slug=local.replace(".", "-"),
                company=company,
                domain=domain,
                job_title=rng.choice(pool.jobs),
                city=city,
                country=loc.country,
                calling_code=loc.calling_code,
                language=loc.language,
                zipcode=zipcode,
                company_size=rng.choice(_COMPANY_SIZES),
                segment=rng.choice(_SEGMENTS),
                lead_score=rng.randrange(0, 101),
                tags=tuple(rng.sample(_TAGS, rng.randrange(1, 4))),
                collected_at=f"202{rng.randrange(0, 5)}-{rng.randrange(1, 13):02d}-"
                f"{rng.randrange(1, 29):02d}",
            )
        )
    return tuple(people)
