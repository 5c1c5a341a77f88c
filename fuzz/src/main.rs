//! One AFL++ binary for every hyperseg fuzz target: `hyperseg-fuzz TARGET` reads inputs from
//! AFL (persistent mode) and runs them through `hyperseg::fuzz::TARGET`. The harnesses live in
//! the library so `tests/fuzz_replay.rs` can replay the corpora without AFL.

fn main() {
    let name = std::env::args().nth(1).unwrap_or_default();
    let Some(harness) = hyperseg::fuzz::target(&name) else {
        let names: Vec<&str> = hyperseg::fuzz::TARGETS.iter().map(|(n, _)| *n).collect();
        eprintln!("usage: hyperseg-fuzz TARGET (one of {})", names.join(", "));
        std::process::exit(2);
    };
    afl::fuzz!(|data: &[u8]| {
        harness(data);
    });
}
