//! Measuring the classifiers against labelled text: accuracy, and precision and recall per
//! class, for sentiment (3 classes), purchase intent (2) and price sensitivity (3).
//!
//! Formats read:
//! - `olist`: the Olist Brazilian e-commerce reviews (CSV with `review_score`,
//!   `review_comment_title`, `review_comment_message`); stars 1–2 negative, 3 neutral, 4–5
//!   positive; reviews without text are skipped and counted.
//! - `vader`: the ground-truth files of VADER's paper (`ID<TAB>MEAN<TAB>TEXT`, the mean of
//!   human ratings on -4..4); a mean of +0.5 or more is positive, -0.5 or less negative, the
//!   rest neutral (half-way to the raters' first non-neutral grade).
//! - `binary`: a JSON array of `{"text": …, "class": 0 | 1}` (negative / positive), the UCI
//!   "Sentiment Labelled Sentences" fixtures of npm `sentiment` 5.0.2; two gold classes, so
//!   a `neutral` answer counts as wrong; items without a class are skipped and counted.
//! - `klass`: JSON Lines `{"text": …, "klass": …}` as the tests of PyPI `EvoMSA` 2.0.14
//!   ship them (`EvoMSA/tests/tweets.json`, 1,000 Spanish tweets, Apache-2.0): `P` / `POS`
//!   positive, `N` / `NEG` negative, `NONE` (no sentiment) and `NEU` (mixed) neutral.
//! - `chat`: hyperseg's labelled chat messages (CSV `lang,text,intent,price`), for intent and
//!   price.

use super::EnrichError;
use super::classify::{Classifier, Lang, Price, Scratch};
use serde::Serialize;
use std::path::Path;

/// Which labelled format a file is in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EvalFormat {
    Olist,
    Vader,
    Binary,
    Klass,
    Chat,
}

/// Which items of a file to measure: all, or one of two halves (items in file order, even
/// positions the tuning half, odd ones the test half), so that anything tuned on one half is
/// reported on the other.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Part {
    All,
    Tune,
    Test,
}

impl Part {
    fn keeps(self, index: usize) -> bool {
        match self {
            Part::All => true,
            Part::Tune => index.is_multiple_of(2),
            Part::Test => !index.is_multiple_of(2),
        }
    }
}

/// Sentiment accuracy had the neutral band been `band` (compound scores within ±band neutral).
#[derive(Clone, Debug, Serialize)]
pub struct BandAccuracy {
    pub band: f32,
    pub accuracy: f64,
}

/// A labelled text.
struct Item {
    text: String,
    /// Gold labels: sentiment, intent, price (each when the format has it).
    sentiment: Option<&'static str>,
    intent: Option<&'static str>,
    price: Option<&'static str>,
}

/// Precision and recall of one class.
#[derive(Clone, Debug, Serialize)]
pub struct ClassFigures {
    pub class: String,
    /// Items whose gold label is this class.
    pub gold: usize,
    /// Items predicted as this class.
    pub predicted: usize,
    pub precision: f64,
    pub recall: f64,
}

/// The figures of one task on one file.
#[derive(Clone, Debug, Serialize)]
pub struct TaskFigures {
    /// `sentiment`, `intent` or `price`.
    pub task: &'static str,
    pub items: usize,
    pub accuracy: f64,
    pub classes: Vec<ClassFigures>,
}

/// What an evaluation found.
#[derive(Clone, Debug, Serialize)]
pub struct EvalReport {
    pub file: String,
    pub lang: Lang,
    pub part: Part,
    pub items: usize,
    /// Rows without text.
    pub skipped: usize,
    /// Share of items the language detector put in `lang` (classification itself used `lang`).
    pub detected_as_lang: f64,
    /// Share of items detected as `unknown`.
    pub detected_unknown: f64,
    pub tasks: Vec<TaskFigures>,
    /// Sentiment accuracy under other neutral bands (empty without sentiment labels).
    pub bands: Vec<BandAccuracy>,
    /// The first misclassified items (as many as asked for), to read.
    pub misses: Vec<Miss>,
}

/// A misclassified item.
#[derive(Clone, Debug, Serialize)]
pub struct Miss {
    pub task: &'static str,
    pub gold: &'static str,
    pub predicted: &'static str,
    pub text: String,
}

