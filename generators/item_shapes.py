"""Which fields a batch item of an endpoint carries, and where each value comes from.

The item schema comes from the catalog; this module only knows how a :class:`Persona`
fills a field of a given *name*, for the names the three providers use (``full_name`` and
``name``, ``firstName``, ``phone_number``, ``extra_fields`` ...). For each endpoint it
keeps the fields of the item schema it can fill with a value that the field's own schema
accepts, and fills a required field it does not know from the schema itself (``const``,
``enum``, ``default``, ``format``). A required field it cannot fill is a
:class:`GeneratorError`, so a spec change never yields silently invalid batches.

Values that must be unique within a run (emails, phone numbers, profile URLs) carry
:data:`TOKEN`; ``contact_templates`` replaces it with a per-contact number.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from bulkbench.core import json_pointer
from bulkbench.core.catalog import Endpoint
from bulkbench.generators.errors import GeneratorError, NotABatchEndpoint
from bulkbench.generators.schema_validation import schema_accepts
from bulkbench.generators.value_pools import Persona

__all__ = ["FIELD_SOURCES", "TOKEN", "ItemShape", "Profile", "example_value", "item_shape"]

#: stands for the per-contact unique number in a template (never produced by Faker).
TOKEN = "~~U~~"

Profile = Literal["full", "minimal"]


def _custom(p: Persona) -> dict[str, Any]:
    return {"segment": p.segment, "lead_score": p.lead_score, "city": p.city}


def _email(p: Persona) -> str:
    return f"{p.email_local}.{TOKEN}@{p.domain}"


def _phone(p: Persona) -> str:
    return f"+{p.calling_code}{TOKEN}"


#: field name (as a provider spells it) → how a persona fills it.
FIELD_SOURCES: Mapping[str, Callable[[Persona], Any]] = {
    "full_name": lambda p: p.full_name,
    "fullName": lambda p: p.full_name,
    "name": lambda p: p.full_name,
    "first_name": lambda p: p.first_name,
    "firstName": lambda p: p.first_name,
    "firstname": lambda p: p.first_name,
    "last_name": lambda p: p.last_name,
    "lastName": lambda p: p.last_name,
    "lastname": lambda p: p.last_name,
    "email": _email,
    "email_address": _email,
    "phone": _phone,
    "phone_number": _phone,
    "mobilePhone": lambda p: f"+{p.calling_code}7{TOKEN}",
    "mobile_phone": lambda p: f"+{p.calling_code}7{TOKEN}",
    "job_title": lambda p: p.job_title,
    "jobTitle": lambda p: p.job_title,
    "jobtitle": lambda p: p.job_title,
    "company": lambda p: p.company,
    "companyName": lambda p: p.company,
    "company_name": lambda p: p.company,
    "companyWebsite": lambda p: f"https://www.{p.domain}",
    "website": lambda p: f"https://www.{p.domain}",
    "companySize": lambda p: p.company_size,
    "linkedin_url": lambda p: f"https://www.linkedin.com/in/{p.slug}-{TOKEN}",
    "linkedinUrl": lambda p: f"https://www.linkedin.com/in/{p.slug}-{TOKEN}",
    "city": lambda p: p.city,
    "country": lambda p: p.country,
    "zipcode": lambda p: p.zipcode,
    "language": lambda p: p.language,
    "collectedAt": lambda p: p.collected_at,
    "tags": lambda p: list(p.tags),
    "custom_fields": _custom,
    "extra_fields": _custom,
    "vars": _custom,
}


@dataclass(frozen=True)
class ItemShape:
    """How to build one batch item of an endpoint.

    ``kind`` is ``object`` (a contact: ``fields`` in order, each filled by ``sources``) or
    ``uuid`` (a bare id string, e.g. add-to-list's ``contact_ids``). When the contact's
    fields sit inside the item (``x-bulkbench-item-fields``, ``contact_at`` the path of
    property names), ``fields`` are the item's own and ``contact`` the shape of the object
    put at ``contact_at``.
    """

    endpoint_key: str
    kind: Literal["object", "uuid"]
    fields: tuple[str, ...]
    sources: Mapping[str, Callable[[Persona], Any]]
    contact_at: tuple[str, ...] = ()
    contact: ItemShape | None = None

    def item(self, persona: Persona) -> dict[str, Any]:
        """The persona as an item of this shape, unique values still holding :data:`TOKEN`."""
        item = {name: self.sources[name](persona) for name in self.fields}
        if self.contact is not None and self.contact_at:
            node = item
            for part in self.contact_at[:-1]:
                node = node.setdefault(part, {})
            node[self.contact_at[-1]] = self.contact.item(persona)
        return item


def item_shape(endpoint: Endpoint, sample: Persona, profile: Profile = "full") -> ItemShape:
    """The shape of ``endpoint``'s batch items, checked against its item schema.

    ``profile`` ``full`` fills every field a persona can fill; ``minimal`` only the
    required fields and the identity keys. ``sample`` is used to check each field's value
    against the field's schema.
    """
    if endpoint.batch_field is None:
        raise NotABatchEndpoint(endpoint.key)
    schema = endpoint.item_schema or {}
    if schema.get("type") == "string":
        if schema.get("format") != "uuid":
            raise GeneratorError(
                f"{endpoint.key}: string items of format "
                f"{schema.get('format')!r} are not supported (only uuid)"
            )
        return ItemShape(endpoint.key, "uuid", (), {})
    if schema.get("type") != "object":
        raise GeneratorError(
            f"{endpoint.key}: items of type {schema.get('type')!r} are not supported"
        )
    if not endpoint.fields_at:
        return _object_shape(endpoint, schema, sample, profile, set(endpoint.identity_keys))
    # the contact's fields inside the item (x-bulkbench-item-fields): the item's own
    # fields are filled from their schemas, the contact from the persona
    at = json_pointer.parts(endpoint.fields_at)
    contact_schema = endpoint.contact_schema or {}
    contact = _object_shape(endpoint, contact_schema, sample, profile,
                            set(endpoint.identity_keys), "contact ")
    if profile == "minimal" and not schema_accepts(contact_schema, _probe(contact.item(sample))):
        contact = _object_shape(endpoint, contact_schema, sample, "full", set(), "contact ")
    outer = _object_shape(endpoint, schema, sample, "minimal", set(endpoint.identity_keys),
                          skip=at[0])
    return ItemShape(endpoint.key, "object", outer.fields, outer.sources, at, contact)


def _object_shape(endpoint: Endpoint, schema: Mapping[str, Any], sample: Persona,
                  profile: Profile, identity: set[str], what: str = "",
                  skip: str | None = None) -> ItemShape:
    """The shape of an object of ``schema``: the fields a persona fills, and the required
    ones filled from their schemas (``skip``: a field built elsewhere)."""
    properties: Mapping[str, Any] = schema.get("properties") or {}
    required = tuple(n for n in schema.get("required", ()) if n != skip)
    wanted = set(required) | identity
    fields: list[str] = []
    sources: dict[str, Callable[[Persona], Any]] = {}
    for name in properties:
        if name == skip or (profile == "minimal" and name not in wanted):
            continue
        prop = properties.get(name, {})
        source = FIELD_SOURCES.get(name)
        if source is None and prop.get("format") == "email":
            source = _email  # an id that is an email (HubSpot's upsert by idProperty email)
        if source is not None and schema_accepts(prop, _probe(source(sample))):
            fields.append(name)
            sources[name] = source
        elif name in required:
            value = example_value(prop, f"{endpoint.key}: required {what}field {name!r}")
            fields.append(name)
            sources[name] = _constant(value)
    missing = [n for n in required if n not in sources]
    if missing:
        raise GeneratorError(
            f"{endpoint.key}: required {what}field(s) {', '.join(missing)} "
            "are not properties of the item schema"
        )
    return ItemShape(endpoint.key, "object", tuple(fields), sources)


def _constant(value: Any) -> Callable[[Persona], Any]:
    return lambda _persona: value


def _probe(value: Any) -> Any:
    """``value`` with :data:`TOKEN` replaced by a typical unique number (for schema checks)."""
    if isinstance(value, str):
        return value.replace(TOKEN, "10000000000")
    if isinstance(value, list):
        return [_probe(v) for v in value]
    if isinstance(value, dict):
        return {k: _probe(v) for k, v in value.items()}
    return value


_FORMAT_EXAMPLES = {
    "email": f"contact.{TOKEN}@example.com",
    "uri": f"https://example.com/{TOKEN}",
    "date": "2024-05-01",
    "date-time": "2024-05-01T10:00:00Z",
    "uuid": "123e4567-e89b-42d3-a456-426614174000",
}


def example_value(schema: Mapping[str, Any], what: str) -> Any:
    """A value ``schema`` accepts, read from the schema itself (``what`` names it in errors)."""
    if "const" in schema:
        return schema["const"]
    if schema.get("enum"):
        return schema["enum"][0]
    if "default" in schema:
        return schema["default"]
    kind = schema.get("type")
    if isinstance(kind, list):
        kind = next((k for k in kind if k != "null"), "null")
    value: Any
    if kind == "string" and "pattern" not in schema:
        filler = "x" * max(1, schema.get("minLength", 1))
        value = _FORMAT_EXAMPLES.get(schema.get("format", ""), filler)
    elif kind in ("integer", "number"):
        value = schema.get("minimum", 0)
    elif kind == "boolean":
        value = False
    elif kind == "array":
        value = [example_value(schema.get("items", {}), what)] * schema.get("minItems", 0)
    elif kind == "object":
        props = schema.get("properties") or {}
        value = {k: example_value(props.get(k, {}), what) for k in schema.get("required", ())}
    else:
        raise GeneratorError(f"{what}: cannot make a value for schema {dict(schema)!r}")
    if not schema_accepts(schema, _probe(value)):
        raise GeneratorError(f"{what}: cannot make a value its schema accepts")
    return value
