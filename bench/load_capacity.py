"""Capacity: requests/s one harness process drives, beside plain locust and wrk.

Against the sandbox's cheapest request — LeadLex bulk create with the smallest batch the
catalog allows — in the same run, with the same connections and duration:

1. bulkbench's locustfile, one process, closed model (every figure of the harness on:
   generated unique contacts, HdrHistograms, per-second series, contacts/s);
2. plain locust ``FastHttpUser`` posting one fixed body (no harness at all);
3. ``wrk`` with a Lua script posting that body (skipped, with a message, if ``wrk`` is not
   installed and ``apt-get install wrk`` cannot install it).

The sandbox is on the same machine, so all three may hit the server's ceiling; the CPU
time each locust process spent per request during the run (``process_time`` from test
start to test stop, measured the same way in both locustfiles) is printed as well: it is
the harness's cost independent of the server. Target: bulkbench
keeps >= 80% of plain FastHttpUser's requests/s.

Then the generator's share of the harness's CPU time at the largest LeadLex batch (the
catalog's maximum, 500 contacts): it must never be the bottleneck.

    .venv/bin/python bench/load_capacity.py [--seconds 10] [--users 16]

Loopback only; bounded (each run lasts --seconds).
"""

from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import orjson

from bulkbench.core.catalog import default_catalog
from bulkbench.generators.contact_batches import valid_body_bytes
from bulkbench.loadtests.locust_processes import LOCUSTFILE
from bulkbench.sandbox.process import SandboxProcess, start_sandbox

ENDPOINT = "leadlex.bulk_create"

PLAIN_LOCUSTFILE = '''
import os
import time
from locust import FastHttpUser, constant, events, task

_CPU = {}


@events.test_start.add_listener
def _start(**kwargs):
    _CPU["start"] = time.process_time()


@events.test_stop.add_listener
def _stop(**kwargs):  # the bench's own measurement, the same one the harness makes
    with open(os.environ["BENCH_CPU_FILE"], "w") as fh:
        fh.write(str(time.process_time() - _CPU["start"]))

BODY = open(os.environ["BENCH_BODY"], "rb").read()
HEADERS = {"Content-Type": "application/json",
           "Authorization": "Bearer " + os.environ["LEADLEX_API_KEY"]}

class Plain(FastHttpUser):
    wait_time = constant(0)

    @task
    def post(self):
        self.client.post(os.environ["BENCH_PATH"], data=BODY, headers=HEADERS)
'''

WRK_SCRIPT = '''
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Authorization"] = "Bearer " .. os.getenv("LEADLEX_API_KEY")
local f = io.open(os.getenv("BENCH_BODY"), "rb")
wrk.body = f:read("*a")
f:close()
'''


