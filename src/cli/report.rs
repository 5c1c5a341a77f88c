//! `hyperseg report`: the workspace as one self-contained HTML page.

use super::output::{Output, thousands};
use hyperseg::report::{self, ReportOptions};
use hyperseg::store::Workspace;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct ReportArgs {
    /// The HTML file to write (its folder must exist; not inside the workspace).
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Leave out imports, resolutions, refreshes, audiences and runs after this day
    /// (YYYY-MM-DD; default today, UTC).
    #[arg(long, value_name = "DATE")]
    as_of: Option<String>,
}

pub fn run(ws: &Workspace, args: ReportArgs, out: &Output) -> anyhow::Result<()> {
    let written = report::write(ws, &args.out, &ReportOptions { as_of: args.as_of })?;
    out.message(
        &format!(
            "wrote {} ({} bytes, {} charts in {} sections)",
            written.path.display(),
            thousands(written.bytes),
            written.charts,
            written.sections
        ),
        &written,
    )
}
