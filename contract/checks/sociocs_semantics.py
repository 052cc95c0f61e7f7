"""Sociocs bulk upsert: an update overwrites the whole contact, ``list_id`` names a list of
the account (0: All Contacts), and ``phone_number_cc`` completes national numbers."""

from __future__ import annotations

from bulkbench.contract.checks.case_selection import enforce_case, is_endpoint, named, outcome_in
from bulkbench.contract.checks.registry import CheckContext, check
from bulkbench.contract.requests import send_batch
from bulkbench.generators import Outcome

__all__: list[str] = []

UPSERT = "sociocs.bulk_upsert"


@check(group="semantics", endpoints=is_endpoint(UPSERT),
       doc=("all information gets overwritten, including all extra fields",),
       cases=outcome_in(Outcome.REPLACED, endpoint=UPSERT), rank=20)
def sociocs_upsert_replaces(ctx: CheckContext) -> None:
    """An existing phone number's contact is overwritten entirely, extra_fields replaced."""
    enforce_case(ctx)


@check(group="semantics", endpoints=is_endpoint(UPSERT), doc=('to add to "All Contacts"',),
       note="NOTES S2: a list_id that is no list of the account is a 404",
       cases=named("list_id_all_contacts", "list_id_unknown", endpoint=UPSERT), rank=10)
def sociocs_list_id(ctx: CheckContext) -> None:
    """list_id 0 adds to All Contacts; a list_id that is no list of the account is a 404."""
    enforce_case(ctx)


@check(group="semantics", endpoints=is_endpoint(UPSERT),
       doc=("Phone number starting with the country code",),
       note="NOTES S5: phone_number_cc is prefixed to a phone_number that does not start "
            "with it (or ignored, as phone_number_cc settles)",
       cases=named("phone_number_cc", endpoint=UPSERT), rank=10, assumes=("phone_number_cc",))
def sociocs_phone_number_cc(ctx: CheckContext) -> None:
    """National numbers sent with phone_number_cc are stored under the full number (or as
    sent, when the config settles that phone_number_cc is ignored)."""
    enforce_case(ctx)
    case = ctx.case
    assert case is not None
    inspector = ctx.session.reader(ctx.target.name)
    if inspector is None:
        ctx.skip("the answer is right; the stored numbers cannot be read back from this "
                 "provider (no documented read endpoint)")
    body = case.request(ctx.seed, run_tag=ctx.run_tag).json()
    cc = str(body["phone_number_cc"])
    prefixed = ctx.assumed("phone_number_cc") == "prefix"
    for record in body["records"]:
        national = str(record["phone_number"]).lstrip("+")
        full = national if national.startswith(cc) or not prefixed else cc + national
        found = inspector.contacts(ctx.target.name, phone=full)
        ctx.expect(len(found) == 1, "country code not applied",
                   f"{national} sent with phone_number_cc {cc!r}: {len(found)} contact(s) "
                   f"stored under {full}")


@check(group="semantics", endpoints=is_endpoint(UPSERT), needs=("readback",),
       doc=("all information gets overwritten, including all extra fields",),
       note="NOTES S8: a field left out of the update is cleared")
def sociocs_upsert_clears_left_out_fields(ctx: CheckContext) -> None:
    """An update that leaves out name and extra_fields clears them on the stored contact."""
    record = ctx.session.contacts(ctx.endpoint, 1)[0]
    full = {**record, "name": record.get("name") or "Kept Name",
            "extra_fields": {**(record.get("extra_fields") or {}), "kept": "yes"}}
    for body, what in (({"records": [full]}, "creating the contact"),
                       ({"records": [{"phone_number": record["phone_number"]}]},
                        "updating it with the phone number alone")):
        exchange = send_batch(ctx, ctx.endpoint, body)
        ctx.expect(ctx.succeeded(exchange), "unexpected status",
                   f"{what} answered {exchange.status}", exchange)
    inspector = ctx.session.reader(ctx.target.name)
    assert inspector is not None
    found = inspector.contacts(ctx.target.name, phone=str(record["phone_number"]))
    ctx.expect(len(found) == 1, "contact not stored once",
               f"{len(found)} contacts stored for {record['phone_number']}")
    data = found[0].get("data") or {}
    kept = {k: data[k] for k in ("name", "extra_fields") if data.get(k)}
    ctx.expect(not kept, "left-out fields kept",
               f"after an update with the phone number alone the contact still has {kept}",
               ctx.client.last)
