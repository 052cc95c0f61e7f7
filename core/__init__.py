"""The base every stage imports, and which imports no stage.

* :mod:`bulkbench.core.errors`: the error root (``BulkbenchError``) and ``UsageError``;
* :mod:`bulkbench.core.catalog`: the specs as typed providers and endpoints;
* :mod:`bulkbench.core.config`: the provider config (TOML), typed and validated;
* :mod:`bulkbench.core.assumptions`: the keys that settle what the documentation leaves open;
* :mod:`bulkbench.core.run_layout`: the one owner of a run folder's layout;
* :mod:`bulkbench.core.providers`: the provider registry;
* :mod:`bulkbench.core.child_processes`: children that die with their parent.

The stages (``bulkbench.contract``, ``.generators``, ``.loadtests``, ``.reports``,
``.sandbox``) import from here; the command line (``bulkbench.cli``, ``.commands``,
``.orchestration``) imports everything; nothing here imports either
(``tests/foundation/test_layering.py``).
"""
