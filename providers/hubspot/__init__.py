"""HubSpot's folder: what its spec (``specs/hubspot.yaml``) cannot say.

- ``sandbox``: batch create and batch upsert as HubSpot answers them: ``{status, results,
  startedAt, completedAt}`` with one object per input (numeric-string ids, ``new`` on
  upsert), an email unique per account (a create that meets one is a 409 CONFLICT and
  creates nothing), upsert by email as a partial update (NOTES H3, H6, H7, H15, H16);
- ``checks``: the 409 on an existing email, the upsert's ``new`` flag, properties left
  out of an upsert kept;
- ``edge_cases``: the conflict cases (an existing email, an email twice in one batch).

Found by its name as a package of ``bulkbench.providers`` (``core/providers.py``); nothing
else in bulkbench names it.
"""

sandbox = ["bulkbench.providers.hubspot.sandbox"]
checks = ["bulkbench.providers.hubspot.checks"]
edge_cases = ["bulkbench.providers.hubspot.cases:hubspot_cases"]
