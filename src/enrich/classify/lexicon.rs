//! The word lists, loaded once: every word gets an id, and every entry (a sentiment word, an
//! intensifier, a negation, a purchase or price cue, an emoji) is a phrase of one or more
//! word ids, listed under its first word. Matching a message is then integer comparisons.
//!
//! The lists live in `lexicons/` next to this file; `lexicons/SOURCES.md` says where each
//! comes from and under which licence.

use super::Lang;
use hashbrown::HashMap;

/// What a phrase of the lists means.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum Kind {
    /// A sentiment word or phrase, with its valence (VADER's -4..4 scale).
    Valence(f32),
    /// An intensifier (+) or dampener (-): the scalar VADER adds to the next sentiment word.
    Booster(f32),
    /// A negation: flips sentiment words and `flip` cues in the three words after it.
    Negation,
    /// Interest in buying.
    Intent,
    /// An existing order or a problem: weighs against intent.
    Support,
    /// Dissatisfaction with a price.
    Sensitive,
    /// Satisfaction with a price.
    Insensitive,
    /// Word classes of the general intent rules (`intent_rules.tsv`): something a buyer asks
    /// about, a buying verb, a wish that needs something to buy, a word opening a question,
    /// a word pointing at an item, a verb asking what the shop has, a possessive.
    Concept,
    Buy,
    Want,
    Opener,
    Thing,
    Have,
    Mine,
}

impl Kind {
    /// Whether the kind is a cue of intent or price (lists of one language each, searched in
    /// messages of unknown language too, with no sentiment of its own).
    pub fn is_cue(self) -> bool {
        !matches!(self, Kind::Valence(_) | Kind::Booster(_) | Kind::Negation)
    }
}

/// One entry of the lists.
#[derive(Clone, Debug)]
pub struct Phrase {
    pub words: Box<[u32]>,
    pub kind: Kind,
    /// The language of the list it comes from; `None` for emoji, which every language uses.
    pub lang: Option<Lang>,
    /// Whether a negation before it turns it around (cues only).
    pub flip: bool,
    /// A price cue that asks for a lower price or a deal (flag `ask`): it shows interest in
    /// buying too, so it also counts as intent.
    pub ask: bool,
    /// An intent cue that only counts in a question (flag `question`): "the price" asks to
    /// buy in "what's the price?", not in "the price is fair".
    pub question: bool,
    /// The phrase as listed, for explanations.
    pub text: Box<str>,
}

/// Languages a word is a function word of, as bits: pt, es, en, fr, it, de.
pub const LANGS: usize = 6;

/// What is known about one word.
#[derive(Clone, Debug, Default)]
pub struct WordInfo {
    /// Votes for each language (see [`LANGS`]); function words of several languages split one
    /// vote, a sentiment word listed for a single language gives half a vote.
    pub votes: [f32; LANGS],
    /// Phrases that start with this word, longest first.
    pub phrases: Vec<u32>,
    /// The same phrases by the language of their list: pt, es, en, then those of every
    /// language (emoji), so a message scans only its own language's.
    pub by_lang: [Vec<u32>; 4],
    /// Chat spelling: the standard words this one stands for ("vc" → "voce").
    pub replace: Option<Box<[u32]>>,
}

/// The loaded lists.
pub struct Lexicon {
    ids: HashMap<Box<str>, u32, ahash::RandomState>,
    pub words: Vec<WordInfo>,
    pub phrases: Vec<Phrase>,
}

macro_rules! list {
    ($name:literal) => {
        include_str!(concat!("lexicons/", $name))
    };
}

/// Data lines of a list: blank lines and `#` comments skipped, fields split on tabs.
fn lines(text: &str) -> impl Iterator<Item = Vec<&str>> {
    text.lines().filter(|l| !l.trim().is_empty() && !l.starts_with('#')).map(|l| l.split('\t').collect())
}

fn lang_code(code: &str) -> Lang {
    match code {
        "pt" => Lang::Pt,
        "es" => Lang::Es,
        "en" => Lang::En,
        other => panic!("lexicon names an unknown language {other:?}"),
    }
}

