"""Load scenarios on locust: contacts/s, true latency, rate-limit honesty (issue 7).

Two kinds of modules live here, and the line between them matters: ``import locust``
monkey-patches the standard library with gevent, so nothing that the CLI, the sandbox or
pytest imports may pull it in.

Plain Python (the CLI and the tests import these; a test checks they never load locust
or gevent):

- ``load_settings``      options (``--bb-*`` / ``BULKBENCH_*``), scenarios, hard caps, plans
- ``contact_metrics``    the recorder: counts, contacts, HdrHistograms, per-second buckets
- ``hdr_histograms``     HdrHistogram helpers and the interval log writer
- ``per_second_series``  series.json rows and latency.hlog
- ``accepted_contacts``  contacts accepted, read from each provider's answer
- ``rate_limit_verdicts`` the probe's observations → honesty verdicts
- ``sla_thresholds``     SLA files and verdicts
- ``run_summary``        summary.json
- ``run_context``        what the users of one process share
- ``locust_processes``   runs locust (master, workers) as subprocesses

Inside locust only (gevent):

- ``locustfile``         the entry point: ``locust -f loadtests/locustfile.py``
- ``locust_wiring``      the event hooks: options, start, reports to the master, results
- ``scenario_drivers``   what a user does per scenario, closed or open model
- ``arrival_rate``       the open model's schedule
- ``bulk_requests``      one request through locust's client, read back
- ``websocket_progress`` the Datananas progress socket
- ``rate_limit_probe``   the probe's phases

See ``loadtests/README.md``.
"""