/// Evaluates the classifiers on a labelled file written in `lang`, listing up to `misses`
/// misclassified items.
pub fn evaluate(
    path: &Path,
    format: EvalFormat,
    lang: Lang,
    part: Part,
    misses: usize,
) -> Result<EvalReport, EnrichError> {
    let (mut items, skipped) = match format {
        EvalFormat::Olist => read_olist(path)?,
        EvalFormat::Vader => read_vader(path)?,
        EvalFormat::Binary => read_binary(path)?,
        EvalFormat::Klass => read_klass(path)?,
        EvalFormat::Chat => read_chat(path, lang)?,
    };
    let mut index = 0;
    items.retain(|_| {
        index += 1;
        part.keeps(index - 1)
    });
    let c = Classifier::get();
    let mut scratch = Scratch::default();
    let mut pairs: [Vec<(&'static str, &'static str)>; 3] = Default::default();
    let (mut same, mut unknown) = (0usize, 0usize);
    let mut missed = Vec::new();
    let mut scored = Vec::new(); // (gold sentiment, compound score)
    let mut miss = |task, gold: &'static str, predicted: &'static str, text: &str| {
        if gold != predicted && missed.len() < misses {
            missed.push(Miss { task, gold, predicted, text: text.to_owned() });
        }
    };
    for item in &items {
        let detected = c.classify(&item.text, None, &mut scratch).lang;
        same += usize::from(detected == lang);
        unknown += usize::from(detected == Lang::Unknown);
        let got = c.classify(&item.text, Some(lang), &mut scratch);
        if let Some(g) = item.sentiment {
            scored.push((g, got.score));
        }
        let predicted =
            [got.sentiment().code(), if got.intent { "intent" } else { "other" }, got.price().code()];
        let gold = [item.sentiment, item.intent, item.price];
        for (task, (g, p)) in gold.into_iter().zip(predicted).enumerate() {
            if let Some(g) = g {
                pairs[task].push((g, p));
                miss(["sentiment", "intent", "price"][task], g, p, &item.text);
            }
        }
    }
    let classes: [&[&str]; 3] =
        [&["positive", "negative", "neutral"], &["intent", "other"], &["sensitive", "insensitive", "none"]];
    let tasks = ["sentiment", "intent", "price"]
        .into_iter()
        .zip(pairs.iter().zip(classes))
        .filter(|(_, (p, _))| !p.is_empty())
        .map(|(task, (p, cls))| figures(task, p, cls))
        .collect();
    let n = items.len().max(1) as f64;
    Ok(EvalReport {
        file: path.display().to_string(),
        lang,
        part,
        bands: band_sweep(&scored),
        items: items.len(),
        skipped,
        detected_as_lang: same as f64 / n,
        detected_unknown: unknown as f64 / n,
        tasks,
        misses: missed,
    })
}

/// Sentiment accuracy for neutral bands 0.05, 0.10, … 0.50.
fn band_sweep(scored: &[(&str, f32)]) -> Vec<BandAccuracy> {
    if scored.is_empty() {
        return Vec::new();
    }
    (1..=10)
        .map(|k| {
            let band = 0.05 * k as f32;
            let right = scored
                .iter()
                .filter(|(gold, s)| {
                    let p = if *s >= band {
                        "positive"
                    } else if *s <= -band {
                        "negative"
                    } else {
                        "neutral"
                    };
                    p == *gold
                })
                .count();
            BandAccuracy { band, accuracy: right as f64 / scored.len() as f64 }
        })
        .collect()
}

fn figures(task: &'static str, pairs: &[(&str, &str)], classes: &[&str]) -> TaskFigures {
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let right = pairs.iter().filter(|(g, p)| g == p).count();
    let classes = classes
        .iter()
        .map(|&cls| {
            let gold = pairs.iter().filter(|(g, _)| *g == cls).count();
            let predicted = pairs.iter().filter(|(_, p)| *p == cls).count();
            let hit = pairs.iter().filter(|(g, p)| *g == cls && *p == cls).count();
            ClassFigures {
                class: cls.to_owned(),
                gold,
                predicted,
                precision: ratio(hit, predicted),
                recall: ratio(hit, gold),
            }
        })
        .collect();
    TaskFigures { task, items: pairs.len(), accuracy: ratio(right, pairs.len()), classes }
}

fn bad(path: &Path, line: usize, what: impl Into<String>) -> EnrichError {
    EnrichError::Input { file: path.display().to_string(), line, message: what.into() }
}

