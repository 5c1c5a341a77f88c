//! Chat classifiers: language (pt / es / en / unknown), purchase intent, price sensitivity and
//! sentiment with a score. Deterministic, offline and explainable: every decision comes from
//! word lists shipped in `lexicons/` (sources and licences in `lexicons/SOURCES.md`), and
//! [`Classifier::explain`] returns the words and phrases that decided.
//!
//! Sentiment follows VADER (Hutto & Gilbert, 2014): each sentiment word's valence, raised by
//! an intensifier before it ("muito", "muy", "very"), flipped and damped by a negation in the
//! three words before it ("não gostei", "no me gusta", "not good"), raised for capitals,
//! weighted after "but"/"mas"/"pero", plus exclamation marks, normalised into a compound score
//! in -1..1. Intent and price are counted from cue phrases, with negation turning a cue
//! around ("não é caro" is satisfaction with the price). Beside the phrases, general intent
//! rules read word classes (`lexicons/intent_rules.tsv`): a question naming something a buyer
//! asks about (price, stock, size, delivery, payment), a question whether the shop still has
//! an item it points at, a buying verb, or a wish with something to buy is interest in
//! buying, unless the message is a complaint, gives an opinion of a price, or speaks of an
//! order already made ("meu pagamento").

mod lang;
pub mod lexicon;
mod score;
pub mod tokens;

use lexicon::Lexicon;
use serde::Serialize;
use std::sync::OnceLock;
pub use tokens::Scratch;

/// A message's language.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, PartialOrd, Ord)]
#[serde(rename_all = "lowercase")]
pub enum Lang {
    Pt = 0,
    Es = 1,
    En = 2,
    /// Another language, or too little text to tell.
    Unknown = 3,
}

impl Lang {
    pub const KNOWN: [Lang; 3] = [Lang::Pt, Lang::Es, Lang::En];

    pub fn code(self) -> &'static str {
        match self {
            Lang::Pt => "pt",
            Lang::Es => "es",
            Lang::En => "en",
            Lang::Unknown => "unknown",
        }
    }

    /// `pt`, `es`, `en` or `unknown`.
    pub fn parse(code: &str) -> Option<Lang> {
        [Lang::Pt, Lang::Es, Lang::En, Lang::Unknown].into_iter().find(|l| l.code() == code)
    }
}

/// Price sensitivity.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Price {
    Sensitive,
    Insensitive,
    None,
}

impl Price {
    pub fn code(self) -> &'static str {
        match self {
            Price::Sensitive => "sensitive",
            Price::Insensitive => "insensitive",
            Price::None => "none",
        }
    }

    /// The class of a net signal (sensitive cues minus insensitive ones).
    pub fn of_signal(signal: i32) -> Price {
        match signal.signum() {
            1 => Price::Sensitive,
            -1 => Price::Insensitive,
            _ => Price::None,
        }
    }
}

/// Sentiment.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Sentiment {
    Positive,
    Negative,
    Neutral,
}

/// Compound scores at or beyond ±this are positive or negative (VADER's threshold).
pub const NEUTRAL_BAND: f32 = 0.05;

impl Sentiment {
    pub fn code(self) -> &'static str {
        match self {
            Sentiment::Positive => "positive",
            Sentiment::Negative => "negative",
            Sentiment::Neutral => "neutral",
        }
    }

    /// The class of a compound score.
    pub fn of_score(score: f32) -> Sentiment {
        if score >= NEUTRAL_BAND {
            Sentiment::Positive
        } else if score <= -NEUTRAL_BAND {
            Sentiment::Negative
        } else {
            Sentiment::Neutral
        }
    }
}

/// What one message says.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Classified {
    pub lang: Lang,
    /// Shows interest in buying.
    pub intent: bool,
    /// Sensitive cues minus insensitive ones.
    pub price_signal: i32,
    /// VADER's compound score, -1..1.
    pub score: f32,
}

impl Classified {
    pub fn price(&self) -> Price {
        Price::of_signal(self.price_signal)
    }

    pub fn sentiment(&self) -> Sentiment {
        Sentiment::of_score(self.score)
    }
}

/// A word or phrase that counted, and for what.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Evidence {
    /// `sentiment`, `intent`, `support`, `sensitive` or `insensitive`.
    pub class: &'static str,
    /// The phrase as the word list has it (folded).
    pub phrase: String,
    /// The valence it added (sentiment only).
    pub valence: f32,
    /// Turned around by a negation before it.
    pub negated: bool,
}

/// The classifiers with their word lists.
pub struct Classifier {
    lx: Lexicon,
    /// Words that shift weight to what follows: "but", "mas", "pero".
    buts: [u32; 3],
}

impl Classifier {
    /// The shared classifier (the word lists are parsed on first use, a few milliseconds).
    pub fn get() -> &'static Classifier {
        static C: OnceLock<Classifier> = OnceLock::new();
        C.get_or_init(|| {
            let lx = Lexicon::load();
            let buts = ["but", "mas", "pero"].map(|w| lx.id(w).unwrap_or(tokens::UNKNOWN));
            Classifier { lx, buts }
        })
    }

    /// Classifies one message; `lang` forces the language instead of detecting it.
    pub fn classify(&self, text: &str, lang: Option<Lang>, scratch: &mut Scratch) -> Classified {
        scratch.tokenize(&self.lx, text);
        let lang = lang.unwrap_or_else(|| lang::detect(&self.lx, scratch));
        score::score(self, scratch, lang, None)
    }

    /// [`Classifier::classify`], with the words and phrases that decided.
    pub fn explain(&self, text: &str, lang: Option<Lang>) -> (Classified, Vec<Evidence>) {
        let mut scratch = Scratch::default();
        scratch.tokenize(&self.lx, text);
        let lang = lang.unwrap_or_else(|| lang::detect(&self.lx, &scratch));
        let mut evidence = Vec::new();
        let c = score::score(self, &scratch, lang, Some(&mut evidence));
        (c, evidence)
    }
}

#[cfg(test)]
mod tests;
