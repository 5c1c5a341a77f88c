//! Scoring one tokenised message: phrase matching, then VADER's rules for sentiment and cue
//! counts for intent and price.

use super::lexicon::{Kind, Lexicon, Phrase};
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
/// A compound score at or under this makes a message a complaint, which the general intent
/// rules leave alone (a single mildly negative word, -0.25, does not).
const COMPLAINT: f32 = -0.3;
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
    let mut cues = Cues::default();
    let mut but_at = None;
    let mut negations = 0u64; // bit i: a negation at token i (first 64 tokens)
    for i in 0..n {
        let id = toks[i].id;
        if id == UNKNOWN {
            continue;
        }
        if c.buts.contains(&id) {
            but_at = but_at.or(Some(i));
            cues.general.want = None; // "quero, mas…": a wish the message takes back
        }
        let mut cue_kinds = 0u16;
        let w = &lx.words[id as usize];
        let lists: [&[u32]; 4] = if lang == Lang::Unknown {
            [&w.by_lang[0], &w.by_lang[1], &w.by_lang[2], &w.by_lang[3]]
        } else {
            [&w.by_lang[lang as usize], &w.by_lang[3], &[], &[]]
        };
        for &p in lists.iter().flat_map(|l| l.iter()) {
            let phrase = &lx.phrases[p as usize];
            let is_cue = phrase.kind.is_cue();
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
            let bit = cue_bit(phrase.kind);
            if cue_kinds & bit != 0 {
                continue; // the longest cue of a kind at a position counts, once
            }
            if phrase.question && s.questions == 0 {
                continue; // a price mention outside a question is no request to buy
            }
            cue_kinds |= bit;
            let negated = phrase.flip && negated_before(toks, negations, i);
            cues.count(phrase, p, (negated, i, toks), evidence.as_deref_mut());
        }
    }
    let sum = sentiment_sum(c, s, &roles[..n.min(64)], negations, but_at, evidence.as_deref_mut());
    // A complaint is no request to buy, whatever concept it names.
    let complaint = normalize(sum) <= COMPLAINT;
    if let Some(why) = cues.general.decide(s).filter(|_| !complaint) {
        cues.intent = cues.intent.max(1);
        if let Some(ev) = evidence {
            ev.push(Evidence { class: "intent", phrase: why.text(&c.lx), valence: 0.0, negated: false });
        }
    }
    let intent = cues.intent > 0 && cues.intent > cues.support;
    Classified { lang, intent, price_signal: cues.price, score: normalize(sum) }
}

/// The bit of a cue kind, so that the longest cue of a kind at a position counts once.
fn cue_bit(kind: Kind) -> u16 {
    match kind {
        Kind::Intent => 1,
        Kind::Support => 2,
        Kind::Sensitive => 4,
        Kind::Insensitive => 8,
        Kind::Concept => 16,
        Kind::Buy | Kind::Want => 32,
        Kind::Opener => 64,
        Kind::Thing => 128,
        Kind::Have => 256,
        _ => 512,
    }
}

/// The cue counts of a message, and what the general intent rules saw.
#[derive(Default)]
struct Cues {
    intent: i32,
    support: i32,
    /// Sensitive cues minus insensitive ones.
    price: i32,
    general: General,
}

impl Cues {
    /// Counts cue `p` found at token `i` of `toks` (`negated` when a negation before turns it
    /// around), adding what decided to `evidence`.
    fn count(
        &mut self,
        phrase: &Phrase,
        p: u32,
        (negated, i, toks): (bool, usize, &[Tok]),
        mut evidence: Option<&mut Vec<Evidence>>,
    ) {
        if self.general.note(phrase, p, negated, i, toks) {
            return;
        }
        if phrase.ask && !negated {
            self.intent += 1; // asking for a discount or a deal is interest in buying
            if let Some(ev) = evidence.as_deref_mut() {
                ev.push(Evidence { class: "intent", phrase: phrase.text.to_string(), valence: 0.0, negated });
            }
        }
        let opinion = matches!(phrase.kind, Kind::Sensitive | Kind::Insensitive) && !phrase.ask;
        self.general.opinions += u32::from(opinion);
        let class = match (phrase.kind, negated) {
            (Kind::Intent, false) => {
                self.intent += 1;
                "intent"
            }
            (Kind::Support, false) => {
                self.support += 1;
                "support"
            }
            (Kind::Sensitive, false) | (Kind::Insensitive, true) => {
                self.price += 1;
                "sensitive"
            }
            (Kind::Sensitive, true) | (Kind::Insensitive, false) => {
                self.price -= 1;
                "insensitive"
            }
            _ => return, // a negated intent or support cue says nothing
        };
        if let Some(ev) = evidence {
            ev.push(Evidence { class, phrase: phrase.text.to_string(), valence: 0.0, negated });
        }
    }
}

