#!/usr/bin/env python3
"""Two nodes on one PostgreSQL against one SQLite node, in the same run (issue 14).

  sudo bench/nodes_bench.py [--devices 10000] [--revokes 200] [--adds 200] [--seconds 5]
  (after a build: cmake --build --preset default; root: PostgreSQL runs as user postgres)

Starts a throwaway PostgreSQL 15 (test/support/pg_cluster.sh), seeds DEVICES devices
(bench/seed_devices) into a `wardend init` state, copies it (the SQLite baseline) and
migrates it to PostgreSQL, then starts node a and node b on PostgreSQL (firewall off,
no OpenVPN) and prints:
  - revocation propagation: REVOKES `cert revoke` on node a, each timed from the command's
    start until node b logs "changes from other nodes applied" (its index, sessions and
    CRL are in step then): p50, p99, max;
  - auth decisions/s (bench/auth_load, 4 connections, window 64) on node a, and on the
    SQLite node after the PostgreSQL nodes stopped;
  - device adds/s: ADDS sequential `wardenctl device add` on node a, then on SQLite.
"""
import argparse
import os
import queue
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
BUILD = os.environ.get("BUILD_DIR", os.path.join(REPO, "build/default"))
WARDEND = os.path.join(BUILD, "daemon/app/wardend")
WARDENCTL = os.path.join(BUILD, "cli/wardenctl")
SEED = os.path.join(BUILD, "bench/seed_devices")
AUTH_LOAD = os.path.join(BUILD, "bench/auth_load")
PG_CLUSTER = os.path.join(REPO, "test/support/pg_cluster.sh")
APPLIED = re.compile(r"changes from other nodes applied .*last=(\d+)")


class Node:
    """A wardend whose stderr lines arrive, timestamped, in a queue."""

    def __init__(self, name, state):
        self.name, self.state = name, state
        self.lines = queue.Queue()
        self.proc = subprocess.Popen(
            [WARDEND, "--config", f"{state}/wardend.conf"],
            stderr=subprocess.PIPE, text=True, bufsize=1)
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + 60
        while not os.path.exists(f"{state}/run/plugin.sock"):
            if time.monotonic() > deadline or self.proc.poll() is not None:
                time.sleep(0.2)
                lines = []
                while not self.lines.empty():
                    lines.append(self.lines.get()[1])
                sys.exit(f"node {name} did not start: {''.join(lines[-5:])}")
            time.sleep(0.01)

    def _read(self):
        for line in self.proc.stderr:
            self.lines.put((time.monotonic(), line))

    def ctl(self, *args):
        env = dict(os.environ, WARDEN_SOCKET=f"{self.state}/run/admin.sock")
        return subprocess.run([WARDENCTL, *args], env=env, capture_output=True, text=True,
                              check=True).stdout

    def wait_for(self, pattern, bound=10.0):
        deadline = time.monotonic() + bound
        while True:
            try:
                at, line = self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
            except queue.Empty:
                sys.exit(f"node {self.name}: no line matching {pattern.pattern} within {bound} s")
            if pattern.search(line):
                return at

    def stop(self):
        self.proc.terminate()
        self.proc.wait(timeout=30)


def edit(path, old, new):
    with open(path) as f:
        text = f.read()
    if old not in text:
        sys.exit(f"{path}: no {old!r}")
    with open(path, "w") as f:
        f.write(text.replace(old, new))


def copy_state(src, dst, replace):
    shutil.copytree(src, dst, symlinks=True)
    for f in ("wardend.conf", "server.conf"):
        path = os.path.join(dst, f)
        text = open(path).read().replace(src, dst)
        for a, b in replace:
            text = text.replace(a, b)
        open(path, "w").write(text)
    for sock in ("plugin.sock", "admin.sock"):
        if os.path.exists(f"{dst}/run/{sock}"):
            os.unlink(f"{dst}/run/{sock}")


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, int(p * len(values)))]


def auth_rate(node, serials, seconds):
    out = subprocess.run([AUTH_LOAD, f"{node.state}/run/plugin.sock", serials, "--connections",
                          "4", "--seconds", str(seconds), "--rate", "0", "--window", "64"],
                         capture_output=True, text=True, check=True).stdout
    return float(re.search(r"rate=([\d.]+)/s", out).group(1)), out.strip()


