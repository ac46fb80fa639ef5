#!/usr/bin/env python3
"""The operator's memory beside many ConfigMaps it does not use, on the real local cluster: R PostgresMigrations
at their target (as bench/operator_scale_cluster.py prepares them), then N unrelated ConfigMaps of K KiB each (Helm
release data, dashboards) in a namespace of their own. The operator runs on this machine with the administrator's
kubeconfig, once before the ConfigMaps exist and once after; each run lasts until every resource is Ready and for
the idle seconds after, and prints the process's peak RSS. The operator watches ConfigMaps by metadata only, so the
two figures should differ by a few hundred bytes per ConfigMap, not by their content.

Usage: bench/operator_configmaps_cluster.py --binary build/src/app/pgrevise [--configmaps N] [--kib K]
                                            [--resources R] [--idle-seconds S] [--keep-configmaps]
With PGREVISE_CLUSTER_DIR and PGREVISE_CLUSTER_PG set to a running fixture (tests/cluster/fixture up DIR BINARY).
20,000 ConfigMaps of 100 KiB are 2 GB in etcd: the fixture's etcd allows 8 GiB.
"""

import argparse
import concurrent.futures
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "cluster"))

import harness  # noqa: E402
import operator_heap_cluster as heap  # noqa: E402
import operator_scale_cluster as scale  # noqa: E402

NOISE_NAMESPACE = "configmap-noise"


def create_noise(api, count, kib):
    harness.restricted_namespace(NOISE_NAMESPACE)
    value = "x" * (kib * 1024 - 64)

    def create(i):
        body = {"apiVersion": "v1", "kind": "ConfigMap", "metadata": {"name": f"noise-{i}"},
                "data": {"release": value}}
        api.request("POST", f"/api/v1/namespaces/{NOISE_NAMESPACE}/configmaps", body, timeout=120).close()

    started = time.monotonic()
    with concurrent.futures.ThreadPoolExecutor(max_workers=8) as pool:
        list(pool.map(create, range(count)))
    print(f"{count} ConfigMaps of {kib} KiB created in {time.monotonic() - started:.0f} s")


def operator_run(binary, resources, idle_seconds):
    """Runs the operator until every resource is Ready and the idle time has passed; its peak RSS."""
    return heap.run_until_idle(heap.operator_command(binary), 1, resources, idle_seconds)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--binary", required=True)
    parser.add_argument("--configmaps", type=int, default=20000)
    parser.add_argument("--kib", type=int, default=100)
    parser.add_argument("--resources", type=int, default=20)
    parser.add_argument("--idle-seconds", type=int, default=30)
    parser.add_argument("--keep-configmaps", action="store_true", help="leave the unrelated ConfigMaps in place")
    args = parser.parse_args()
    api, pg = scale.Api(), harness.Postgres()
    scale.prepare(api, pg, 1, args.resources)
    try:
        before, ready_before = operator_run(args.binary, args.resources, args.idle_seconds)
        print(f"without them: peak RSS {before:.1f} MB ({args.resources} resources Ready after {ready_before:.0f} s)")
        create_noise(api, args.configmaps, args.kib)
        after, ready_after = operator_run(args.binary, args.resources, args.idle_seconds)
        print(f"with {args.configmaps} ConfigMaps of {args.kib} KiB: peak RSS {after:.1f} MB "
              f"({args.resources} resources Ready after {ready_after:.0f} s)")
        print(f"difference: {after - before:+.1f} MB, {(after - before) * 1024 * 1024 / args.configmaps:.0f} "
              f"bytes per ConfigMap")
    finally:
        if not args.keep_configmaps:
            harness.delete_namespace(NOISE_NAMESPACE)
        harness.delete_namespace("scale-0")
        pg.psql("DROP DATABASE IF EXISTS scale WITH (FORCE)")


if __name__ == "__main__":
    main()
