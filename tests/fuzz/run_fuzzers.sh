#!/bin/sh
# Runs libFuzzer binaries one after the other (one core), each for $FUZZ_SECONDS (default 600).
#   run_fuzzers.sh BINDIR fuzz_<name>...
# Each target's working corpus is BINDIR/corpus-<name>, seeded from the directories listed in
# BINDIR/fuzz_<name>.seeds (written by CMake); findings (crash-*, leak-*, timeout-*, oom-*)
# land in BINDIR/findings-<name>/ and the log in BINDIR/fuzz_<name>.log. The exit status is 1
# when any target found a problem.
set -u
bin=$1
shift
seconds=${FUZZ_SECONDS:-600}
status=0
for t in "$@"; do
  short=${t#fuzz_}
  corpus=$bin/corpus-$short
  findings=$bin/findings-$short
  mkdir -p "$corpus" "$findings"
  if [ -f "$bin/$t.seeds" ]; then
    while read -r seed; do
      [ -d "$seed" ] && cp -n "$seed"/* "$corpus"/ 2>/dev/null
      [ -f "$seed" ] && cp -n "$seed" "$corpus"/ 2>/dev/null
    done < "$bin/$t.seeds"
  fi
  echo "== $t for ${seconds}s (corpus: $(ls "$corpus" | wc -l) files, log: $bin/$t.log)"
  if ! "$bin/$t" -max_total_time="$seconds" -timeout=1 -rss_limit_mb=2048 \
       -artifact_prefix="$findings/" -print_final_stats=1 "$corpus" </dev/null >"$bin/$t.log" 2>&1; then
    echo "!! $t found a problem: see $findings/ and $bin/$t.log"
    status=1
  fi
  grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb|^stat::slowest_unit_time_sec' "$bin/$t.log" | sed 's/^/   /'
done
exit $status
