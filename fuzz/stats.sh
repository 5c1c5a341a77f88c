#!/bin/sh
# Prints one line per fuzzing run in fuzz/out/: run time, executions, crashes and hangs, from
# afl's fuzzer_stats.
cd "$(dirname "$0")"
printf '%-20s %8s %12s %8s %8s %7s %6s\n' run seconds execs exec/s corpus crashes hangs
for f in out/*/default/fuzzer_stats; do
    [ -f "$f" ] || continue
    name=${f#out/}
    name=${name%%/*}
    get() { sed -n "s/^$1 *: //p" "$f"; }
    printf '%-20s %8s %12s %8s %8s %7s %6s\n' "$name" "$(get run_time)" "$(get execs_done)" \
        "$(get execs_per_sec)" "$(get corpus_count)" "$(get saved_crashes)" "$(get saved_hangs)"
done