def run_locust(args: list[str], env: dict[str, str], seconds: float) -> None:
    subprocess.run([sys.executable, "-m", "locust", *args, "--headless", "-t", f"{seconds:g}s",
                    "--stop-timeout", "5", "--only-summary", "--loglevel", "WARNING"],
                   env=env, check=False, timeout=seconds + 120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def ensure_wrk() -> str | None:
    found = shutil.which("wrk")
    if found:
        return found
    try:
        subprocess.run(["apt-get", "install", "-y", "wrk"], check=True, timeout=300,
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    except (OSError, subprocess.SubprocessError):
        return None
    return shutil.which("wrk")


def reset(sandbox: SandboxProcess) -> None:
    import httpx

    httpx.post(f"{sandbox.admin_url}/reset", headers=sandbox.admin_headers, timeout=60)


def ours(host: str, env: dict[str, str], out: Path, users: int, seconds: float,
         batch: int) -> dict[str, Any]:
    run_locust(["-f", str(LOCUSTFILE), "--host", host, "-u", str(users),
                "-r", str(users), "--bb-batch-size", str(batch), "--bb-out", str(out)],
               env, seconds)
    summary: dict[str, Any] = orjson.loads((out / "summary.json").read_bytes())
    return summary


def _add(results: dict[str, list[tuple[float, float | None, int]]], name: str, rps: float,
         cpu: float | None, count: int) -> None:
    results.setdefault(name, []).append((rps, cpu, count))


def _mean(rows: list[tuple[float, float | None, int]]) -> tuple[float, float | None, int]:
    """Mean requests/s; CPU per request over all rounds (as seconds for all requests)."""
    count = sum(r[2] for r in rows)
    cpus = [r[1] for r in rows]
    cpu = None if any(c is None for c in cpus) else sum(c for c in cpus if c is not None)
    return sum(r[0] for r in rows) / len(rows), cpu, count


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--users", type=int, default=16)
    parser.add_argument("--rounds", type=int, default=3, help="alternating runs of each locust")
    args = parser.parse_args()
    if args.seconds > 120 or args.users > 256 or not 1 <= args.rounds <= 5:
        parser.error("bounded: --seconds <= 120, --users <= 256, --rounds 1..5")

    endpoint = default_catalog().endpoint(ENDPOINT)
    small, large = endpoint.min_batch or 1, endpoint.max_batch or 1
    work = Path(tempfile.mkdtemp(prefix="bulkbench-capacity-"))
    body_file = work / "body.json"
    body_file.write_bytes(valid_body_bytes(endpoint, small, seed=7))
    (work / "plain_locustfile.py").write_text(PLAIN_LOCUSTFILE)
    (work / "post.lua").write_text(WRK_SCRIPT)
    results: dict[str, list[tuple[float, float | None, int]]] = {}

    with start_sandbox(work / "sandbox") as sandbox:
        host = sandbox.base_url("leadlex")
        env = {**os.environ, "LEADLEX_API_KEY": sandbox.key("leadlex"),
               "BENCH_BODY": str(body_file), "BENCH_PATH": endpoint.path,
               "BENCH_CPU_FILE": str(work / "plain_cpu")}
        # alternate the two locust runs so that drift of the shared machine hits both alike
        for round_ in range(args.rounds):
            summary = ours(host, env, work / f"ours-{round_}", args.users, args.seconds, small)
            requests = summary["totals"]["requests"]
            _add(results, "bulkbench locustfile (1 process)",
                 requests / summary["window"]["seconds"], summary["harness"]["cpu_seconds"],
                 requests)
            reset(sandbox)
            plain_json = work / f"plain-{round_}"
            run_locust(["-f", str(work / "plain_locustfile.py"), "--host", host,
                        "-u", str(args.users), "-r", str(args.users),
                        "--json-file", str(plain_json)], env, args.seconds)
            plain = orjson.loads(Path(f"{plain_json}.json").read_bytes())[0]
            span = max(plain["last_request_timestamp"] - plain["start_time"], 1e-9)
            _add(results, "plain locust FastHttpUser (1 process)", plain["num_requests"] / span,
                 float((work / "plain_cpu").read_text()), plain["num_requests"])
            reset(sandbox)

        wrk = ensure_wrk()
        if wrk is None:
            print("wrk: not installed and `apt-get install wrk` failed; skipped")
        else:
            proc = subprocess.run(
                [wrk, "-t", "1", "-c", str(args.users), "-d", f"{int(args.seconds)}s",
                 "-s", str(work / "post.lua"), f"{host}{endpoint.path}"],
                env=env, capture_output=True, text=True, timeout=args.seconds + 60)
            match = re.search(r"Requests/sec:\s+([\d.]+)", proc.stdout)
            total = re.search(r"(\d+) requests in", proc.stdout)
            if match and total:
                _add(results, "wrk (1 thread)", float(match.group(1)), None,
                     int(total.group(1)))
            else:
                print(f"wrk: no result ({proc.stdout.strip()[-200:]})")
        reset(sandbox)

        big = ours(host, env, work / "ours-large", max(1, args.users // 4), args.seconds,
                   large)

    print(f"{ENDPOINT} with {small} contact(s) per request, {args.users} connections, "
          f"{args.seconds:g} s each, {args.rounds} round(s), sandbox on the same machine "
          f"({os.cpu_count()} CPUs)")
    print(f"{'':40} {'req/s':>9} {'CPU µs/req':>11} {'requests':>9}   req/s per round")
    means = {name: _mean(rows) for name, rows in results.items()}
    for name, (rps, cpu_s, count) in means.items():
        per = f"{cpu_s / count * 1e6:11.0f}" if cpu_s is not None and count else f"{'—':>11}"
        rounds = ", ".join(f"{r[0]:,.0f}" for r in results[name])
        print(f"{name:40} {rps:9,.0f} {per} {count:9,}   {rounds}")
    ours_rps, ours_cpu, ours_n = means["bulkbench locustfile (1 process)"]
    plain_rps, plain_cpu, plain_n = means["plain locust FastHttpUser (1 process)"]
    ratio = ours_rps / plain_rps
    cpu_ratio = (ours_cpu or 0) / max(ours_n, 1) / max((plain_cpu or 0) / max(plain_n, 1), 1e-9)
    print(f"bulkbench / plain FastHttpUser: {ratio:.3f} of the requests/s "
          f"(target >= 0.80: {'met' if ratio >= 0.8 else 'NOT met'}); "
          f"CPU per request {cpu_ratio:.2f}x plain's")
    if "wrk (1 thread)" in means:
        wrk_rps = means["wrk (1 thread)"][0]
        print(f"plain FastHttpUser / wrk: {plain_rps / wrk_rps:.3f}; "
              f"bulkbench / wrk: {ours_rps / wrk_rps:.3f}")
    harness = big["harness"]
    share = harness.get("generator_cpu_share")
    batches = big["totals"]["requests"]
    print(f"generator at {large} contacts per request: {harness.get('generator_seconds', 0):.2f}"
          f" s of {harness.get('cpu_seconds', 0):.2f} s harness CPU over {batches:,} batches "
          f"({big['contacts_per_second'] or 0:,.0f} contacts/s) = "
          f"{(share or 0) * 100:.1f}% of the harness's CPU"
          f" ({harness.get('generator_seconds', 0) / max(batches, 1) * 1e3:.2f} ms per batch)")
    return 0 if ratio >= 0.8 else 1


if __name__ == "__main__":
    sys.exit(main())
