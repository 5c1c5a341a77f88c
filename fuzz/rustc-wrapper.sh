#!/bin/sh
# RUSTC_WRAPPER for `fuzz/build.sh`: adds AFL++ coverage instrumentation (the flags cargo-afl
# uses) to hyperseg and the fuzz binary only, so the dependencies already built for
# `cargo test` are reused as they are instead of being rebuilt instrumented.
rustc="$1"
shift
case " $* " in
*" --crate-name hyperseg "* | *" --crate-name hyperseg_fuzz "*)
    exec "$rustc" "$@" \
        -C debug-assertions -C overflow_checks \
        -C passes=sancov-module \
        -C llvm-args=-sanitizer-coverage-level=3 \
        -C llvm-args=-sanitizer-coverage-trace-pc-guard \
        -C llvm-args=-sanitizer-coverage-prune-blocks=0 \
        -C llvm-args=-sanitizer-coverage-trace-compares \
        -C "link-arg=$AFL_RT"
    ;;
*)
    exec "$rustc" "$@"
    ;;
esac
