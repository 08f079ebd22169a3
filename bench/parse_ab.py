#!/usr/bin/env python3
"""Alternates several fblctl binaries over the same command, N rounds, and prints for each the
minimum and median wall time (spawn to exit, as sisimai_bench.sh measures it) and CPU time
(user+sys of that child alone). Alternating in the same minutes is the only fair comparison on
the shared VM, whose speed moves during the day (BENCHMARKS.md ## Parsing).

    bench/parse_ab.py N BIN... [-- ARGS...]     default ARGS: parse ../shared/corpus/set-of-emails/maildir
"""
import os
import statistics
import subprocess
import sys
import time


def main():
    argv = sys.argv[1:]
    args = ["parse", "../shared/corpus/set-of-emails/maildir"]
    if "--" in argv:
        args = argv[argv.index("--") + 1:]
        argv = argv[:argv.index("--")]
    rounds, binaries = int(argv[0]), argv[1:]
    runs = {b: [] for b in binaries}
    for _ in range(rounds):
        for b in binaries:
            with open(os.devnull, "wb") as out:
                t0 = time.perf_counter()
                child = subprocess.Popen([b] + args, stdout=out)
                _, status, ru = os.wait4(child.pid, 0)
                wall = time.perf_counter() - t0
            if status != 0:
                sys.exit("%s failed" % b)
            runs[b].append((wall * 1000, (ru.ru_utime + ru.ru_stime) * 1000))
    print("load %s, %d rounds of: %s" % (open("/proc/loadavg").read().split()[0], rounds, " ".join(args)))
    for b in binaries:
        wall = [w for w, _ in runs[b]]
        cpu = [c for _, c in runs[b]]
        print("%-40s wall min %6.2f med %6.2f ms | cpu min %6.2f med %6.2f ms"
              % (b, min(wall), statistics.median(wall), min(cpu), statistics.median(cpu)))


if __name__ == "__main__":
    main()
