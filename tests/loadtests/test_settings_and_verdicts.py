"""Options, plans against the catalog, SLA verdicts and rate-limit verdicts (pure logic)."""

from __future__ import annotations

from types import SimpleNamespace

import pytest

from bulkbench.core.catalog import default_catalog
from bulkbench.loadtests.load_settings import (
    OPTIONS,
    REMOTE_CAPS,
    LoadError,
    check_host,
    is_loopback,
    locust_args,
    parse_duration,
    resolve_plan,
    settings_from_options,
)
from bulkbench.loadtests.rate_limit_verdicts import Observation, analyse
from bulkbench.loadtests.sla_thresholds import SlaError, evaluate, failed, load_sla, thresholds_for

CATALOG = default_catalog()


def _settings(**values: object):
    return settings_from_options(SimpleNamespace(
        **{spec.dest: values.get(spec.name.replace("-", "_"), spec.default) for spec in OPTIONS}))


def test_durations():
    assert parse_duration("90") == 90
    assert parse_duration("30s") == 30
    assert parse_duration("2m") == 120
    assert parse_duration("1h30m") == 5400
    for bad in ("", "soon", "0s", "-5"):
        with pytest.raises(LoadError):
            parse_duration(bad)


def test_hosts_other_than_loopback_need_to_be_allowed():
    assert is_loopback("http://127.0.0.1:8080/leadlex") and is_loopback("http://[::1]:9/x")
    assert is_loopback("http://localhost:1") and not is_loopback("https://api.sociocs.com")
    check_host("http://127.0.0.2:1/leadlex", [])
    with pytest.raises(LoadError, match=r"--allow-host api\.sociocs\.com"):
        check_host("https://api.sociocs.com", [])
    check_host("https://api.sociocs.com", ["API.sociocs.com"])
    with pytest.raises(LoadError):
        check_host("ftp://127.0.0.1/", [])
    assert REMOTE_CAPS.max_rate < 1000


def test_options_round_trip_through_locust_arguments():
    args = locust_args({"scenario": "sweep", "batch-size": 10, "rate": 2.5, "out": ""})
    assert args == ["--bb-scenario", "sweep", "--bb-batch-size", "10", "--bb-rate", "2.5"]
    with pytest.raises(LoadError):
        locust_args({"nope": 1})
    with pytest.raises(LoadError):
        _settings(scenario="nope")
    with pytest.raises(LoadError):
        _settings(rate=-1)


def test_plans_take_their_limits_from_the_catalog():
    for provider in CATALOG.providers:
        plan = resolve_plan(_settings(provider=provider.name), CATALOG)
        assert plan.batch_size == plan.endpoint.max_batch  # steady default: the maximum
        sweep = resolve_plan(_settings(provider=provider.name, scenario="sweep"), CATALOG)
        assert sweep.sizes[0] == 1 and sweep.sizes[-1] == plan.endpoint.max_batch
        probe = resolve_plan(_settings(provider=provider.name, scenario="rate_limit"), CATALOG)
        assert probe.batch_size == probe.endpoint.min_batch
    imports = resolve_plan(_settings(scenario="import"), CATALOG)
    sync_max = imports.endpoint.sync_max_rows
    assert sync_max and imports.sizes == (sync_max, 2 * sync_max)
    assert imports.job_status_path == CATALOG.endpoint("leadlex.import_job_status").path
    listing = resolve_plan(_settings(scenario="add_to_list", list_id="L"), CATALOG)
    assert listing.batch_size == listing.endpoint.max_batch and listing.helper is not None
    ws = resolve_plan(_settings(provider="datananas", scenario="websocket"), CATALOG)
    assert ws.endpoint.websocket


def test_plans_refuse_what_the_catalog_forbids():
    top = CATALOG.endpoint("leadlex.bulk_create").max_batch
    assert top is not None
    with pytest.raises(LoadError, match="items per request"):
        resolve_plan(_settings(batch_size=top + 1), CATALOG)
    with pytest.raises(LoadError, match="list id"):
        resolve_plan(_settings(scenario="add_to_list"), CATALOG)
    with pytest.raises(LoadError, match="no endpoint for the websocket scenario"):
        resolve_plan(_settings(provider="sociocs", scenario="websocket"), CATALOG)


# --------------------------------------------------------------------------- SLA

SUMMARY = {
    "totals": {"requests": 1000, "ok": 990, "contacts": 99000, "rate_limited": 4, "errors": 6},
    "contacts_per_second": 4950.0,
    "latency": {"http": {"p50_ms": 20.0, "p95_ms": 80.0, "p99_ms": 150.0},
                "import_completed": {"p99_ms": 2000.0}},
    "rate_limit": None,
}