def adds_rate(node, prefix, n):
    start = time.monotonic()
    for i in range(n):
        node.ctl("device", "add", f"{prefix}-{i}", "--type", "pc")
    return n / (time.monotonic() - start)


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--devices", type=int, default=10000)
    ap.add_argument("--revokes", type=int, default=200)
    ap.add_argument("--adds", type=int, default=200)
    ap.add_argument("--seconds", type=int, default=5)
    args = ap.parse_args()
    work = tempfile.mkdtemp(prefix="warden-nodes-bench-")
    pg_dir = f"/tmp/warden-bench-pg-{os.getpid()}"
    os.chmod(work, 0o755)
    nodes = []
    try:
        subprocess.run([PG_CLUSTER, "start", pg_dir], check=True, stdout=subprocess.DEVNULL)
        conninfo = open(f"{pg_dir}/conninfo").read().strip()
        a_state = f"{work}/a"
        subprocess.run([WARDEND, "init", "--dir", a_state, "--remote", "127.0.0.1", "--pool",
                        "10.64.0.0/12"], check=True, stdout=subprocess.DEVNULL)
        conf = f"{a_state}/wardend.conf"
        edit(conf, "enabled = true", "enabled = false")
        serials = f"{work}/serials"
        subprocess.run([SEED, f"{a_state}/warden.db", str(args.devices), serials, "10.64.0.0/12"],
                       check=True, stdout=subprocess.DEVNULL)
        copy_state(a_state, f"{work}/sqlite", [])
        migrated = subprocess.run([WARDEND, "migrate-store", "--config", conf, "--to", conninfo],
                                  capture_output=True, text=True)
        if migrated.returncode != 0:
            sys.exit(f"migrate-store failed: {migrated.stdout}{migrated.stderr[-2000:]}")
        pg = f"backend = \"postgresql\"\nurl = \"{conninfo}\"\n"
        edit(conf, "backend = 'sqlite'\n", pg + 'node = "a"\n')
        # One host: node b's confirmation page needs a port of its own.
        copy_state(a_state, f"{work}/b", [('node = "a"', 'node = "b"'),
                                          ("listen = '127.0.0.1:8088'", "listen = 'off'")])

        a = Node("a", a_state)
        nodes.append(a)
        b = Node("b", f"{work}/b")
        nodes.append(b)
        names = [line.strip() for line in open(serials)][: args.revokes]
        latencies = []
        for i, serial in enumerate(names):
            start = time.monotonic()
            a.ctl("cert", "revoke", f"bench-{i}", serial)
            latencies.append((b.wait_for(APPLIED) - start) * 1000)
        print(f"propagation revokes={len(latencies)} devices={args.devices} "
              f"p50={pct(latencies, 0.5):.1f}ms p99={pct(latencies, 0.99):.1f}ms "
              f"max={max(latencies):.1f}ms mean={statistics.mean(latencies):.1f}ms")
        # Verdicts for the certificates left valid (auth_load fails on a refusal).
        valid = f"{work}/valid-serials"
        with open(valid, "w") as out:
            out.writelines(line for i, line in enumerate(open(serials)) if i >= args.revokes)
        pg_auth, pg_line = auth_rate(a, valid, args.seconds)
        pg_adds = adds_rate(a, "pg-add", args.adds)
        for n in nodes:
            n.stop()
        nodes.clear()
        s = Node("sqlite", f"{work}/sqlite")
        nodes.append(s)
        lite_auth, lite_line = auth_rate(s, valid, args.seconds)
        lite_adds = adds_rate(s, "lite-add", args.adds)
        print(f"auth postgresql: {pg_line}")
        print(f"auth sqlite:     {lite_line}")
        print(f"auth decisions/s postgresql={pg_auth:.0f} sqlite={lite_auth:.0f} "
              f"ratio={pg_auth / lite_auth:.2f}")
        print(f"device adds/s postgresql={pg_adds:.1f} sqlite={lite_adds:.1f} "
              f"ratio={pg_adds / lite_adds:.2f} (n={args.adds}, one wardenctl each)")
    finally:
        for n in nodes:
            n.stop()
        subprocess.run([PG_CLUSTER, "stop", pg_dir], stdout=subprocess.DEVNULL,
                       stderr=subprocess.DEVNULL)
        shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
