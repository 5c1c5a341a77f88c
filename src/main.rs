//! The `hyperseg` command: see `hyperseg --help`.

mod cli;

fn main() -> std::process::ExitCode {
    cli::main()
}