impl Lexicon {
    /// Builds the lexicon from the lists compiled into the binary.
    pub fn load() -> Lexicon {
        let mut lx = Lexicon {
            ids: HashMap::with_hasher(ahash::RandomState::with_seeds(1, 2, 3, 4)),
            words: Vec::new(),
            phrases: Vec::new(),
        };
        let valences = [
            (Lang::Pt, list!("valence_pt.tsv")),
            (Lang::Es, list!("valence_es.tsv")),
            (Lang::En, list!("valence_en.tsv")),
        ];
        let overrides: Vec<Vec<&str>> =
            lines(list!("overrides.tsv")).chain(lines(list!("commerce.tsv"))).collect();
        for (lang, text) in valences {
            let mut entries: HashMap<&str, f32> =
                lines(text).filter_map(|f| Some((f[0], f.get(1)?.parse().ok()?))).collect();
            for o in overrides.iter().filter(|o| lang_code(o[0]) == lang) {
                match o[2] {
                    "-" => entries.remove(o[1]),
                    v => entries.insert(o[1], v.parse().expect("override valence is a number")),
                };
            }
            let mut sorted: Vec<(String, f32)> = entries.iter().map(|(w, v)| (w.to_string(), *v)).collect();
            // ML-SentiCon lists lemmas ("bueno", "gustar"), LeIA mostly one gender ("otimo",
            // "linda"); chats write "buena", "gusta", "otima", "lindo", "rapidinho". Forms a
            // list lacks get the valence of the word they come from.
            let forms: fn(&str) -> Vec<String> = match lang {
                Lang::Es => spanish_forms,
                Lang::Pt => portuguese_forms,
                _ => |_| Vec::new(),
            };
            sorted.extend(
                entries
                    .iter()
                    .flat_map(|(w, v)| forms(w).into_iter().map(move |f| (f, *v)))
                    .filter(|(f, _)| !entries.contains_key(f.as_str())),
            );
            sorted.sort_by(|a, b| a.0.cmp(&b.0));
            sorted.dedup_by(|a, b| a.0 == b.0);
            for (w, v) in sorted {
                lx.add(&w, Kind::Valence(v), Some(lang), false);
            }
        }
        lx.load_modifiers();
        for (lang, text) in [
            (Lang::Pt, list!("cues_pt.tsv")),
            (Lang::Es, list!("cues_es.tsv")),
            (Lang::En, list!("cues_en.tsv")),
        ] {
            for f in lines(text) {
                let kind = match f[0] {
                    "intent" => Kind::Intent,
                    "support" => Kind::Support,
                    "sensitive" => Kind::Sensitive,
                    "insensitive" => Kind::Insensitive,
                    other => panic!("unknown cue kind {other:?}"),
                };
                let flags: Vec<&str> = f[1].split(',').collect();
                if let Some(bad) = flags.iter().find(|f| !["-", "flip", "ask", "question"].contains(f)) {
                    panic!("unknown cue flag {bad:?}");
                }
                lx.add(f[2], kind, Some(lang), flags.contains(&"flip"));
                if let Some(p) = lx.phrases.last_mut().filter(|p| &*p.text == f[2]) {
                    p.ask = flags.contains(&"ask");
                    p.question = flags.contains(&"question");
                }
            }
        }
        for f in lines(list!("intent_rules.tsv")) {
            let kind = match f[1] {
                "concept" => Kind::Concept,
                "buy" => Kind::Buy,
                "want" => Kind::Want,
                "opener" => Kind::Opener,
                "thing" => Kind::Thing,
                "have" => Kind::Have,
                "mine" => Kind::Mine,
                other => panic!("unknown intent rule class {other:?}"),
            };
            let flip = matches!(kind, Kind::Buy | Kind::Want);
            for phrase in f[2].split(',').map(str::trim).filter(|p| !p.is_empty()) {
                lx.add(phrase, kind, Some(lang_code(f[0])), flip);
            }
        }
        for f in lines(list!("emoji.tsv")) {
            lx.add(f[0], Kind::Valence(f[1].parse().expect("emoji valence is a number")), None, false);
        }
        lx.load_votes();
        lx.load_spelling();
        for w in &mut lx.words {
            let phrases = &lx.phrases;
            // Longest first; at equal length a negation or an intensifier wins over a
            // sentiment word ("nada", "super" are both in some lists).
            w.phrases.sort_by_key(|&p| {
                let p = &phrases[p as usize];
                let rank = match p.kind {
                    Kind::Negation => 0,
                    Kind::Booster(_) => 1,
                    _ => 2,
                };
                (std::cmp::Reverse(p.words.len()), rank)
            });
            for &p in &w.phrases {
                let slot = phrases[p as usize].lang.map_or(3, |l| l as usize);
                w.by_lang[slot].push(p);
            }
        }
        lx
    }

    /// Intensifiers and negations of the three languages.
    fn load_modifiers(&mut self) {
        for (lang, text) in [
            (Lang::Pt, list!("booster_pt.tsv")),
            (Lang::Es, list!("booster_es.tsv")),
            (Lang::En, list!("booster_en.tsv")),
        ] {
            for f in lines(text) {
                self.add(f[0], Kind::Booster(f[1].parse().expect("booster scalar")), Some(lang), false);
            }
        }
        for f in lines(list!("booster_extra.tsv")) {
            self.add(
                f[1],
                Kind::Booster(f[2].parse().expect("booster scalar")),
                Some(lang_code(f[0])),
                false,
            );
        }
        for (lang, text) in [
            (Lang::Pt, list!("negation_pt.txt")),
            (Lang::Es, list!("negation_es.txt")),
            (Lang::En, list!("negation_en.txt")),
        ] {
            for f in lines(text) {
                self.add(f[0], Kind::Negation, Some(lang), false);
            }
        }
        for f in lines(list!("negation_extra.tsv")) {
            self.add(f[1], Kind::Negation, Some(lang_code(f[0])), false);
        }
    }

