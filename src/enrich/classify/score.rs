//! Scoring one tokenised message: phrase matching, then VADER's rules for sentiment and cue
//! counts for intent and price.

use super::lexicon::{Kind, Phrase};
use super::tokens::{Scratch, Tok, UNKNOWN};
use super::{Classified, Classifier, Evidence, Lang};

/// VADER's constants (vaderSentiment 3.3.2).
const CAPS_INCR: f32 = 0.733;
const NEGATION_SCALAR: f32 = -0.74;
const EXCLAIM_INCR: f32 = 0.292;
const ALPHA: f32 = 15.0;
/// Weight of sentiment before and after "but".
const BEFORE_BUT: f32 = 0.5;
const AFTER_BUT: f32 = 1.5;
/// How far back an intensifier or a negation reaches.
const WINDOW: usize = 3;
/// Intensifiers fade with distance: 1, 0.95, 0.9 (VADER).
const BOOST_DECAY: [f32; WINDOW] = [1.0, 0.95, 0.9];

fn lang_fits(p: &Phrase, lang: Lang, cue: bool) -> bool {
    match p.lang {
        None => true,
        // A message of unknown language is searched for cues of every language, but its
        // words get no sentiment: only emoji and emoticons count.
        Some(l) => l == lang || (cue && lang == Lang::Unknown),
    }
}

fn matches(p: &Phrase, toks: &[Tok]) -> bool {
    p.words.len() <= toks.len() && p.words.iter().zip(toks).all(|(w, t)| *w == t.id)
}

/// The sentiment-side role of a token: what phrase starts there, if any.
#[derive(Clone, Copy)]
enum Role {
    None,
    Valence(u32),
    Booster(f32),
    Negation,
}

/// Scores the message in `s`, written in `lang`; fills `evidence` when given.
pub fn score(
    c: &Classifier,
    s: &Scratch,
    lang: Lang,
    mut evidence: Option<&mut Vec<Evidence>>,
) -> Classified {
    let lx = &c.lx;
    let toks = &s.toks;
    let mut roles = [Role::None; 64];
    let n = toks.len();
    let mut role_at = |i: usize, r: Role| {
        if i < roles.len() {
            roles[i] = r;
        }
    };
    let mut covered = 0; // sentiment phrases do not overlap
    let (mut intent, mut support, mut price) = (0i32, 0i32, 0i32);
    let mut but_at = None;
    let mut negations = 0u64; // bit i: a negation at token i (first 64 tokens)
    for i in 0..n {
        let id = toks[i].id;
        if id == UNKNOWN {
            continue;
        }
        if c.buts.contains(&id) && but_at.is_none() {
            but_at = Some(i);
        }
        let mut cue_kinds = 0u8;
        let w = &lx.words[id as usize];
        let lists: [&[u32]; 4] = if lang == Lang::Unknown {
            [&w.by_lang[0], &w.by_lang[1], &w.by_lang[2], &w.by_lang[3]]
        } else {
            [&w.by_lang[lang as usize], &w.by_lang[3], &[], &[]]
        };
        for &p in lists.iter().flat_map(|l| l.iter()) {
            let phrase = &lx.phrases[p as usize];
            let is_cue =
                matches!(phrase.kind, Kind::Intent | Kind::Support | Kind::Sensitive | Kind::Insensitive);
            if !lang_fits(phrase, lang, is_cue) || !matches(phrase, &toks[i..]) {
                continue;
            }
            if !is_cue {
                if i >= covered {
                    covered = i + phrase.words.len();
                    match phrase.kind {
                        Kind::Valence(_) => role_at(i, Role::Valence(p)),
                        Kind::Booster(b) => role_at(i, Role::Booster(b)),
                        Kind::Negation => {
                            role_at(i, Role::Negation);
                            if i < 64 {
                                negations |= 1 << i;
                            }
                        }
                        _ => {}
                    }
                }
                continue;
            }
            let bit = match phrase.kind {
                Kind::Intent => 1u8,
                Kind::Support => 2,
                Kind::Sensitive => 4,
                _ => 8,
            };
            if cue_kinds & bit != 0 {
                continue; // the longest cue of a kind at a position counts, once
            }
            if phrase.question && s.questions == 0 {
                continue; // a price mention outside a question is no request to buy
            }
            cue_kinds |= bit;
            let negated = phrase.flip && negated_before(toks, negations, i);
            if phrase.ask && !negated {
                intent += 1; // asking for a discount or a deal is interest in buying
                if let Some(ev) = evidence.as_deref_mut() {
                    let text = phrase.text.to_string();
                    ev.push(Evidence { class: "intent", phrase: text, valence: 0.0, negated });
                }
            }
            let class = match (phrase.kind, negated) {
                (Kind::Intent, false) => {
                    intent += 1;
                    "intent"
                }
                (Kind::Support, false) => {
                    support += 1;
                    "support"
                }
                (Kind::Sensitive, false) | (Kind::Insensitive, true) => {
                    price += 1;
                    "sensitive"
                }
                (Kind::Sensitive, true) | (Kind::Insensitive, false) => {
                    price -= 1;
                    "insensitive"
                }
                _ => continue, // a negated intent or support cue says nothing
            };
            if let Some(ev) = evidence.as_deref_mut() {
                ev.push(Evidence { class, phrase: phrase.text.to_string(), valence: 0.0, negated });
            }
        }
    }
    let sum = sentiment_sum(c, s, &roles[..n.min(64)], negations, but_at, evidence);
    Classified { lang, intent: intent > 0 && intent > support, price_signal: price, score: normalize(sum) }
}