fn csv_reader(path: &Path) -> Result<csv::Reader<std::fs::File>, EnrichError> {
    csv::ReaderBuilder::new().flexible(false).from_path(path).map_err(|e| bad(path, 0, e.to_string()))
}

fn column(headers: &csv::StringRecord, path: &Path, name: &str) -> Result<usize, EnrichError> {
    headers.iter().position(|h| h == name).ok_or_else(|| bad(path, 1, format!("no column named {name}")))
}

fn line_of(r: &csv::StringRecord) -> usize {
    r.position().map_or(0, |p| p.line() as usize)
}

fn read_olist(path: &Path) -> Result<(Vec<Item>, usize), EnrichError> {
    let mut rdr = csv_reader(path)?;
    let h = rdr.headers().map_err(|e| bad(path, 1, e.to_string()))?.clone();
    let (score, title, message) = (
        column(&h, path, "review_score")?,
        column(&h, path, "review_comment_title")?,
        column(&h, path, "review_comment_message")?,
    );
    let (mut items, mut skipped) = (Vec::new(), 0);
    for r in rdr.records() {
        let r = r.map_err(|e| bad(path, 0, e.to_string()))?;
        let stars: u8 =
            r[score].trim().parse().map_err(|_| bad(path, line_of(&r), "review_score is not 1-5"))?;
        let text = [&r[title], &r[message]]
            .iter()
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
            .collect::<Vec<_>>()
            .join(". ");
        if text.is_empty() {
            skipped += 1;
            continue;
        }
        let sentiment = match stars {
            1 | 2 => "negative",
            3 => "neutral",
            4 | 5 => "positive",
            _ => return Err(bad(path, line_of(&r), "review_score is not 1-5")),
        };
        items.push(Item { text, sentiment: Some(sentiment), intent: None, price: None });
    }
    Ok((items, skipped))
}

fn read_vader(path: &Path) -> Result<(Vec<Item>, usize), EnrichError> {
    let raw = std::fs::read(path).map_err(|e| bad(path, 0, e.to_string()))?;
    // The files are mostly UTF-8 with a few Latin-1 bytes; those become U+FFFD.
    let text = String::from_utf8_lossy(&raw);
    let (mut items, mut skipped) = (Vec::new(), 0);
    for (i, line) in text.lines().enumerate() {
        let mut parts = line.splitn(3, '\t');
        let (Some(_), Some(mean), Some(body)) = (parts.next(), parts.next(), parts.next()) else {
            skipped += usize::from(!line.trim().is_empty());
            continue;
        };
        let mean: f64 = mean.trim().parse().map_err(|_| bad(path, i + 1, "the rating is not a number"))?;
        let sentiment = if mean >= 0.5 {
            "positive"
        } else if mean <= -0.5 {
            "negative"
        } else {
            "neutral"
        };
        items.push(Item { text: body.to_owned(), sentiment: Some(sentiment), intent: None, price: None });
    }
    Ok((items, skipped))
}

fn read_binary(path: &Path) -> Result<(Vec<Item>, usize), EnrichError> {
    #[derive(serde::Deserialize)]
    struct Labelled {
        text: String,
        class: Option<u8>,
    }
    let raw = std::fs::read(path).map_err(|e| bad(path, 0, e.to_string()))?;
    let rows: Vec<Labelled> = serde_json::from_slice(&raw)
        .map_err(|e| bad(path, e.line(), format!("not a JSON array of {{text, class}}: {e}")))?;
    let total = rows.len();
    let items: Vec<Item> = rows
        .into_iter()
        .filter_map(|r| {
            let sentiment = match r.class? {
                0 => "negative",
                _ => "positive",
            };
            Some(Item { text: r.text, sentiment: Some(sentiment), intent: None, price: None })
        })
        .collect();
    let unlabelled = total - items.len();
    Ok((items, unlabelled))
}

