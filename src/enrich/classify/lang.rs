//! Language detection by votes: function words ("o", "el", "the"), letters only one language
//! writes (ã, õ, ç; ñ, ¿, ¡), and sentiment words only one language's list has. French,
//! Italian and German function words vote too, so text in those languages is `unknown`
//! rather than guessed.

use super::Lang;
use super::lexicon::{LANGS, Lexicon};
use super::tokens::{Scratch, UNKNOWN};

/// The fewest votes that decide a language when no other language has any.
const MIN_ALONE: f32 = 0.5;
/// The fewest votes that decide a language against others.
const MIN_CONTESTED: f32 = 1.0;
/// How many times the runner-up's votes the winner needs.
const MARGIN: f32 = 1.5;

/// The language of the tokenised message in `s`.
pub fn detect(lx: &Lexicon, s: &Scratch) -> Lang {
    let mut votes = [0f32; LANGS];
    for t in &s.toks {
        if t.id != UNKNOWN {
            for (v, w) in votes.iter_mut().zip(&lx.words[t.id as usize].votes) {
                *v += w;
            }
        }
    }
    votes[Lang::Pt as usize] += if s.pt_letters { 1.0 } else { 0.0 };
    votes[Lang::Es as usize] += if s.es_letters { 1.0 } else { 0.0 };
    let (best, &top) = votes.iter().enumerate().max_by(|a, b| a.1.total_cmp(b.1)).expect("six languages");
    let second = votes.iter().enumerate().filter(|&(i, _)| i != best).map(|(_, &v)| v).fold(0f32, f32::max);
    let decided =
        if second == 0.0 { top >= MIN_ALONE } else { top >= MIN_CONTESTED && top >= MARGIN * second };
    match (decided, best) {
        (true, 0) => Lang::Pt,
        (true, 1) => Lang::Es,
        (true, 2) => Lang::En,
        _ => Lang::Unknown,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn lang(text: &str) -> Lang {
        let lx = Lexicon::load();
        let mut s = Scratch::default();
        s.tokenize(&lx, text);
        detect(&lx, &s)
    }

    #[test]
    fn tells_the_three_languages_apart() {
        assert_eq!(lang("oi, quanto custa esse tênis? vc tem no tamanho 40?"), Lang::Pt);
        assert_eq!(lang("hola, cuánto cuesta el envío a Madrid?"), Lang::Es);
        assert_eq!(lang("hi, how much is the shipping to Texas?"), Lang::En);
        assert_eq!(lang("não gostei"), Lang::Pt);
        assert_eq!(lang("no me gusta nada"), Lang::Es);
    }

    #[test]
    fn other_languages_and_noise_are_unknown() {
        assert_eq!(lang("bonjour, combien coûte la livraison pour Paris?"), Lang::Unknown);
        assert_eq!(lang("guten Tag, wie viel kostet das?"), Lang::Unknown);
        assert_eq!(lang("ciao, quanto costa la spedizione per Roma?"), Lang::Unknown);
        assert_eq!(lang("123 456"), Lang::Unknown);
        assert_eq!(lang("😀"), Lang::Unknown);
        assert_eq!(lang("Здравствуйте, сколько стоит?"), Lang::Unknown);
    }
}