/// Whether a negation stands in the [`WINDOW`] tokens before `i`, in its clause.
fn negated_before(toks: &[Tok], negations: u64, i: usize) -> bool {
    let lo = i.saturating_sub(WINDOW);
    (lo..i.min(64)).any(|j| negations & (1 << j) != 0 && toks[j].clause == toks[i].clause)
}

/// VADER's sum of valences, with intensifiers, negation, capitals, "but" and exclamations.
fn sentiment_sum(
    c: &Classifier,
    s: &Scratch,
    roles: &[Role],
    negations: u64,
    but_at: Option<usize>,
    mut evidence: Option<&mut Vec<Evidence>>,
) -> f32 {
    let shouting = s.caps_words < s.letter_words; // capitals stand out only among lower case
    let mut sum = 0f32;
    for (i, role) in roles.iter().enumerate() {
        let Role::Valence(p) = *role else { continue };
        let phrase = &c.lx.phrases[p as usize];
        let Kind::Valence(mut v) = phrase.kind else { continue };
        let sign = v.signum();
        if shouting && s.toks[i].caps {
            v += sign * CAPS_INCR;
        }
        for (k, decay) in BOOST_DECAY.iter().enumerate() {
            if let Some(Role::Booster(b)) = i.checked_sub(k + 1).map(|j| roles[j]) {
                v += sign * b * decay;
            }
        }
        // Emoji say what they say whatever words stand before them.
        let negated = phrase.lang.is_some() && negated_before(&s.toks, negations, i);
        if negated {
            v *= NEGATION_SCALAR;
        }
        match but_at {
            Some(b) if i < b => v *= BEFORE_BUT,
            Some(b) if i > b => v *= AFTER_BUT,
            _ => {}
        }
        if let Some(ev) = evidence.as_deref_mut() {
            ev.push(Evidence { class: "sentiment", phrase: phrase.text.to_string(), valence: v, negated });
        }
        sum += v;
    }
    if sum != 0.0 {
        sum += sum.signum() * s.exclaims.min(4) as f32 * EXCLAIM_INCR;
    }
    sum
}

/// VADER's normalisation into -1..1.
fn normalize(sum: f32) -> f32 {
    (sum / (sum * sum + ALPHA).sqrt()).clamp(-1.0, 1.0)
}
