//! Automatic segmentation: audiences found in the profiles by k-means, each explained in
//! plain words, named, described and (optionally) given message templates.
//!
//! The steps, each in its own module:
//!
//! 1. [`features`]: profile fields → a row-major `f32` matrix. Numbers and dates (as days
//!    before the as-of day) are centred on their median, divided by a robust scale
//!    (1.4826 × the median absolute deviation, else the interquartile range / 1.349, else the
//!    standard deviation) and clipped to ±3, so heavy tails and outliers cannot make one
//!    field dominate; booleans are 0/1; text with few distinct values is one-hot (values
//!    under 1% of the rows grouped as "other"), each value worth 1/√2 so two different
//!    values are one unit apart. Missing values are imputed with the median (numbers,
//!    dates) or the overall share of each value (booleans, categories): a row without a
//!    value sits at the centre of that field and the field does not decide its membership.
//!    Identifiers, contact extras (`extra.*`) and bookkeeping columns are never used;
//!    mostly empty, constant and all-distinct columns are left out, each with its reason.
//! 2. [`search`]: k-means through the compute [`Backend`] (k-means++ start from the seed,
//!    so the same data and seed give the same audiences on the CPU and the GPU). Unless k
//!    is given, every k of the range is clustered on a fixed-size sample of the profiles
//!    and scored by the **mean silhouette** of a fixed-size sub-sample; the k with the
//!    highest silhouette wins (the smaller k on a tie). The chosen k is then run on every
//!    profile.
//! 3. [`membership`]: a profile belongs to its nearest centroid's audience and also to the
//!    second nearest's when that centroid is within `overlap_margin` (default 10%) of the
//!    nearest distance: profiles on a border are in both audiences.
//! 4. [`explain`]: size and share; characteristics ranked by how far the audience sits from
//!    everyone (numbers: mean difference in standard deviations; categories and booleans:
//!    share in the audience against share overall, as a standardised difference and a
//!    lift); the defining grid (conditions that approximate the audience).
//! 5. [`words`]: a unique short name, a one- or two-sentence description (pt, es or en) and
//!    message templates with `{{name}}`, all from fixed templates.
//! 6. [`store`]: the generation (when, fields, k, seed, backend, silhouette and inertia per
//!    k) and its audiences (kind `automatic`, members fixed as a profile-id file) committed
//!    at once; `replace` deletes the previous generation's audiences in the same commit.
//!
//! [`run`] is the one entry point over a workspace (the CLI's `segment auto`, and the
//! nightly job's `[segment_auto]` step); [`segment`] is the same computation over a table,
//! without a workspace (benchmarks, tests).

pub mod explain;
pub mod features;
pub mod membership;
pub mod quality;
pub mod search;
pub mod store;
pub mod to_filter;
pub mod words;

#[cfg(test)]
mod tests;

use crate::columns::Table;
use crate::compute::{Backend, ComputeError};
use crate::identity::IdentityError;
use crate::store::{StoreError, Workspace, WriteLock};
use serde::Serialize;

pub use explain::{Characteristic, Explanation};
pub use features::{Excluded, FeatureField, Features};
pub use search::{KScore, Search};
pub use store::{AutoAudience, GenerationRow};
pub use words::Lang;

/// Profiles that must have been updated in the last [`FRESH_DAYS`] days.
pub const MIN_FRESH_PROFILES: u64 = 7;
/// The window of the freshness precondition, in days (the as-of day included).
pub const FRESH_DAYS: i32 = 7;

/// What can go wrong in automatic segmentation.
#[derive(Debug, thiserror::Error)]
pub enum AutoError {
    #[error("no profiles yet: import a file first")]
    NoProfiles,
    #[error(
        "automatic segmentation is not possible yet: it needs at least {needed} profiles updated in the last {days} days, and {fresh} of {profiles} were updated between {since} and {as_of}; import fresher data or pass --as-of"
    )]
    NotFresh { needed: u64, days: i32, fresh: u64, profiles: u64, since: String, as_of: String },
    #[error("no field can be used for segmentation: {0}")]
    NoFeatures(String),
    #[error("--fields: {0}")]
    Fields(String),
    #[error("k: {0}")]
    K(String),
    /// A failure of hyperseg itself (a value that does not serialise, a row not found back).
    #[error("internal error: {0}")]
    Internal(String),
    #[error("cannot write {path}: {source}")]
    Write { path: std::path::PathBuf, source: std::io::Error },
    #[error("stored explanation of audience #{id} cannot be read: {reason}")]
    BadExplanation { id: i64, reason: String },
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Identity(#[from] IdentityError),
    #[error(transparent)]
    Compute(#[from] ComputeError),
}

impl AutoError {
    /// Whether the user can act on it (exit code 1) rather than an internal failure (2).
    pub fn is_user_error(&self) -> bool {
        match self {
            AutoError::Store(e) => e.is_user_error(),
            AutoError::Identity(e) => e.is_user_error(),
            AutoError::Compute(e) => e.is_user_error(),
            AutoError::BadExplanation { .. } | AutoError::Write { .. } | AutoError::Internal(_) => false,
            _ => true,
        }
    }
}

/// How k is chosen.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KChoice {
    /// Exactly this k.
    Fixed(usize),
    /// The best silhouette for k in `lo..=hi`.
    Range(usize, usize),
}

