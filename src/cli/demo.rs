//! `hyperseg demo`: the whole pipeline on the bundled sample.

use super::UserError;
use super::output::{Output, thousands};
use hyperseg::audience::{self, AudienceError};
use hyperseg::compute::{BackendChoice, Work};
use hyperseg::identity;
use hyperseg::ingest::records::SourceSpec;
use hyperseg::ingest::{self, ImportOptions};
use hyperseg::pipeline::{self, FileImport, ImportRequest};
use hyperseg::store::Workspace;
use std::path::PathBuf;

/// The sample bundled with the repository.
const SAMPLE: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/datasets/crm_sample.csv");

#[derive(clap::Args, Debug)]
pub struct DemoArgs {
    /// The folder to write the demo workspace and its results to (replaced if it holds an
    /// earlier demo).
    #[arg(long, default_value = "hyperseg-demo")]
    out: PathBuf,
    /// The CRM dump to use instead of the bundled sample.
    #[arg(long, value_name = "FILE")]
    input: Option<PathBuf>,
}

/// The audience the demo saves and exports.
const AUDIENCE: (&str, &str) =
    ("São Paulo, leads quentes e mornos", r#"city = "São Paulo" and status_lead in ("quente", "morno")"#);

pub fn run(args: DemoArgs, choice: BackendChoice, out: &Output) -> anyhow::Result<()> {
    let input = args.input.unwrap_or_else(|| PathBuf::from(SAMPLE));
    let ws_dir = args.out.join("workspace");
    if args.out.exists() {
        let is_old_demo =
            ws_dir.join("catalog.db").is_file() || std::fs::read_dir(&args.out)?.next().is_none();
        if !is_old_demo {
            return Err(UserError(format!(
                "{} exists and does not hold an earlier demo; give --out a new folder",
                args.out.display()
            ))
            .into());
        }
        std::fs::remove_dir_all(&args.out)?;
    }
    std::fs::create_dir_all(&args.out)?;
    let mut ws = Workspace::init(&ws_dir)?;
    let lock = ws.lock()?;
    let rejects = args.out.join("rejects.csv");
    let req = ImportRequest {
        files: vec![FileImport { path: input.clone(), source: SourceSpec::default() }],
        options: ImportOptions::default(),
        rejects: Some(rejects),
    };
    let outcome = pipeline::import(&mut ws, &lock, &req, &hyperseg::compute::CpuBackend, &|_| {})
        .map_err(|f| f.error)?;
    let report = &outcome.imports[0];
    let stats = outcome.identity.clone().unwrap_or_default();
    let records = args.out.join("profiles.csv");
    let mut w = std::io::BufWriter::new(std::fs::File::create(&records)?);
    identity::write_assignment_csv(&ws, &mut w)?;
    std::io::Write::flush(&mut w)?;
    // An audience, saved and exported; skipped when another --input lacks its fields.
    let backend = super::compute::backend(choice, Work::Filter)?;
    let exported = args.out.join("audience.csv");
    let expr = hyperseg::segment::parse_filter(AUDIENCE.1).expect("the demo filter parses");
    let by = ingest::default_user();
    let (saved, written) =
        match audience::create(&mut ws, &lock, AUDIENCE.0, "hyperseg demo", &expr, &by, backend.as_ref()) {
            Ok(a) => {
                let written =
                    audience::export(&ws, &a.name, &exported, Default::default(), backend.as_ref())?;
                (Some(a), Some(written))
            }
            Err(AudienceError::Filter(_)) => (None, None),
            Err(e) => return Err(e.into()),
        };
    drop(lock);
    let page = hyperseg::report::write(&ws, &args.out.join("report.html"), &Default::default())?;
    if out.json {
        return out.json_value(&serde_json::json!({
            "workspace": ws_dir, "import": report, "identity": stats, "audience": saved,
            "exported": written, "report": page.path,
        }));
    }
    out.text(&format!("hyperseg demo on {}\n", input.display()))?;
    out.text(&super::import::render(report))?;
    out.text(&super::import::render_identity(&stats))?;
    match &saved {
        Some(a) => {
            out.text(&format!("Audience {:?}: {} profiles\n  {}", a.name, thousands(a.size), AUDIENCE.1))?
        }
        None => out.text(&format!("No audience: this dump lacks the fields of {}", AUDIENCE.1))?,
    }
    out.text(&format!("Report: {} (open it in a browser)", page.path.display()))?;
    out.text(&format!(
        "\nResults are in {}:\n  workspace/    the workspace (try: hyperseg -w {ws} imports list, hyperseg -w {ws} profiles stats)\n  rejects.csv   the rejected rows, with line and reason\n  profiles.csv  every imported record with its profile id\n  audience.csv  the audience's profiles, phone first (when it was saved)\n  report.html   the report: imports, profiles, fields and the audience, with charts",
        args.out.display(),
        ws = ws_dir.display()
    ))
}
