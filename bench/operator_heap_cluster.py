#!/usr/bin/env python3
"""Where the operator's memory goes, on the real local cluster: the resources of bench/operator_scale_cluster.py
(N PostgresMigrations at their target in M namespaces, each with a version table of its own), and the operator
run on this machine under heaptrack (Debian's package), with the administrator's kubeconfig, over TLS, until every
resource is Ready and for the idle seconds after, then through --bumps target bumps if asked (their Jobs, Pods and
Events). Prints the process's peak RSS and heaptrack's peak-memory summary (the allocation sites holding the most
at the peak).

Usage: bench/operator_heap_cluster.py --binary build/src/app/pgrevise [--resources N] [--namespaces M]
                                      [--idle-seconds S] [--bumps B [--bump-interval-ms MS]] [--scrapes N]
                                      [--output FOLDER] [--no-heaptrack]
With PGREVISE_CLUSTER_DIR and PGREVISE_CLUSTER_PG set to a running fixture (tests/cluster/fixture up DIR BINARY).
--no-heaptrack runs the operator alone, for its RSS without the profiler's own allocations.
"""

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "cluster"))

import harness  # noqa: E402
import operator_scale_cluster as scale  # noqa: E402


def operator_child(pid):
    """heaptrack starts the program as a child of its shell script; the operator is the process running it."""
    for _ in range(100):
        for candidate in os.listdir("/proc"):
            if not candidate.isdigit():
                continue
            try:
                with open(f"/proc/{candidate}/cmdline", "rb") as f:
                    argv = f.read().split(b"\0")
                with open(f"/proc/{candidate}/status", encoding="utf-8") as f:
                    parent = int(re.search(r"PPid:\s+(\d+)", f.read()).group(1))
            except (OSError, AttributeError):
                continue
            if len(argv) > 1 and argv[0].endswith(b"pgrevise") and argv[1] == b"operator" and (
                    int(candidate) == pid or parent == pid):
                return int(candidate)
        time.sleep(0.1)
    raise AssertionError("the operator process did not start")


def operator_command(binary, metrics_port=0):
    """The operator on this machine, with the fixture's administrator kubeconfig."""
    cluster = os.environ["PGREVISE_CLUSTER_DIR"]
    return [os.path.abspath(binary), "operator", "--kubeconfig", os.path.join(cluster, "admin.kubeconfig"),
            "--metrics-bind-address", f"127.0.0.1:{metrics_port}", "--health-probe-bind-address", "127.0.0.1:0",
            "--log-level", "warn"]


def run_until_idle(command, namespaces, resources, idle_seconds, cwd=None, then=None):
    """Runs the operator until every resource is Ready and idle_seconds more, then `then(pid)` if given, then stops
    it; returns its peak RSS in MB and the seconds until every resource was Ready."""
    started = time.monotonic()
    # A session of its own, so that the stop below reaches the operator under heaptrack's wrapper script too.
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, cwd=cwd, start_new_session=True)
    try:
        pid = operator_child(process.pid)
        harness.wait_for("every resource Ready", lambda: scale.all_ready(namespaces, resources),
                         timeout=1800, interval=5)
        ready = time.monotonic() - started
        time.sleep(idle_seconds)
        if then is not None:
            then(pid)
        return scale.peak_rss_mb(pid), ready
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(timeout=120)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            raise


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def rss_mb(pid):
    with open(f"/proc/{pid}/status", encoding="utf-8") as f:
        return int(re.search(r"VmRSS:\s+(\d+) kB", f.read()).group(1)) / 1024


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--resources", type=int, default=1000)
    parser.add_argument("--namespaces", type=int, default=20)
    parser.add_argument("--idle-seconds", type=int, default=30)
    parser.add_argument("--output", default=tempfile.gettempdir(),
                        help="the folder heaptrack writes its heaptrack.pgrevise.PID file into")
    parser.add_argument("--no-heaptrack", action="store_true")
    parser.add_argument("--bumps", type=int, default=0,
                        help="after the idle seconds, move this many resources to their next revision (a migrate "
                             "Job each, run by the cluster) and wait until they are Ready again")
    parser.add_argument("--bump-interval-ms", type=int, default=200)
    parser.add_argument("--scrapes", type=int, default=0,
                        help="after the idle seconds (and the bumps), read /metrics this many times, as Prometheus "
                             "would, and print the RSS after each")
    args = parser.parse_args()
    api, pg = scale.Api(), harness.Postgres()

    scale.prepare(api, pg, args.namespaces, args.resources)
    metrics_port = free_port()
    command = operator_command(args.binary, metrics_port)
    if not args.no_heaptrack:
        command = ["heaptrack"] + command
    os.makedirs(args.output, exist_ok=True)
    try:
        def bump_and_scrape(pid):
            if args.bumps:
                scale.bump_targets(api, args.namespaces, args.bumps, args.bump_interval_ms)
                harness.wait_for("the bumped resources Ready or failed",
                                 lambda: scale.settled(args.namespaces, args.resources), timeout=1800, interval=5)
            for i in range(args.scrapes):
                print(f"before scrape {i + 1}: peak RSS {scale.peak_rss_mb(pid):.1f} MB, RSS {rss_mb(pid):.1f} MB")
                with urllib.request.urlopen(f"http://127.0.0.1:{metrics_port}/metrics", timeout=30) as response:
                    size = len(response.read())
                print(f"after scrape {i + 1} ({size} bytes): peak RSS {scale.peak_rss_mb(pid):.1f} MB")

        peak, ready = run_until_idle(command, args.namespaces, args.resources, args.idle_seconds, cwd=args.output,
                                     then=bump_and_scrape)
        print(f"{args.resources} resources Ready {ready:.0f} s after the operator started")
        print(f"peak RSS{f' after {args.bumps} bumps' if args.bumps else ''}: {peak:.1f} MB"
              + ("" if args.no_heaptrack else " (under heaptrack)"))
    finally:
        for n in range(args.namespaces):
            harness.delete_namespace(f"scale-{n}")
        pg.psql("DROP DATABASE IF EXISTS scale WITH (FORCE)")
    if not args.no_heaptrack:
        recorded = [os.path.join(args.output, f) for f in os.listdir(args.output) if f.startswith("heaptrack.pgrevise.")]
        path = max(recorded, key=os.path.getmtime)
        summary = subprocess.run(["heaptrack_print", "--print-peaks", "--print-allocators", "0",
                                  "--print-temporary", "0", "--print-leaks", "0", "--peak-limit", "25",
                                  "--sub-peak-limit", "3", path], capture_output=True, text=True, check=True)
        print(summary.stdout)


if __name__ == "__main__":
    main()
