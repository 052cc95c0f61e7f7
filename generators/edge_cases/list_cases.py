"""Add-to-list cases: ids already in the list, repeated, malformed, unknown, of another
workspace, and a list of another workspace.

Ids that must exist are :class:`Ref` placeholders: the setup names the contacts to create
first (with the endpoint that creates them), and the contract suite puts their real ids
in the body. Malformed and unknown ids are literal.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from typing import Any, Literal
from uuid import UUID

from bulkbench.core.catalog import Catalog, Endpoint
from bulkbench.generators.edge_cases.building import CaseContext, Draft, doc, rejected, success
from bulkbench.generators.edge_cases.model import Basis, CaseRequest, Expected, Outcome, Ref, Setup

__all__ = ["ID_SOURCES", "id_batch", "list_cases"]

#: id-list endpoints and the endpoint that creates the contacts their ids name.
ID_SOURCES: Mapping[str, str] = {"leadlex.add_to_list": "leadlex.bulk_create"}

TargetList = Literal["own", "other_workspace", "unknown", "none"]


def id_batch(
    ctx: CaseContext,
    key: str,
    count: int,
    *,
    in_list: Sequence[int] = (),
    extra: Sequence[Any] = (),
    other_workspace: int = 0,
    target_list: TargetList = "own",
) -> CaseRequest:
    """A body of ``count`` ids of contacts created in setup, then ``extra`` values; with
    ``other_workspace`` contacts created under the other workspace's key."""
    ep = ctx.endpoint(key)
    source = ID_SOURCES[key]
    existing = tuple(ctx.contacts(source, count))
    foreign = tuple(ctx.contacts(source, other_workspace))
    ids: list[Any] = [Ref("existing", i) for i in range(count)]
    ids.extend(extra)
    ids.extend(Ref("other_workspace", i) for i in range(other_workspace))
    return CaseRequest(
        body={ep.batch_field: ids},
        batch_field=ep.batch_field,
        setup=Setup(
            create_with=source,
            existing=existing,
            in_list=tuple(in_list),
            other_workspace=foreign,
            target_list=target_list,
        ),
    )


def _unknown_uuid(ctx: CaseContext) -> str:
    return str(UUID(int=ctx.rng.getrandbits(128), version=4))


#: malformed ids: (suffix, title, value, listed in details.invalid_ids).
_MALFORMED: tuple[tuple[str, str, Any, bool], ...] = (
    ("not_a_uuid", "the doc's own example of an invalid id", "not-a-real-uuid", True),
    ("uuid_truncated", "a UUID one hex digit short", "123e4567-e89b-42d3-a456-42661417400", True),
    (
        "uuid_without_dashes",
        "32 hex digits without dashes",
        "123e4567e89b42d3a456426614174000",
        True,
    ),
    ("uuid_in_braces", "a UUID in braces", "{123e4567-e89b-42d3-a456-426614174000}", True),
    ("empty_string", "an empty string", "", True),
    ("wrong_type", "a number instead of a string", 42, False),
)


def _one_valid_and(key: str, value: Any) -> Callable[[CaseContext], CaseRequest]:
    return lambda ctx: id_batch(ctx, key, 1, extra=[value])


def list_cases(catalog: Catalog) -> Iterator[Draft]:
    """The add-to-list cases of the id-list endpoints the catalog has."""
    for key in ID_SOURCES:
        if key in {ep.key for ep in catalog.endpoints()}:
            yield from _cases(catalog.endpoint(key))


def _cases(ep: Endpoint) -> Iterator[Draft]:
    tags = frozenset({"list"})
    invalid = doc(ep, "Invalid contact IDs")

    def draft(
        suffix: str,
        title: str,
        expected: Expected,
        build: Callable[[CaseContext], CaseRequest],
        semantic: bool = False,
    ) -> Draft:
        return Draft(
            suffix, ep.key, title, expected, build, tags | {"semantic"} if semantic else tags
        )

    yield draft(
        "add_new_contacts",
        "three contacts of the workspace, none in the list yet",
        success(
            ep,
            Outcome.ACCEPTED,
            doc(
                ep, "reflects only newly added contacts", "Total number of contacts now in the list"
            ),
            Basis.DOCUMENTED,
            added=3,
            data={"contact_count": 3},
        ),
        lambda ctx: id_batch(ctx, ep.key, 3),
    )
    yield draft(
        "already_in_list",
        "five contacts of which two are already in the list",
        success(
            ep,
            Outcome.DUPLICATE_SKIPPED,
            doc(
                ep,
                "it will be silently skipped (not an error)",
                "reflects only newly added contacts",
            ),
            Basis.DOCUMENTED,
            added=3,
            data={"contact_count": 5},
        ),
        lambda ctx: id_batch(ctx, ep.key, 5, in_list=(1, 3)),
    )
    yield draft(
        "duplicate_ids_in_request",
        "the same id twice in one request",
        success(
            ep,
            Outcome.DUPLICATE_SKIPPED,
            # the second occurrence is already in the list when it comes: skipped, and
            # "added" counts newly added contacts only
            doc(ep, "reflects only newly added contacts"),
            Basis.DOCUMENTED,
            added=2,
            data={"contact_count": 2},
        ),
        lambda ctx: id_batch(ctx, ep.key, 2, extra=[Ref("existing", 0)]),
    )
    for suffix, title, value, listed in _MALFORMED:
        yield draft(
            f"id_{suffix}",
            f"a valid id and {title}",
            rejected(
                ep, invalid, Basis.DOCUMENTED, details={"invalid_ids": [value]} if listed else None
            ),
            _one_valid_and(ep.key, value),
        )

    def unknown(ctx: CaseContext) -> CaseRequest:
        return id_batch(ctx, ep.key, 1, extra=[_unknown_uuid(ctx)])

    yield draft(
        "id_unknown",
        "a valid id and a well-formed UUID no contact has",
        rejected(ep, invalid, Basis.DOCUMENTED),
        unknown,
        semantic=True,
    )
    yield draft(
        "id_of_other_workspace",
        "a valid id and the id of another workspace's contact",
        rejected(
            ep, invalid, Basis.DOCUMENTED, details={"invalid_ids": [Ref("other_workspace", 0)]}
        ),
        lambda ctx: id_batch(ctx, ep.key, 1, other_workspace=1),
        semantic=True,
    )
    yield draft(
        "list_of_other_workspace",
        "the list belongs to another workspace",
        rejected(
            ep, doc(ep, "List not found or not in your workspace"), Basis.DOCUMENTED, status=404
        ),
        lambda ctx: id_batch(ctx, ep.key, 2, target_list="other_workspace"),
        semantic=True,
    )
    yield draft(
        "list_unknown",
        "a well-formed list id no list has",
        rejected(
            ep, doc(ep, "List not found or not in your workspace"), Basis.DOCUMENTED, status=404
        ),
        lambda ctx: id_batch(ctx, ep.key, 2, target_list="unknown"),
        semantic=True,
    )