/// What the general intent rules saw in a message: word classes of `intent_rules.tsv`, by the
/// first phrase of each class, and the price opinions given.
#[derive(Default)]
struct General {
    concept: Option<u32>,
    /// A `buy` verb, not negated.
    buy: Option<u32>,
    /// A `want` word, not negated, and its clause.
    want: Option<(u32, u16)>,
    /// A concept or pointing word after the `want` word, in its clause ("manda o catálogo").
    wanted: Option<u32>,
    thing: Option<u32>,
    have: Option<u32>,
    /// An opener at the start of a clause.
    opener: bool,
    /// Where the last possessive ends.
    mine_end: Option<usize>,
    /// Price cues that give an opinion of a price (not those asking for a deal).
    opinions: u32,
}

impl General {
    /// Notes phrase `p`, found at token `i` of `toks`, when it is of a rule class (true);
    /// other cues are left to the cue counts (false).
    fn note(&mut self, phrase: &Phrase, p: u32, negated: bool, i: usize, toks: &[Tok]) -> bool {
        match phrase.kind {
            // "meu pagamento", "my order": an order already made.
            Kind::Concept if self.mine_end.is_some_and(|e| e + 1 >= i) => {}
            Kind::Concept => {
                self.concept.get_or_insert(p);
                self.note_wanted(p, toks[i].clause);
            }
            Kind::Buy if !negated => _ = self.buy.get_or_insert(p),
            Kind::Want if !negated => _ = self.want.get_or_insert((p, toks[i].clause)),
            Kind::Buy | Kind::Want => {}
            Kind::Thing => {
                self.thing.get_or_insert(p);
                self.note_wanted(p, toks[i].clause);
            }
            Kind::Have => _ = self.have.get_or_insert(p),
            Kind::Opener => self.opener |= i == 0 || toks[i - 1].clause != toks[i].clause,
            Kind::Mine => self.mine_end = Some(i + phrase.words.len()),
            _ => return false,
        }
        true
    }

    fn note_wanted(&mut self, p: u32, clause: u16) {
        if self.want.is_some_and(|(_, c)| c == clause) {
            self.wanted.get_or_insert(p);
        }
    }

    /// Whether the message shows interest in buying by the general rules, and why: a
    /// question naming a concept, or asking whether the shop has an item it points at; a
    /// buying verb; a wish with something to buy after it in its clause (a concept, a
    /// pointing word) or a number. A message giving an opinion of a price is left to the cues.
    fn decide(&self, s: &Scratch) -> Option<Why> {
        if self.opinions > 0 {
            return None;
        }
        let question = s.questions > 0 || self.opener;
        let item = (self.thing.is_some() || s.numbers > 0).then_some(self.thing);
        match (question, self.concept, self.have, item) {
            (true, Some(c), _, _) => Some(Why::Question(c)),
            (true, None, Some(h), Some(what)) => Some(Why::Have(h, what)),
            _ => match (self.buy, self.want) {
                (Some(b), _) => Some(Why::Buy(b)),
                (None, Some((w, _))) => match self.wanted {
                    Some(what) => Some(Why::Want(w, Some(what))),
                    None => (s.numbers > 0).then_some(Why::Want(w, None)),
                },
                (None, None) => None,
            },
        }
    }
}

/// The phrases that made the general rules decide: ids of phrases; `None` stands for a number.
enum Why {
    Question(u32),
    Have(u32, Option<u32>),
    Buy(u32),
    Want(u32, Option<u32>),
}

impl Why {
    /// As `profiles show` lists it: `question about "preco"`, `tem … aquele?`, `quero … dois`.
    fn text(&self, lx: &Lexicon) -> String {
        let text = |p: u32| lx.phrases[p as usize].text.to_string();
        let what = |p: Option<u32>| p.map_or_else(|| "a number".to_owned(), text);
        match *self {
            Why::Question(c) => format!("question about \"{}\"", text(c)),
            Why::Have(h, w) => format!("{} … {}?", text(h), what(w)),
            Why::Buy(b) => text(b),
            Why::Want(w, x) => format!("{} … {}", text(w), what(x)),
        }
    }
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
