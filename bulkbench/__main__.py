"""``python -m bulkbench`` is the ``bulkbench`` command."""

from bulkbench.cli import main

main()
