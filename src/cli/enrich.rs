//! `hyperseg enrich ...` and `hyperseg bench enrich`.

use super::output::Output;
use hyperseg::enrich::classify::Lang;
use hyperseg::enrich::eval::{self, EvalFormat, EvalReport};
use std::path::PathBuf;

/// `hyperseg bench enrich`: classifier quality on labelled text (`--eval`), or linking plus
/// classification speed on generated messages.
#[derive(clap::Args, Debug)]
pub struct BenchEnrichArgs {
    /// Measure the classifiers on this labelled file instead of measuring speed.
    #[arg(long, value_name = "FILE")]
    eval: Option<PathBuf>,
    /// The labelled file's format: `olist` (reviews with 1-5 stars), `vader` (VADER's
    /// ground-truth files), `chat` (CSV lang,text,intent,price).
    #[arg(long, default_value = "chat", value_parser = clap::builder::PossibleValuesParser::new(["olist", "vader", "chat"]))]
    format: String,
    /// The language of the labelled text (pt, es, en).
    #[arg(long, default_value = "pt", value_parser = clap::builder::PossibleValuesParser::new(["pt", "es", "en"]))]
    lang: String,
    /// Also list this many misclassified items.
    #[arg(long, default_value_t = 0, value_name = "N")]
    misses: usize,
}

pub fn bench(args: BenchEnrichArgs, out: &Output) -> anyhow::Result<()> {
    let Some(file) = args.eval else {
        anyhow::bail!(super::UserError("give --eval FILE (the speed benchmark is not built yet)".into()));
    };
    let format = match args.format.as_str() {
        "olist" => EvalFormat::Olist,
        "vader" => EvalFormat::Vader,
        _ => EvalFormat::Chat,
    };
    let lang = Lang::parse(&args.lang).expect("clap checked the language");
    let report = eval::evaluate(&file, format, lang, args.misses)?;
    if out.json {
        return out.json_value(&report);
    }
    out.text(&render_eval(&report))
}

fn render_eval(r: &EvalReport) -> String {
    let mut s = format!(
        "{} ({}): {} items, {} skipped; language detected as {} for {:.1}%, unknown {:.1}%",
        r.file,
        r.lang.code(),
        r.items,
        r.skipped,
        r.lang.code(),
        100.0 * r.detected_as_lang,
        100.0 * r.detected_unknown
    );
    for t in &r.tasks {
        s.push_str(&format!("\n  {:<10} accuracy {:.1}% over {} items", t.task, 100.0 * t.accuracy, t.items));
        for c in &t.classes {
            s.push_str(&format!(
                "\n    {:<12} gold {:>5}  predicted {:>5}  precision {:>5.1}%  recall {:>5.1}%",
                c.class,
                c.gold,
                c.predicted,
                100.0 * c.precision,
                100.0 * c.recall
            ));
        }
    }
    for m in &r.misses {
        s.push_str(&format!("\n  miss {} gold {} predicted {}: {}", m.task, m.gold, m.predicted, m.text));
    }
    s
}