fn read_klass(path: &Path) -> Result<(Vec<Item>, usize), EnrichError> {
    #[derive(serde::Deserialize)]
    struct Labelled {
        text: String,
        klass: String,
    }
    let raw = std::fs::read_to_string(path).map_err(|e| bad(path, 0, e.to_string()))?;
    let (mut items, mut skipped) = (Vec::new(), 0);
    for (i, line) in raw.lines().enumerate() {
        if line.trim().is_empty() {
            skipped += 1;
            continue;
        }
        let r: Labelled =
            serde_json::from_str(line).map_err(|e| bad(path, i + 1, format!("not {{text, klass}}: {e}")))?;
        let sentiment = match r.klass.as_str() {
            "P" | "POS" => "positive",
            "N" | "NEG" => "negative",
            "NONE" | "NEU" => "neutral",
            k => return Err(bad(path, i + 1, format!("klass {k:?} is not P, N, NEU or NONE"))),
        };
        items.push(Item { text: r.text, sentiment: Some(sentiment), intent: None, price: None });
    }
    Ok((items, skipped))
}

fn read_chat(path: &Path, lang: Lang) -> Result<(Vec<Item>, usize), EnrichError> {
    let mut rdr = csv_reader(path)?;
    let h = rdr.headers().map_err(|e| bad(path, 1, e.to_string()))?.clone();
    let (l, text, intent, price) = (
        column(&h, path, "lang")?,
        column(&h, path, "text")?,
        column(&h, path, "intent")?,
        column(&h, path, "price")?,
    );
    let mut items = Vec::new();
    let mut skipped = 0;
    for r in rdr.records() {
        let r = r.map_err(|e| bad(path, 0, e.to_string()))?;
        if r[l].trim() != lang.code() {
            skipped += 1;
            continue;
        }
        let intent = match r[intent].trim() {
            "intent" => "intent",
            "other" => "other",
            v => return Err(bad(path, line_of(&r), format!("intent {v:?} is not intent or other"))),
        };
        let price = match r[price].trim() {
            "sensitive" => Price::Sensitive.code(),
            "insensitive" => Price::Insensitive.code(),
            "none" => Price::None.code(),
            v => {
                return Err(bad(
                    path,
                    line_of(&r),
                    format!("price {v:?} is not sensitive, insensitive or none"),
                ));
            }
        };
        items.push(Item {
            text: r[text].to_owned(),
            sentiment: None,
            intent: Some(intent),
            price: Some(price),
        });
    }
    Ok((items, skipped))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn halves_split_items_by_position() {
        let tune: Vec<usize> = (0..6).filter(|&i| Part::Tune.keeps(i)).collect();
        let test: Vec<usize> = (0..6).filter(|&i| Part::Test.keeps(i)).collect();
        assert_eq!((tune, test), (vec![0, 2, 4], vec![1, 3, 5]));
        assert!((0..6).all(|i| Part::All.keeps(i)));
    }

    #[test]
    fn labelled_tweets_and_sentences_read_into_three_classes() {
        let dir = tempfile::tempdir().unwrap();
        let klass = dir.path().join("tweets.json");
        std::fs::write(&klass, "{\"text\": \"a\", \"klass\": \"P\"}\n{\"text\": \"b\", \"klass\": \"NONE\"}\n{\"text\": \"c\", \"klass\": \"NEU\"}\n{\"text\": \"d\", \"klass\": \"N\"}\n").unwrap();
        let (items, _) = read_klass(&klass).unwrap();
        let got: Vec<_> = items.iter().map(|i| i.sentiment.unwrap()).collect();
        assert_eq!(got, ["positive", "neutral", "neutral", "negative"]);
        std::fs::write(&klass, "{\"text\": \"a\", \"klass\": \"X\"}\n").unwrap();
        let err = read_klass(&klass).err().expect("klass X is refused");
        assert!(err.to_string().contains("line 1"), "{err}");
        let binary = dir.path().join("amazon.json");
        std::fs::write(
            &binary,
            r#"[{"text":"good","class":1},{"text":"bad","class":0},{"text":"?","class":null}]"#,
        )
        .unwrap();
        let (items, skipped) = read_binary(&binary).unwrap();
        let got: Vec<_> = items.iter().map(|i| i.sentiment.unwrap()).collect();
        assert_eq!((got, skipped), (vec!["positive", "negative"], 1));
    }

    #[test]
    fn figures_count_precision_and_recall() {
        let pairs = [("a", "a"), ("a", "b"), ("b", "b"), ("b", "b")];
        let f = figures("t", &pairs, &["a", "b"]);
        assert_eq!(f.accuracy, 0.75);
        assert_eq!((f.classes[0].precision, f.classes[0].recall), (1.0, 0.5));
        assert_eq!((f.classes[1].precision, f.classes[1].recall), (2.0 / 3.0, 1.0));
    }
}
