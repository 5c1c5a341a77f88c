#!/bin/sh
# Fuzzes every target in turn, one at a time, at the lowest CPU priority:
#   fuzz/run-all.sh [SECONDS_PER_TARGET] [TARGET...]
# Findings and afl's fuzzer_stats land in fuzz/out/TARGET/default/ (not in git). Crashes
# found are copied to fuzz/regressions/TARGET/ once fixed, where `cargo test` replays them.
set -u
cd "$(dirname "$0")"
secs=${1:-1800}
[ $# -gt 0 ] && shift
targets=${*:-csv filter snapshot job_toml plan_toml}
afl_fuzz=${AFL_FUZZ:-$(ls "$HOME"/.local/share/afl.rs/rustc-*/afl.rs-*/afl/bin/afl-fuzz | tail -n 1)}
export AFL_SKIP_CPUFREQ=1 AFL_NO_AFFINITY=1 AFL_NO_UI=1 AFL_I_DONT_CARE_ABOUT_MISSING_CRASHES=1
for t in $targets; do
    mkdir -p out
    echo "$(date -u +%FT%TZ) fuzzing $t for $secs s" >> out/run-all.log
    nice -n 19 "$afl_fuzz" -V "$secs" -t 2000 -m none -i "corpus/$t" -o "out/$t" \
        -- target/debug/hyperseg-fuzz "$t" > "out/$t.log" 2>&1
    echo "$(date -u +%FT%TZ) done $t (exit $?)" >> out/run-all.log
done