impl Default for KChoice {
    fn default() -> Self {
        KChoice::Range(2, 10)
    }
}

impl KChoice {
    /// The k values to try: a fixed k as given, a range capped below the number of points
    /// (the silhouette needs a point more than clusters).
    pub fn candidates(self, points: usize) -> Vec<usize> {
        match self {
            KChoice::Fixed(k) => vec![k],
            KChoice::Range(lo, hi) => (lo..=hi.min(points.saturating_sub(1))).collect(),
        }
    }

    /// Parses `K` or `LO..HI` (inclusive, as `2..12`).
    pub fn parse_range(s: &str) -> Result<KChoice, AutoError> {
        let bad = || AutoError::K(format!("{s:?} is not a range; expected LO..HI, such as 2..12"));
        let (lo, hi) = s.split_once("..").ok_or_else(bad)?;
        let hi = hi.strip_prefix('=').unwrap_or(hi);
        let lo: usize = lo.trim().parse().map_err(|_| bad())?;
        let hi: usize = hi.trim().parse().map_err(|_| bad())?;
        if lo < 2 || hi < lo {
            return Err(AutoError::K(format!("range {lo}..{hi}: need 2 <= LO <= HI")));
        }
        if hi > 64 {
            return Err(AutoError::K(format!("range {lo}..{hi}: at most 64 audiences per generation")));
        }
        Ok(KChoice::Range(lo, hi))
    }
}

/// The computation's options (no workspace involved).
#[derive(Clone, Debug)]
pub struct SegmentOptions {
    pub k: KChoice,
    pub seed: u64,
    /// Days since 1970-01-01: dates become "days before this day".
    pub as_of: i32,
    /// Only these fields (matched ignoring case and accents); `None`: every eligible one.
    pub fields: Option<Vec<String>>,
    /// Most k-means updates per run.
    pub iterations: usize,
    /// A profile is also in its second-nearest audience when that centroid's distance is at
    /// most `(1 + overlap_margin)` × the nearest one's. 0 disables overlap.
    pub overlap_margin: f64,
}

impl Default for SegmentOptions {
    fn default() -> Self {
        SegmentOptions {
            k: KChoice::default(),
            seed: 42,
            as_of: crate::columns::days_from_date(chrono::Utc::now().date_naive()),
            fields: None,
            iterations: 50,
            overlap_margin: 0.10,
        }
    }
}

/// Everything [`run`] takes.
#[derive(Clone, Debug)]
pub struct AutoOptions {
    pub segment: SegmentOptions,
    pub lang: Lang,
    pub suggest_messages: bool,
    /// Where the message templates go (CSV: audience, template), with `suggest_messages`.
    pub messages_out: Option<std::path::PathBuf>,
    /// Delete the previous generation's audiences in the same commit.
    pub replace: bool,
}

/// A step of the work, for a progress display.
#[derive(Clone, Debug, PartialEq)]
pub enum Progress {
    Features,
    /// Clustering the sample for one k of the search (`done` of `total` finished before it).
    Search {
        k: usize,
        done: usize,
        total: usize,
    },
    Final {
        k: usize,
    },
    Explain,
    Commit,
}

/// The result of [`segment`]: features, the search, the final clustering and one
/// explanation per non-empty audience.
#[derive(Debug)]
pub struct Segmentation {
    pub features: Features,
    pub search: Search,
    pub k: usize,
    pub centroids: Vec<f32>,
    /// Nearest centroid of every row.
    pub assignments: Vec<u32>,
    /// Rows of each audience, ascending (primary members and those within the margin).
    pub members: Vec<Vec<u32>>,
    pub explanations: Vec<Explanation>,
    pub iterations: usize,
    pub inertia: f64,
    /// Rows in more than one audience.
    pub overlapping: u64,
}

