//! `hyperseg generate`

use super::output::{Output, thousands};
use hyperseg::generate::{GenerateOptions, generate};
use hyperseg::ingest::Separator;
use std::io::BufWriter;
use std::path::PathBuf;

#[derive(clap::Args, Debug)]
pub struct GenerateArgs {
    /// How many data rows to write.
    #[arg(long, default_value_t = 10_000)]
    rows: usize,
    /// The random seed; the same seed gives the same file.
    #[arg(long, default_value_t = 42)]
    seed: u64,
    /// Where to write the CRM dump.
    #[arg(long, value_name = "FILE")]
    out: PathBuf,
    /// Where to write the ground truth (record, person, status).
    #[arg(long, value_name = "FILE")]
    truth: PathBuf,
    /// The field separator.
    #[arg(long, value_enum, default_value_t = Separator::Semicolon)]
    separator: Separator,
    /// End lines with LF instead of CRLF.
    #[arg(long)]
    lf: bool,
    /// Instead of the CRM dump, write K planted segments: one record per person whose
    /// behaviour fields come from their segment (LF line ends), and a truth file
    /// `record,person,segment`, to score automatic segmentation against.
    #[arg(long, value_name = "K")]
    planted: Option<usize>,
}

pub fn run(args: GenerateArgs, out: &Output) -> anyhow::Result<()> {
    if let Some(k) = args.planted {
        return planted(&args, k, out);
    }
    let opts = GenerateOptions {
        rows: args.rows,
        seed: args.seed,
        separator: args.separator.byte(),
        crlf: !args.lf,
    };
    let summary = write(&opts, &args.out, &args.truth)?;
    out.message(
        &format!(
            "wrote {} ({} rows, {} persons: {} ok, {} opted out, {} rejects; {} bytes) and {}",
            args.out.display(),
            thousands(summary.rows as u64),
            thousands(summary.persons as u64),
            thousands(summary.ok as u64),
            thousands(summary.optout as u64),
            thousands(summary.reject as u64),
            thousands(summary.bytes),
            args.truth.display()
        ),
        &serde_json::json!({
            "out": args.out, "truth": args.truth, "rows": summary.rows, "persons": summary.persons,
            "ok": summary.ok, "optout": summary.optout, "reject": summary.reject, "bytes": summary.bytes,
        }),
    )
}

/// Generates a dump and its truth into files.
pub fn write(
    opts: &GenerateOptions,
    out: &std::path::Path,
    truth: &std::path::Path,
) -> anyhow::Result<hyperseg::generate::GenerateSummary> {
    use anyhow::Context;
    let mut o = BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(out).with_context(|| format!("creating {}", out.display()))?,
    );
    let mut t = BufWriter::with_capacity(
        1 << 20,
        std::fs::File::create(truth).with_context(|| format!("creating {}", truth.display()))?,
    );
    let summary = generate(opts, &mut o, &mut t)?;
    use std::io::Write;
    o.flush()?;
    t.flush()?;
    Ok(summary)
}

/// `generate --planted K`.
fn planted(args: &GenerateArgs, k: usize, out: &Output) -> anyhow::Result<()> {
    use anyhow::Context;
    use hyperseg::generate::planted::{PlantedOptions, write_planted};
    let create = |p: &std::path::Path| {
        std::fs::File::create(p)
            .map(|f| BufWriter::with_capacity(1 << 20, f))
            .with_context(|| format!("creating {}", p.display()))
    };
    let (mut o, mut t) = (create(&args.out)?, create(&args.truth)?);
    let opts = PlantedOptions { rows: args.rows, k, seed: args.seed };
    let summary = write_planted(&opts, args.separator.byte(), &mut o, &mut t)?;
    out.message(
        &format!(
            "wrote {} ({} persons in {k} planted segments; {} bytes) and {}",
            args.out.display(),
            thousands(summary.rows as u64),
            thousands(summary.bytes),
            args.truth.display()
        ),
        &serde_json::json!({ "out": args.out, "truth": args.truth, "rows": summary.rows, "planted": k, "bytes": summary.bytes }),
    )
}
