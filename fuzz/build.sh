#!/bin/sh
# Builds the AFL++ target fuzz/target/debug/hyperseg-fuzz.
#
# Only hyperseg and the fuzz binary are instrumented (see rustc-wrapper.sh); the dependencies
# come from the repository's own debug build (../target/debug), linked in rather than built
# again, so a first build takes a couple of minutes instead of an hour on two cores.
# Needs `cargo install cargo-afl` (for AFL++'s runtime, built by `cargo afl config --build`)
# and afl-fuzz (cargo afl fuzz, or Debian's afl++).
set -e
cd "$(dirname "$0")"
main=${MAIN_TARGET:-../target}
if [ ! -d target/debug/deps ] && [ -d "$main/debug/deps" ]; then
    mkdir -p target/debug
    cp -al "$main/debug/deps" "$main/debug/build" "$main/debug/.fingerprint" target/debug/
    rm -rf target/debug/.fingerprint/hyperseg-* target/debug/deps/*hyperseg*
fi
AFL_RT=$(ls "$HOME"/.local/share/afl.rs/rustc-*/afl.rs-*/afl-llvm/afl-compiler-rt.o | tail -n 1)
export AFL_RT
RUSTC_WRAPPER="$PWD/rustc-wrapper.sh" CARGO_TARGET_DIR="$PWD/target" cargo build "$@"
