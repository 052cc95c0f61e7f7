"""Latency accuracy: the open-model harness against a server whose latency is known.

A loopback HTTP server (raw asyncio, started by this script as its own process) answers
every request in 20 ms, except that it stalls for 1 s every 10 s of wall-clock time: a
request that arrives during a stall is answered when the stall ends, plus 20 ms. The
ground truth follows from the schedule alone: the harness's intended send times are
``t0 + k / rate`` (``t0`` and the count come from its summary.json), so each request's
true latency is known without measuring anything.

Printed, from one run of each:
- the ground truth p99 / p99.9;
- bulkbench's open model (arrival rate, latency from the intended send time, HDR);
- locust's own figures inside that same run (from the actual send; bucketed);
- plain closed-model locust (FastHttpUser, users sending back to back), which
  coordinated omission makes look fast: during a stall each user waits with one request.
Target: the open model within 5% of the ground truth.

    .venv/bin/python bench/load_accuracy.py [--seconds 30] [--rate 100]

Loopback only; bounded (each run lasts --seconds).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson

from bulkbench.loadtests.locust_processes import LOCUSTFILE

BASE_MS = 20.0
PERIOD_S = 10.0
STALL_S = 1.0
BODY = b'{"data":{"created":1,"contacts":[]}}'

PLAIN_LOCUSTFILE = '''
from locust import FastHttpUser, constant, task

class Plain(FastHttpUser):
    wait_time = constant(0)

    @task
    def post(self):
        self.client.post("/v1/contacts/bulk", data=b'{"contacts":[{"full_name":"A B"}]}',
                         headers={"Content-Type": "application/json"})
'''


# --------------------------------------------------------------------------- the server


def stall_end(t: float) -> float | None:
    """The end of the stall ``t`` falls in (wall clock), or None outside stalls."""
    phase = t % PERIOD_S
    if phase >= PERIOD_S - STALL_S:
        return t - phase + PERIOD_S
    return None


def true_latency(arrival: float) -> float:
    end = stall_end(arrival)
    return (end - arrival if end is not None else 0.0) + BASE_MS / 1000


async def _serve(port_file: Path) -> None:
    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            while True:
                head = await reader.readuntil(b"\r\n\r\n")
                arrival = time.time()
                length = 0
                for line in head.split(b"\r\n"):
                    name, _, value = line.partition(b":")
                    if name.strip().lower() == b"content-length":
                        length = int(value)
                if length:
                    await reader.readexactly(length)
                await asyncio.sleep(max(0.0, arrival + true_latency(arrival) - time.time()))
                writer.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: %d\r\n\r\n%s" % (len(BODY), BODY))
                await writer.drain()
        except (asyncio.IncompleteReadError, ConnectionError):
            pass
        finally:
            writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0, backlog=1024)
    port = server.sockets[0].getsockname()[1]
    port_file.write_text(str(port))
    async with server:
        await server.serve_forever()


# --------------------------------------------------------------------------- runs


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    rank = max(1, math.ceil(p / 100 * len(ordered)))
    return ordered[rank - 1]


def run_locust(args: list[str], env: dict[str, str], seconds: float) -> None:
    subprocess.run([sys.executable, "-m", "locust", *args, "--headless", "-t", f"{seconds:g}s",
                    "--stop-timeout", "5", "--only-summary", "--loglevel", "WARNING"],
                   env=env, check=False, timeout=seconds + 120,
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--rate", type=float, default=100.0, help="requests/s (open model)")
    parser.add_argument("--users", type=int, default=2, help="closed-model locust users")
    args = parser.parse_args()
    if args.seconds > 300 or args.rate > 2000:
        parser.error("bounded: --seconds <= 300 and --rate <= 2000")

    work = Path(tempfile.mkdtemp(prefix="bulkbench-accuracy-"))
    port_file = work / "port"
    server = subprocess.Popen([sys.executable, __file__, "--serve", str(port_file)])
    try:
        while not port_file.exists():
            time.sleep(0.05)
        port = int(port_file.read_text())
        host = f"http://127.0.0.1:{port}/leadlex"
        env = {**os.environ, "LEADLEX_API_KEY": "wbk_bench_key_0000"}

        out = work / "ours"
        run_locust(["-f", str(LOCUSTFILE), "--host", host, "-u", "1", "-r", "1",
                    "--bb-rate", f"{args.rate:g}", "--bb-batch-size", "1",
                    "--bb-max-in-flight", str(int(args.rate * (STALL_S + 1)) + 50),
                    "--bb-out", str(out)], env, args.seconds)
        summary = orjson.loads((out / "summary.json").read_bytes())
        harness = summary["harness"]
        t0, sent, rate = (harness["first_intended_wall"], int(harness["scheduled_sends"]),
                          harness["rate_per_user"])
        truth = [true_latency(t0 + k / rate) * 1000 for k in range(sent)]

        plain_file = work / "plain_locustfile.py"
        plain_file.write_text(PLAIN_LOCUSTFILE)
        plain_json = work / "plain"
        run_locust(["-f", str(plain_file), "--host", host, "-u", str(args.users),
                    "-r", str(args.users), "--json-file", str(plain_json)], env, args.seconds)
        plain = orjson.loads(Path(f"{plain_json}.json").read_bytes())
    finally:
        server.terminate()
        server.wait()

    plain_total = plain[0] if isinstance(plain, list) else plain
    plain_p = _locust_percentiles(plain_total)
    ours = summary["latency"]["http"]
    in_run = summary["locust"]["total"]
    rows = [
        ("ground truth (from the schedule)", percentile(truth, 99), percentile(truth, 99.9),
         len(truth)),
        ("bulkbench open model (HDR, intended time)", ours["p99_ms"], ours["p99_9_ms"],
         ours["count"]),
        ("locust stats of that same run (actual send)", in_run["p99_ms"], in_run["p99_9_ms"],
         in_run["requests"]),
        (f"plain locust, closed model, {args.users} users", plain_p[0.99], plain_p[0.999],
         plain_total["num_requests"]),
    ]
    t99, t999 = rows[0][1], rows[0][2]
    print(f"server: {BASE_MS:g} ms, {STALL_S:g} s stall every {PERIOD_S:g} s; "
          f"{args.seconds:g} s per run, open model at {args.rate:g} req/s "
          f"(max send lag {harness.get('max_send_lag_ms', 0):.1f} ms, "
          f"late sends {int(harness.get('late_sends', 0))})")
    print(f"{'':48} {'p99 ms':>9} {'÷truth':>7} {'p99.9 ms':>9} {'÷truth':>7} {'requests':>9}")
    for name, p99, p999, count in rows:
        print(f"{name:48} {p99:9.1f} {p99 / t99:7.3f} {p999:9.1f} {p999 / t999:7.3f} "
              f"{count:9,}")
    ok = abs(ours["p99_ms"] / t99 - 1) <= 0.05 and abs(ours["p99_9_ms"] / t999 - 1) <= 0.05
    print(f"target (open model within 5% of the truth at p99 and p99.9): "
          f"{'met' if ok else 'NOT met'}")
    return 0 if ok else 1


def _locust_percentiles(stats: dict) -> dict[float, float]:
    """p99 and p99.9 from locust's own bucketed counts (its JSON's response_times)."""
    counts = {float(k): int(v) for k, v in stats["response_times"].items()}
    total = sum(counts.values())
    out: dict[float, float] = {}
    for p in (0.99, 0.999):
        need = total - int(total * p)
        seen = 0
        for value in sorted(counts, reverse=True):
            seen += counts[value]
            if seen >= need:
                out[p] = value
                break
    return out


if __name__ == "__main__":
    if len(sys.argv) == 3 and sys.argv[1] == "--serve":
        asyncio.run(_serve(Path(sys.argv[2])))
        sys.exit(0)
    sys.exit(main())