def test_sla_verdicts_and_the_most_specific_value(tmp_path):
    path = tmp_path / "sla.toml"
    path.write_text("[default]\nmax_p99_ms = 100\nmin_contacts_per_second = 1000\n"
                    "max_error_rate = 0.01\nrate_limit_honest = true\n"
                    "[leadlex]\nmax_p99_ms = 200\n"
                    "[leadlex.import]\nmax_import_completed_p99_ms = 1000\n")
    sla = load_sla(path)
    assert thresholds_for(sla, "sociocs", "steady")["max_p99_ms"] == 100
    assert thresholds_for(sla, "leadlex", "steady")["max_p99_ms"] == 200
    verdicts = {v.name: v for v in evaluate(thresholds_for(sla, "leadlex", "import"), SUMMARY)}
    assert verdicts["max_p99_ms"].passed is True
    assert verdicts["min_contacts_per_second"].passed is True
    assert verdicts["max_error_rate"].measured == pytest.approx(0.006)
    assert verdicts["max_import_completed_p99_ms"].passed is False
    assert verdicts["rate_limit_honest"].passed is None  # not measured: does not fail
    assert [v.name for v in failed(list(verdicts.values()))] == ["max_import_completed_p99_ms"]


@pytest.mark.parametrize("text, message", [
    ("[default]\nmax_p98_ms = 1\n", "unknown key"),
    ("[default]\nmax_p99_ms = 'fast'\n", "non-negative number"),
    ("[default]\nrate_limit_honest = 1\n", "true or false"),
    ("not toml [", "not valid TOML"),
    ("default = 3\n", "expected a table"),
])
def test_bad_sla_files_are_one_line_errors(tmp_path, text, message):
    path = tmp_path / "sla.toml"
    path.write_text(text)
    with pytest.raises(SlaError, match=message):
        load_sla(path)


def test_the_shipped_example_sla_is_valid():
    from pathlib import Path

    from bulkbench import loadtests

    sla = load_sla(Path(loadtests.__file__).parent / "sla.example.toml")
    assert thresholds_for(sla, "leadlex", "rate_limit")["rate_limit_honest"] is True


# --------------------------------------------------------------------------- rate limit


def _window(start: float, limit: int, used: int, reset: float, *, stuck: bool = False,
            phase: str = "ramp") -> list[Observation]:
    out = []
    for i in range(used):
        remaining = limit if stuck else limit - i - 1
        out.append(Observation(phase, start + i * 0.01, start + i * 0.01 + 0.005, 200, limit,
                               remaining, reset))
    return out


def test_an_honest_limit():
    obs = _window(100.0, 5, 5, 102.0)
    obs.append(Observation("ramp", 100.06, 100.065, 429, 5, 0, 102.0, 2.0))
    obs += [Observation("recovery", 100.5 + 0.5 * i, 100.51 + 0.5 * i, 429, 5, 0, 102.0, 2.0)
            for i in range(3)]
    obs.append(Observation("recovery", 102.01, 102.02, 200, 5, 4, 104.0))
    obs.append(Observation("honour", 103.0, 103.01, 200, 5, 3, 104.0, after_wait=True))
    verdict = analyse(obs, reset_style="epoch-seconds")
    assert verdict["honest"], verdict["problems"]
    assert verdict["observed_limit"] == 5 and verdict["advertised_limit"] == 5
    assert verdict["remaining_reaches_zero_at_first_429"] is True
    assert verdict["accepted_beyond_limit"] == 0
    assert verdict["recovery"]["seconds"] == pytest.approx(1.95, abs=0.01)
    assert verdict["retry_after"]["honest"] and verdict["reset"]["honest"]


def test_a_stuck_remaining_and_a_lying_retry_after():
    obs = _window(100.0, 5, 5, 102.0, stuck=True)
    obs.append(Observation("ramp", 100.06, 100.065, 429, 5, 5, 102.0, 1.0))
    # Retry-After said 1 s; requests sent 1.5 s later are still refused
    obs += [Observation("recovery", 101.6, 101.61, 429, 5, 5, 102.0, 1.0),
            Observation("recovery", 102.05, 102.06, 200, 5, 5, 104.0)]
    verdict = analyse(obs, reset_style="epoch-seconds")
    assert not verdict["honest"]
    assert verdict["remaining_decrements_by_one"] is False
    assert verdict["remaining_reaches_zero_at_first_429"] is False
    assert verdict["retry_after"]["honest"] is False
    assert verdict["reset"]["honest"] is True


def test_a_limit_that_is_not_enforced():
    obs = _window(100.0, 5, 5, 102.0)
    obs += [Observation("ramp", 100.1 + i * 0.01, 100.105 + i * 0.01, 200, 5, 0, 102.0)
            for i in range(4)]
    verdict = analyse(obs, reset_style="epoch-seconds")
    assert not verdict["honest"] and not verdict["enforced"]
    assert verdict["accepted_beyond_limit"] == 4
    assert verdict["observed_limit"] is None
