"""Run orchestration: the steps of ``bulkbench run``, their targets, progress and signals.

``pipeline.run_pipeline`` is the whole job; the other modules are its parts: the profiles
(how long each step runs), the targets (the shared sandboxes or the provider's URL and
key), the steps (the contract suite, one load scenario), the display, the signal handling
and the final key scrub of the run folder.
"""
