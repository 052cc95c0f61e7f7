"""The sandbox: a faithful, fast reference implementation of the providers' bulk endpoints.

Read in this order: ``settings`` (what it is told) → ``app`` (``create_app``: one
Starlette app, a mount per provider) → ``runtime`` (the :class:`Sandbox` handlers see) →
``pipeline`` (what every endpoint goes through: rate limit, auth, scope, body, schema) →
``plugin`` (how a provider module plugs in) → ``providers/`` (the endpoints themselves).
Beside them: ``storage`` (SQLite, WAL, one DB thread), ``auth`` (keys), ``rate_limit``,
``faults`` (the registry of switchable defects), ``errors`` (envelopes), ``body``
(reading, parsing, validation), ``query_flags`` (boolean query parameters: ``true`` or
``false``), ``batch_chunks`` (a large body's batch array parsed a chunk at a time),
``inspect`` (``/_sandbox``), ``server`` (uvicorn and ``sandbox.json``),
``connection_guard`` (read deadlines and a connection cap on uvicorn's protocol),
``assumed`` (which reading of the documentation's open points is served: the spec's, or a
variant's, ``variants/NAME.toml``, or an ``--assumptions`` file; read through
``SandboxSettings.assumed``; where no key settles an open point the checks tolerate,
``SandboxSettings.takes_other_reading`` says whether the variant takes the other behaviour:
the ``alt`` variant does at all five, for LeadLex's import unless said otherwise — a
malformed JSON row is a row error (L11), ``rows`` and ``csv`` together import the rows
(L17), emails match case-sensitively (L18), a CSV's BOM is kept in the first header name
and a blank line is an invalid row (L27), and all three providers accept internationalised
email addresses (L28); ``variants/alt.toml`` documents them),
``process`` (start it as a subprocess). The providers' own parts: ``import_rows``,
``import_jobs``, ``import_worker``, ``idempotency``, ``webhooks``, ``csv_rows`` (LeadLex
import); ``datananas_quotas``, ``datananas_progress``, ``progress_channel``,
``datananas_inspection`` (Datananas).
"""
