//! The nightly benchmark (`hyperseg bench nightly`): a dump that changes every night
//! ([`crate::generate::nightly`]) re-imported with `--mode replace`, ten audiences refreshed
//! and one exported each night; per night the time of each part, the resolution's pairwise
//! precision and recall against that night's truth, and the workspace's size.

use super::{FileImport, ImportRequest, PipelineError, Progress};
use crate::audience::{self, Format};
use crate::compute::Backend;
use crate::generate::nightly::{NightChanges, Nightly};
use crate::identity;
use crate::ingest::ImportOptions;
use crate::ingest::records::{Mode, SourceSpec};
use crate::store::Workspace;
use serde::Serialize;
use std::path::Path;
use std::time::Instant;

/// The ten audiences every night refreshes; the first is exported.
const AUDIENCES: [(&str, &str); 10] = [
    ("jovens", "idade between 18 and 30"),
    ("sao-paulo", r#"city = "São Paulo""#),
    ("clientes", r#"status_lead = "cliente""#),
    ("whatsapp", r#"ultimo_canal = "whatsapp""#),
    ("frequentes", "visitas > 200"),
    ("grandes", "valor_total > 5000"),
    ("newsletter", "newsletter = true"),
    ("gmail", r#"email contains "gmail""#),
    ("compradores", "compras >= 10"),
    ("maduros", "idade >= 50 and compras > 5"),
];

/// One night's figures.
#[derive(Clone, Debug, Serialize)]
pub struct NightFigures {
    pub night: u32,
    pub changes: NightChanges,
    pub file_bytes: u64,
    pub rows: u64,
    /// Parse and check the file.
    pub read_s: f64,
    /// Match its rows to the source's current records.
    pub match_s: f64,
    /// Resolve identity (and build the profile table) while the import's columns are written.
    pub resolve_s: f64,
    /// Commit (the import, its resolution and the audiences at once), and cache the
    /// profile table.
    pub commit_s: f64,
    /// Match, resolve, write and commit (the three above).
    pub resolve_commit_s: f64,
    /// Refresh the saved audiences (staged into the import's commit).
    pub refresh_s: f64,
    /// Export one audience to CSV.
    pub export_s: f64,
    pub total_s: f64,
    pub records: [u64; 4],
    pub profiles: u64,
    /// Profiles created, retired and continued (all records changed) by the night.
    pub profile_changes: [u64; 3],
    pub precision: f64,
    pub recall: f64,
    pub workspace_bytes: u64,
}

/// The dump and truth of a night.
fn night_files(dir: &Path, night: u32) -> (std::path::PathBuf, std::path::PathBuf) {
    (dir.join(format!("crm-{night}.csv")), dir.join(format!("crm-{night}.truth.csv")))
}

/// Runs `nights` nights of a dump of about `rows` records in `dir` (a new folder): its
/// workspace is `dir/ws`, and the last night's dump and truth are left beside it.
pub fn run(
    dir: &Path,
    rows: usize,
    nights: u32,
    seed: u64,
    backend: &dyn Backend,
    each: &mut dyn FnMut(&NightFigures),
) -> Result<Vec<NightFigures>, PipelineError> {
    let mut dump = Nightly::new(rows, seed).map_err(|e| PipelineError::Job(e.to_string()))?;
    let mut ws = Workspace::init(&dir.join("ws"))?;
    let mut out = Vec::new();
    let mut changes = NightChanges::default();
    for night in 1..=nights {
        if night > 1 {
            changes = dump.advance();
        }
        let (file, truth) = night_files(dir, night);
        write_night(&dump, &file, &truth)?;
        let figures = one_night(&mut ws, dir, &file, &truth, backend, (night, changes))?;
        each(&figures);
        out.push(figures);
        if night < nights {
            std::fs::remove_file(&file).ok();
            std::fs::remove_file(&truth).ok();
        }
    }
    Ok(out)
}

fn write_night(dump: &Nightly, file: &Path, truth: &Path) -> Result<(), PipelineError> {
    let io = |e: std::io::Error| PipelineError::Job(format!("writing the night's dump: {e}"));
    let mut f = std::io::BufWriter::new(std::fs::File::create(file).map_err(io)?);
    let mut t = std::io::BufWriter::new(std::fs::File::create(truth).map_err(io)?);
    dump.write(&mut f, &mut t).map_err(|e| PipelineError::Job(e.to_string()))
}

fn one_night(
    ws: &mut Workspace,
    dir: &Path,
    file: &Path,
    truth: &Path,
    backend: &dyn Backend,
    (night, changes): (u32, NightChanges),
) -> Result<NightFigures, PipelineError> {
    let lock = ws.lock()?;
    let req = ImportRequest {
        files: vec![FileImport {
            path: file.to_owned(),
            source: SourceSpec { source: Some("crm".into()), mode: Mode::Replace, record_id: None },
        }],
        options: ImportOptions::default(),
        rejects: None,
    };
    let marks = std::sync::Mutex::new(Vec::new());
    let start = Instant::now();
    let outcome = super::import(ws, &lock, &req, backend, &|p| {
        if !matches!(p, Progress::Reading { .. }) {
            marks
                .lock()
                .expect("not poisoned")
                .push((std::mem::discriminant(&p), start.elapsed().as_secs_f64()));
        }
    })
    .map_err(|f| f.error)?;
    let imported = start.elapsed().as_secs_f64();
    if night == 1 {
        for (name, filter) in AUDIENCES {
            let expr = crate::segment::parse_filter(filter).expect("the bench filters parse");
            audience::create(ws, &lock, name, "bench nightly", &expr, "bench", backend)?;
        }
    }
    let t = Instant::now();
    let export = dir.join("export.csv");
    let options =
        audience::ExportOptions { format: Format::Csv, all_fields: false, include_invalid_phones: false };
    audience::export(ws, AUDIENCES[0].0, &export, options, backend)?;
    let export_s = t.elapsed().as_secs_f64();
    drop(lock);
    let marks = marks.into_inner().expect("not poisoned");
    let at = |step: Progress| {
        let step = std::mem::discriminant(&step);
        marks.iter().find(|(d, _)| *d == step).map_or(imported, |m| m.1)
    };
    let read_s = at(Progress::Resolving);
    let (linking, refreshing, committing) =
        (at(Progress::Linking), at(Progress::Refreshing), at(Progress::Committing));
    let (precision, recall, profiles) = check(ws, truth)?;
    let c = outcome.imports[0].records.clone().unwrap_or_default();
    Ok(NightFigures {
        night,
        changes,
        file_bytes: outcome.imports[0].bytes,
        rows: outcome.imports[0].rows_imported,
        read_s,
        match_s: linking - read_s,
        resolve_s: refreshing - linking,
        commit_s: imported - committing,
        resolve_commit_s: (refreshing - read_s) + (imported - committing),
        refresh_s: committing - refreshing,
        export_s,
        total_s: imported + export_s,
        records: [c.new, c.changed, c.unchanged, c.removed],
        profiles,
        profile_changes: outcome
            .identity
            .as_ref()
            .map_or([0; 3], |s| [s.new_profiles as u64, s.retired as u64, s.continued as u64]),
        precision,
        recall,
        workspace_bytes: dir_bytes(ws.root()),
    })
}

/// Pairwise precision and recall of the workspace's profiles against `truth`, and the
/// profile count.
fn check(ws: &Workspace, truth: &Path) -> Result<(f64, f64, u64), PipelineError> {
    let persons = crate::generate::ok_persons(
        std::fs::File::open(truth).map_err(|e| PipelineError::Job(e.to_string()))?,
    )
    .map_err(|e| PipelineError::Job(e.to_string()))?;
    let (records, profiles) = identity::record_profiles(ws)?;
    let newest = records.import.iter().max().copied().unwrap_or(0);
    if records.import.iter().any(|&i| i != newest) {
        return Err(PipelineError::Job("a replaced source kept records of an earlier import".into()));
    }
    let truth: Vec<u64> = records.row.iter().map(|&r| persons[r as usize]).collect();
    let mut dense = hashbrown::HashMap::new();
    let labels: Vec<u32> = profiles
        .iter()
        .map(|p| {
            let n = dense.len() as u32;
            *dense.entry(*p).or_insert(n)
        })
        .collect();
    let (p, r) = identity::pairwise_precision_recall(&labels, &truth);
    Ok((p, r, dense.len() as u64))
}

fn dir_bytes(dir: &Path) -> u64 {
    std::fs::read_dir(dir)
        .into_iter()
        .flatten()
        .flatten()
        .map(|e| match e.file_type() {
            Ok(t) if t.is_dir() => dir_bytes(&e.path()),
            _ => e.metadata().map(|m| m.len()).unwrap_or(0),
        })
        .sum()
}
