//! `--backend auto|cpu|gpu` for the commands that compute: each picks its backend just
//! before it evaluates (so commands that compute nothing open no device and print nothing),
//! and one line on stderr says which runs and why.

use super::output;
use hyperseg::compute::{Backend, BackendChoice, ComputeError, Work, choose};

/// The backend for `work`, said on stderr. Called by a command about to evaluate, even if
/// its filter turns out to need no kernel (a text test on plain text runs on the CPU under
/// any backend): the line appears, and `--backend gpu` without an adapter fails.
pub fn backend(choice: BackendChoice, work: Work) -> Result<Box<dyn Backend>, ComputeError> {
    let chosen = choose(choice, work)?;
    output::note(&format!("backend {}", chosen.reason));
    Ok(chosen.backend)
}
