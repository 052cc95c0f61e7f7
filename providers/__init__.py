"""The bundled providers' folders: one package per provider, named as its spec's
``x-bulkbench-provider`` (``providers/hubspot/`` in the repository, imported as
``bulkbench.providers.hubspot``), found by that name (``bulkbench.core.providers``).
Each holds the code its spec cannot say: a sandbox behaviour, checks and edge cases of its
own (docs/adding-a-provider.md). No stage imports a folder; they are reached by name."""
