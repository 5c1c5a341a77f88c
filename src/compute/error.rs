//! Why a kernel could not run.

/// A compute failure a person can act on: no adapter, a device limit that falls short,
/// input the kernels do not accept, or the device failing mid-run.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum ComputeError {
    #[error("no GPU adapter found ({0}); use --backend cpu or --backend auto")]
    NoAdapter(String),

    #[error(
        "the GPU adapter \"{adapter}\" falls short: {limit} is {available}, hyperseg needs at least {needed}"
    )]
    Limit { adapter: String, limit: &'static str, needed: u64, available: u64 },

    #[error("could not open the GPU device \"{adapter}\": {reason}")]
    Device { adapter: String, reason: String },

    #[error("the GPU failed while running {kernel}: {reason}")]
    Run { kernel: &'static str, reason: String },

    #[error("k-means input: {0}")]
    Input(String),

    #[error("unknown backend \"{0}\": expected auto, cpu or gpu")]
    UnknownBackend(String),
}

impl ComputeError {
    /// Whether the user can fix it (another `--backend`, other input), as opposed to the
    /// device failing.
    pub fn is_user_error(&self) -> bool {
        !matches!(self, ComputeError::Device { .. } | ComputeError::Run { .. })
    }
}