/// Clusters `table`'s profiles and explains the audiences (see the module docs).
pub fn segment(
    table: &Table,
    opts: &SegmentOptions,
    backend: &dyn Backend,
    progress: &mut dyn FnMut(Progress),
) -> Result<Segmentation, AutoError> {
    progress(Progress::Features);
    let features = features::build(table, opts.fields.as_deref(), opts.as_of)?;
    let points = features.points()?;
    let search = search::choose_k(&points, opts, backend, progress)?;
    progress(Progress::Final { k: search.k });
    let km = crate::compute::kmeans_from(&points, search.centroids.clone(), opts.iterations, backend)?;
    let members = membership::members(&points, &km.centroids, &km.assignments, opts.overlap_margin);
    let overlapping = membership::overlapping(&members, points.len());
    progress(Progress::Explain);
    let explanations = explain::explain_all(table, &features, &members, opts.as_of);
    Ok(Segmentation {
        k: search.k,
        search,
        centroids: km.centroids,
        assignments: km.assignments,
        members,
        explanations,
        iterations: km.iterations,
        inertia: km.inertia,
        overlapping,
        features,
    })
}

/// How many profiles were updated in the [`FRESH_DAYS`] days ending on `as_of`.
pub fn fresh_profiles(table: &Table, as_of: i32) -> u64 {
    let Some(col) = table.column("lastUpdated") else { return 0 };
    let crate::columns::ColumnData::Date(d) = &col.data else { return 0 };
    let since = as_of - (FRESH_DAYS - 1);
    d.values.iter().enumerate().filter(|&(i, &v)| d.validity.get(i) && (since..=as_of).contains(&v)).count()
        as u64
}

/// Checks the freshness precondition.
pub fn check_fresh(table: &Table, as_of: i32) -> Result<u64, AutoError> {
    let fresh = fresh_profiles(table, as_of);
    if fresh >= MIN_FRESH_PROFILES {
        return Ok(fresh);
    }
    let day = |d: i32| crate::columns::Value::Date(d).to_string();
    Err(AutoError::NotFresh {
        needed: MIN_FRESH_PROFILES,
        days: FRESH_DAYS,
        fresh,
        profiles: table.rows() as u64,
        since: day(as_of - (FRESH_DAYS - 1)),
        as_of: day(as_of),
    })
}

/// What a generation made, as `segment auto` prints it.
#[derive(Clone, Debug, Serialize)]
pub struct AutoReport {
    pub generation: i64,
    pub as_of: String,
    pub profiles: u64,
    pub fresh_profiles: u64,
    pub fields: Vec<FeatureField>,
    pub excluded: Vec<Excluded>,
    pub criterion: String,
    pub scores: Vec<KScore>,
    pub k: usize,
    pub k_chosen_by: String,
    pub seed: u64,
    pub backend: String,
    pub iterations: usize,
    pub inertia: f64,
    pub overlap_margin: f64,
    pub overlapping_profiles: u64,
    pub audiences: Vec<AutoAudience>,
    /// Names of the previous generation's audiences deleted by `replace`.
    pub replaced: Vec<String>,
    pub messages_file: Option<std::path::PathBuf>,
}

/// The work [`run`] will give the backend, for choosing one before it starts.
pub fn planned_work(ws: &Workspace, opts: &SegmentOptions) -> Result<crate::compute::Work, AutoError> {
    let rows = crate::identity::profile_table(ws)?.map_or(0, |t| t.rows());
    let k = match opts.k {
        KChoice::Fixed(k) => k,
        KChoice::Range(_, hi) => hi,
    };
    Ok(crate::compute::Work::KMeans { points: rows, dims: 16, k, iterations: opts.iterations })
}

/// Automatic segmentation of the workspace's profiles: checks freshness, clusters, explains,
/// names, and commits one generation of automatic audiences (see the module docs). Nothing
/// is created when it fails.
pub fn run(
    ws: &mut Workspace,
    lock: &WriteLock,
    opts: &AutoOptions,
    backend: &dyn Backend,
    progress: &mut dyn FnMut(Progress),
) -> Result<AutoReport, AutoError> {
    let table = crate::identity::profile_table(ws)?.ok_or(AutoError::NoProfiles)?;
    let fresh = check_fresh(&table, opts.segment.as_of)?;
    let seg = segment(&table, &opts.segment, backend, progress)?;
    progress(Progress::Commit);
    let mut report = store::commit_generation(ws, lock, &table, &seg, opts, backend.name())?;
    report.fresh_profiles = fresh;
    if opts.suggest_messages
        && let Some(path) = &opts.messages_out
    {
        words::write_messages(path, &report.audiences)?;
        report.messages_file = Some(path.clone());
    }
    Ok(report)
}
