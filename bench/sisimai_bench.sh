#!/bin/sh
# fblctl parse vs Sisimai over the same files, in one run: messages/s (wall and CPU time),
# ratio, peak RSS, and the recipient / hard-soft agreement. Use a Release build:
#   cmake -S . -B build/parsers-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build/parsers-rel --target fblctl
#   bench/sisimai_bench.sh [FBLCTL] [MAILDIR]
# fblctl is run 10 times (best wall and best CPU kept), Sisimai once (~1 s per run).
set -eu
cd "$(dirname "$0")/.."
fblctl=${1:-build/parsers-rel/fbl/fblctl}
maildir=${2:-../shared/corpus/set-of-emails/maildir}
out=${TMPDIR:-/tmp}/fbl-sisimai-bench.$$
mkdir -p "$out"
files=$(find "$maildir" -type f | wc -l)
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1), load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "files: $files under $maildir"

# Prints "wall cpu rss_kib" for one run of the command, wall and CPU (user+sys) to the
# microsecond (GNU time's 10 ms steps were a quarter of an fblctl run).
measure() {
  python3 - "$out/last.jsonl" "$@" <<'PY'
import os, subprocess, sys, time
with open(sys.argv[1], "wb") as out:
    t0 = time.perf_counter()
    child = subprocess.Popen(sys.argv[2:], stdout=out)
    _, status, ru = os.wait4(child.pid, 0)  # the rusage of this child alone
    wall = time.perf_counter() - t0
if status != 0:
    sys.exit("command failed: %s" % " ".join(sys.argv[2:]))
print("%.4f %.4f %d" % (wall, ru.ru_utime + ru.ru_stime, ru.ru_maxrss))
PY
}

best_wall=""; best_cpu=""; fbl_rss=0
for i in 1 2 3 4 5 6 7 8 9 10; do
  set -- $(measure "$fblctl" parse "$maildir")
  if [ -z "$best_wall" ] || [ "$(echo "$1 < $best_wall" | bc -l)" = 1 ]; then best_wall=$1; fi
  if [ -z "$best_cpu" ] || [ "$(echo "$2 < $best_cpu" | bc -l)" = 1 ]; then best_cpu=$2; fi
  [ "$3" -gt "$fbl_rss" ] && fbl_rss=$3
done
cp "$out/last.jsonl" "$out/fbl.jsonl"
set -- $(measure perl bench/sisimai_dump.pl "$maildir")
sis_wall=$1; sis_cpu=$2; sis_rss=$3
cp "$out/last.jsonl" "$out/sisimai.jsonl"

rate() { echo "$files / ($1 + 0.00005)" | bc -l; }
printf 'fblctl parse : wall %7.4f s %9.0f msg/s | cpu %7.4f s %9.0f msg/s | peak RSS %6d KiB (best of 10)\n' \
  "$best_wall" "$(rate "$best_wall")" "$best_cpu" "$(rate "$best_cpu")" "$fbl_rss"
printf 'Sisimai 4.25 : wall %7.4f s %9.0f msg/s | cpu %7.4f s %9.0f msg/s | peak RSS %6d KiB\n' \
  "$sis_wall" "$(rate "$sis_wall")" "$sis_cpu" "$(rate "$sis_cpu")" "$sis_rss"
printf 'ratio        : wall %.1fx, cpu %.1fx Sisimai messages/s\n' \
  "$(echo "$(rate "$best_wall") / $(rate "$sis_wall")" | bc -l)" "$(echo "$(rate "$best_cpu") / $(rate "$sis_cpu")" | bc -l)"
python3 bench/sisimai_compare.py "$out/fbl.jsonl" "$out/sisimai.jsonl"
echo "outputs kept in $out"
