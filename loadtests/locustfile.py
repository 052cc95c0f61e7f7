"""The bulkbench locustfile: ``locust -f loadtests/locustfile.py --host BASE_URL``.

Works as plain locust (web UI, headless, ``--master``/``--worker``, the Kubernetes
operator) and under ``bulkbench load``. The scenario is chosen with ``--bb-*`` options
(or ``BULKBENCH_*`` variables; the web UI shows them); the key comes only from the
environment variable the provider uses (``LEADLEX_API_KEY``, ``DATANANAS_ACCESS_TOKEN``,
``SOCIOCS_API_KEY``, or the one ``--bb-key-env`` names). Examples::

    LEADLEX_API_KEY=wbk_... locust -f loadtests/locustfile.py \\
        --host http://127.0.0.1:8080/leadlex --headless -u 4 -t 30s \\
        --bb-scenario steady --bb-batch-size 100 --bb-out runs/steady

    # open model: 50 requests/s per user, latency from the intended send time
    ... --bb-rate 50 -u 2

Scenarios: steady, sweep, import, websocket, add_to_list, rate_limit (see
``loadtests/README.md``).
"""

from __future__ import annotations

from typing import Any

from locust import FastHttpUser, constant, events, task
from locust.exception import StopUser

from bulkbench.loadtests.locust_wiring import current, install
from bulkbench.loadtests.rate_limit_probe import RateLimitProbe
from bulkbench.loadtests.scenario_drivers import DRIVERS, Driver

__all__ = ["BulkbenchUser"]

install(events)


class BulkbenchUser(FastHttpUser):
    """One user of the chosen scenario; its driver decides what one step is."""

    wait_time = constant(0)
    #: never follow a redirect: it could lead the load to a host nobody allowed (a 3xx is
    #: counted as an error, its Location in the failure message; bulk_requests.py).
    max_redirects = 0

    def __init__(self, environment: Any) -> None:
        runtime = current()
        ctx = runtime.ctx
        if ctx is not None:
            # the open model shares this user's connection pool between its requests in flight
            self.concurrency = max(10, ctx.settings.bb_max_in_flight if
                                   ctx.settings.open_model else 1)
            self.network_timeout = ctx.settings.bb_timeout
            self.connection_timeout = ctx.settings.bb_timeout
        super().__init__(environment)
        self.driver: Driver | None = None
        if ctx is not None:
            driver = RateLimitProbe if ctx.plan.scenario == "rate_limit" else DRIVERS[
                ctx.plan.scenario]
            self.driver = driver(self, ctx)

    @task
    def step(self) -> None:
        if self.driver is None:  # the options were refused at test start (already logged)
            raise StopUser()  # (raised from a task, locust stops the user without a traceback)
        self.driver.step()

    def on_stop(self) -> None:
        if self.driver is not None:
            self.driver.stop()