    /// Language votes: function words, and sentiment words listed for one language only.
    fn load_votes(&mut self) {
        let mut single = vec![[false; 3]; self.words.len()];
        for p in &self.phrases {
            if let (Kind::Valence(_), Some(lang), [w]) = (p.kind, p.lang, &p.words[..]) {
                single[*w as usize][lang as usize] = true;
            }
        }
        for (w, langs) in single.iter().enumerate() {
            if langs.iter().filter(|&&b| b).count() == 1 {
                let l = langs.iter().position(|&b| b).expect("one language");
                self.words[w].votes[l] += 0.5;
            }
        }
        let mut stop: HashMap<&str, Vec<usize>> = HashMap::new();
        for f in lines(list!("stopwords.tsv")) {
            let l =
                ["pt", "es", "en", "fr", "it", "de"].iter().position(|&c| c == f[0]).expect("language code");
            for w in f[1].split(' ').filter(|w| !w.is_empty()) {
                stop.entry(w).or_default().push(l);
            }
        }
        for (w, langs) in stop {
            let id = self.id_or_new(w);
            for l in &langs {
                self.words[id as usize].votes[*l] += 1.0 / langs.len() as f32;
            }
        }
    }

    fn load_spelling(&mut self) {
        for f in lines(list!("chat_spelling.tsv")) {
            let to: Box<[u32]> = f[1].split(' ').map(|w| self.id_or_new(w)).collect();
            let from = self.id_or_new(f[0]);
            if to[..] != [from] {
                self.words[from as usize].replace = Some(to);
            }
        }
    }

    fn id_or_new(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.ids.get(word) {
            return id;
        }
        let id = self.words.len() as u32;
        self.ids.insert(word.into(), id);
        self.words.push(WordInfo::default());
        id
    }

    fn add(&mut self, text: &str, kind: Kind, lang: Option<Lang>, flip: bool) {
        let words: Box<[u32]> =
            text.split(' ').filter(|w| !w.is_empty()).map(|w| self.id_or_new(w)).collect();
        let Some(&first) = words.first() else { return };
        let id = self.phrases.len() as u32;
        self.phrases.push(Phrase { words, kind, lang, flip, ask: false, question: false, text: text.into() });
        self.words[first as usize].phrases.push(id);
    }

    /// The id of a folded word, if any list has it.
    #[inline]
    pub fn id(&self, word: &str) -> Option<u32> {
        self.ids.get(word).copied()
    }
}

/// Inflected forms of a Spanish lemma: gender and number of adjectives and nouns, and the
/// present, preterite and participle forms chats use most of verbs.
fn spanish_forms(lemma: &str) -> Vec<String> {
    if lemma.contains(' ') || lemma.len() < 3 {
        return Vec::new();
    }
    let (stem, end) = lemma.split_at(lemma.len() - 2);
    match end {
        "ar" => ["a", "o", "an", "as", "e", "ado", "ada", "ados", "adas", "aba"]
            .iter()
            .map(|s| format!("{stem}{s}"))
            .collect(),
        "er" | "ir" => ["e", "o", "en", "es", "io", "ido", "ida", "idos", "idas", "ia"]
            .iter()
            .map(|s| format!("{stem}{s}"))
            .collect(),
        _ if lemma.ends_with('o') => {
            let base = &lemma[..lemma.len() - 1];
            ["a", "os", "as", "isimo", "isima"].iter().map(|s| format!("{base}{s}")).collect()
        }
        _ if lemma.ends_with('e') => vec![format!("{lemma}s")],
        _ if lemma.ends_with(|c: char| "lnrdz".contains(c)) => vec![format!("{lemma}es")],
        _ => vec![format!("{lemma}s")],
    }
}

/// Gender, number, superlative and diminutive forms of a Portuguese adjective or noun.
fn portuguese_forms(word: &str) -> Vec<String> {
    if word.contains(' ') || word.len() < 3 {
        return Vec::new();
    }
    let base = &word[..word.len() - 1];
    let suffixes: &[&str] = match word.as_bytes()[word.len() - 1] {
        b'o' | b'a' => &["o", "a", "os", "as", "issimo", "issima", "inho", "inha"],
        b'e' => &["es"],
        _ => return vec![format!("{word}s")],
    };
    suffixes.iter().map(|s| format!("{base}{s}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_list_loads_and_knows_its_words() {
        let lx = Lexicon::load();
        assert!(lx.phrases.len() > 20_000, "{} phrases", lx.phrases.len());
        let good = lx.id("good").expect("good is in VADER");
        assert!(
            lx.words[good as usize]
                .phrases
                .iter()
                .any(|&p| matches!(lx.phrases[p as usize].kind, Kind::Valence(v) if v > 1.0))
        );
        let vc = lx.id("vc").expect("chat spelling");
        assert_eq!(lx.words[vc as usize].replace.as_deref(), Some(&[lx.id("voce").unwrap()][..]));
        // "caro" is a price cue, not a sentiment word, in Portuguese.
        let caro = lx.id("caro").unwrap();
        assert!(!lx.words[caro as usize].phrases.iter().any(|&p| {
            let p = &lx.phrases[p as usize];
            p.lang == Some(Lang::Pt) && matches!(p.kind, Kind::Valence(_))
        }));
    }
}
