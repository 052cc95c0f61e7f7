"""One module per subcommand; each exposes ``register(app)``.

Keeping every subcommand in its own module lets each stage own its command without
touching the others. ``bulkbench.cli`` imports them all and decides the exit code.
"""
