"""How much a run does: ``quick`` (the README's ``make demo``, about 2-3 minutes against
the sandbox on two cores) and ``full`` (a longer look, with the spec's own rate limit).

Per provider a run has a throughput sweep (batch sizes 1, 10, 100 and the catalog's
maximum), an import run where the provider has a synchronous/queued import, and the
rate-limit probe. Against the sandbox the quick probe runs on a sandbox limited to 20
requests per 2 s, so that it sees several windows in seconds; the full profile keeps the
spec's limit (120 per 60 s: a probe of two to three minutes per provider).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["PROFILES", "Profile", "ScenarioRun"]


@dataclass(frozen=True)
class ScenarioRun:
    """One load scenario as a step runs it."""

    scenario: str
    duration: str
    users: int | None = None
    options: tuple[str, ...] = ()


@dataclass(frozen=True)
class Profile:
    name: str
    contract_max_examples: int
    throughput: tuple[ScenarioRun, ...]
    probe: ScenarioRun
    probe_remote: ScenarioRun
    #: the probe sandbox's limit; None: the spec's own limit.
    probe_sandbox_rate_limit: str | None
    probe_sandbox_options: tuple[str, ...] = ()

    def probe_for(self, sandbox: bool) -> ScenarioRun:
        if not sandbox:
            return self.probe_remote
        return ScenarioRun(self.probe.scenario, self.probe.duration, None,
                           (*self.probe.options, *self.probe_sandbox_options))


_FAST_PROBE = ("probe-start-rate=10", "probe-step-seconds=0.5", "probe-max-rate=200",
               "probe-compare-seconds=2", "probe-poll-seconds=0.05")

PROFILES: dict[str, Profile] = {
    "quick": Profile(
        name="quick",
        contract_max_examples=20,
        throughput=(ScenarioRun("sweep", "8s", 2), ScenarioRun("import", "8s", 2)),
        probe=ScenarioRun("rate_limit", "30s"),
        probe_remote=ScenarioRun("rate_limit", "150s"),
        probe_sandbox_rate_limit="20/2",
        probe_sandbox_options=_FAST_PROBE,
    ),
    "full": Profile(
        name="full",
        contract_max_examples=100,
        throughput=(ScenarioRun("sweep", "60s", 4), ScenarioRun("import", "60s", 4)),
        probe=ScenarioRun("rate_limit", "300s"),
        probe_remote=ScenarioRun("rate_limit", "300s"),
        probe_sandbox_rate_limit=None,
    ),
}
