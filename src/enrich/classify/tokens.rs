//! Chat text into word ids: lower case, accents removed, letters repeated three times or more
//! collapsed ("caroooo" → "caro", "goooood" → "good"), chat spellings replaced ("vc" →
//! "voce"), laughter ("kkkk", "hahaha", "jajaja", "rsrs") made one word, emoji and emoticons
//! kept as words of their own. Allocation-free once the scratch buffers have grown.

use super::lexicon::Lexicon;

/// A word not in any list.
pub const UNKNOWN: u32 = u32::MAX;

/// One word of a message.
#[derive(Clone, Copy, Debug)]
pub struct Tok {
    pub id: u32,
    /// Written in capitals (at least two letters, all upper case).
    pub caps: bool,
    /// The clause it is in: commas, full stops and other marks between words start a new one
    /// (a negation does not reach past them).
    pub clause: u16,
}

/// Reusable buffers, and what the last message held besides words.
#[derive(Default)]
pub struct Scratch {
    pub toks: Vec<Tok>,
    word: Vec<u8>,
    alt: Vec<u8>,
    /// Exclamation and question marks.
    pub exclaims: u32,
    pub questions: u32,
    /// Words that start with a digit ("2", "40", "100ml", "12x").
    pub numbers: u32,
    /// Letters only Portuguese (ã, õ, ç) or Spanish (ñ, ¿, ¡) writes.
    pub pt_letters: bool,
    pub es_letters: bool,
    clause: u16,
    /// Words written in capitals, and words with letters.
    pub caps_words: u32,
    pub letter_words: u32,
}

/// The ASCII letter an accented Latin letter folds to, with its case, or `None`.
#[inline]
fn fold_latin(c: char) -> Option<(u8, bool)> {
    let (base, upper) = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' => (b'a', false),
        'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => (b'a', true),
        'ç' => (b'c', false),
        'Ç' => (b'c', true),
        'è' | 'é' | 'ê' | 'ë' => (b'e', false),
        'È' | 'É' | 'Ê' | 'Ë' => (b'e', true),
        'ì' | 'í' | 'î' | 'ï' => (b'i', false),
        'Ì' | 'Í' | 'Î' | 'Ï' => (b'i', true),
        'ñ' => (b'n', false),
        'Ñ' => (b'n', true),
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' => (b'o', false),
        'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' => (b'o', true),
        'ù' | 'ú' | 'û' | 'ü' => (b'u', false),
        'Ù' | 'Ú' | 'Û' | 'Ü' => (b'u', true),
        'ý' | 'ÿ' => (b'y', false),
        'Ý' => (b'y', true),
        _ => return None,
    };
    Some((base, upper))
}

/// Emoticons made of punctuation, as listed in `emoji.tsv`.
const EMOTICONS: [&str; 10] = [":-)", ":-D", ":-(", ":-/", ":)", ":D", ";)", ":(", ":/", "<3"];

/// Whether `c` is a symbol that stands alone as a word (emoji, hearts, thumbs).
#[inline]
fn is_symbol(c: char) -> bool {
    matches!(c as u32, 0x2600..=0x27BF | 0x1F000..=0x1FAFF)
}

/// Whether `w` is laughter: "kk", "haha", "hehe", "jaja", "rsrs" and the like.
fn is_laughter(w: &[u8]) -> bool {
    if w.len() >= 2 && w.iter().all(|&b| b == b'k') {
        return true;
    }
    w.len() >= 4
        && w.chunks(2).all(|p| {
            matches!(p, b"ha" | b"he" | b"hi" | b"ja" | b"je" | b"ji" | b"rs" | b"ah" | b"eh" | b"h" | b"r")
        })
}

impl Scratch {
    /// Splits `text` into words, replacing `self.toks` and the counts.
    pub fn tokenize(&mut self, lx: &Lexicon, text: &str) {
        self.toks.clear();
        self.word.clear();
        self.exclaims = 0;
        self.questions = 0;
        self.numbers = 0;
        self.pt_letters = false;
        self.es_letters = false;
        self.caps_words = 0;
        self.letter_words = 0;
        self.clause = 0;
        let (mut upper, mut lower, mut stretched) = (0u32, 0u32, false);
        let bytes = text.as_bytes();
        let mut i = 0;
        while i < bytes.len() {
            let b = bytes[i];
            if b.is_ascii_alphanumeric() || (b == b'\'' && !self.word.is_empty()) {
                upper += u32::from(b.is_ascii_uppercase());
                lower += u32::from(b.is_ascii_lowercase());
                stretched |= self.push_letter(b.to_ascii_lowercase());
                i += 1;
                continue;
            }
            if b < 0x80 {
                self.end_word(lx, upper, lower, stretched);
                (upper, lower, stretched) = (0, 0, false);
                if matches!(b, b',' | b'.' | b';' | b'!' | b'?' | b'(' | b')' | b'\n') {
                    self.clause = self.clause.saturating_add(1);
                }
                match b {
                    b'!' => self.exclaims += 1,
                    b'?' => self.questions += 1,
                    b':' | b';' | b'<' => {
                        if let Some(e) = EMOTICONS.iter().find(|e| text[i..].starts_with(**e)) {
                            let after = bytes.get(i + e.len()).copied();
                            if after.is_none_or(|a| {
                                a.is_ascii_whitespace() || a == b'.' || a == b',' || a == b'!'
                            }) {
                                self.push_word_text(lx, e, false);
                                i += e.len();
                                continue;
                            }
                        }
                    }
                    _ => {}
                }
                i += 1;
                continue;
            }
            let c = text[i..].chars().next().expect("a char starts here");
            let len = c.len_utf8();
            if let Some((base, up)) = fold_latin(c) {
                self.pt_letters |= matches!(c, 'ã' | 'õ' | 'ç' | 'Ã' | 'Õ' | 'Ç');
                self.es_letters |= matches!(c, 'ñ' | 'Ñ');
                upper += u32::from(up);
                lower += u32::from(!up);
                stretched |= self.push_letter(base);
            } else if c == '’' && !self.word.is_empty() {
                self.word.push(b'\'');
            } else if c.is_alphabetic() {
                for l in c.to_lowercase() {
                    let mut buf = [0u8; 4];
                    self.word.extend_from_slice(l.encode_utf8(&mut buf).as_bytes());
                }
            } else {
                self.end_word(lx, upper, lower, stretched);
                (upper, lower, stretched) = (0, 0, false);
                self.es_letters |= matches!(c, '¿' | '¡');
                if is_symbol(c) {
                    let mut end = i + len;
                    // A variation selector (U+FE0F) after a symbol belongs to it.
                    if text[end..].starts_with('\u{fe0f}') {
                        end += 3;
                    }
                    let sym = &text[i..end];
                    let sym = if lx.id(sym).is_some() { sym } else { &text[i..i + len] };
                    self.push_word_text(lx, sym, false);
                    i = end;
                    continue;
                }
            }
            i += len;
        }
        self.end_word(lx, upper, lower, stretched);
    }

    /// Appends a letter, keeping at most two in a row; true when one was dropped.
    #[inline]
    fn push_letter(&mut self, b: u8) -> bool {
        let n = self.word.len();
        if n >= 2 && self.word[n - 1] == b && self.word[n - 2] == b && !b.is_ascii_digit() {
            return true;
        }
        self.word.push(b);
        false
    }

    fn end_word(&mut self, lx: &Lexicon, upper: u32, lower: u32, stretched: bool) {
        while self.word.last() == Some(&b'\'') {
            self.word.pop();
        }
        if self.word.is_empty() {
            return;
        }
        let caps = upper >= 2 && lower == 0;
        self.numbers += u32::from(self.word[0].is_ascii_digit());
        self.letter_words += 1;
        self.caps_words += u32::from(caps);
        let word = std::mem::take(&mut self.word);
        let text = std::str::from_utf8(&word).unwrap_or_default();
        let mut id = if is_laughter(&word) { lx.id("haha") } else { lx.id(text) };
        if id.is_none() && stretched {
            // "goood" was tried; now "god" → no, every doubled letter once: "caroo" → "caro".
            self.alt.clear();
            for &b in &word {
                if self.alt.last() != Some(&b) {
                    self.alt.push(b);
                }
            }
            id = lx.id(std::str::from_utf8(&self.alt).unwrap_or_default());
        }
        self.push_id(lx, id.unwrap_or(UNKNOWN), caps);
        self.word = word;
        self.word.clear();
    }

    fn push_word_text(&mut self, lx: &Lexicon, text: &str, caps: bool) {
        self.push_id(lx, lx.id(text).unwrap_or(UNKNOWN), caps);
    }

    fn push_id(&mut self, lx: &Lexicon, id: u32, caps: bool) {
        match lx.words.get(id as usize).and_then(|w| w.replace.as_deref()) {
            Some(standard) => {
                self.toks.extend(standard.iter().map(|&id| Tok { id, caps, clause: self.clause }))
            }
            None => self.toks.push(Tok { id, caps, clause: self.clause }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(lx: &Lexicon, text: &str) -> Vec<u32> {
        let mut s = Scratch::default();
        s.tokenize(lx, text);
        s.toks.iter().map(|t| t.id).collect()
    }

    #[test]
    fn folds_collapses_and_respells() {
        let lx = Lexicon::load();
        let id = |w: &str| lx.id(w).unwrap();
        assert_eq!(words(&lx, "Muuuito CAROOOO"), vec![id("muito"), id("caro")]);
        assert_eq!(words(&lx, "vc tem?"), vec![id("voce"), id("tem")]);
        assert_eq!(words(&lx, "Não gostei"), vec![id("nao"), id("gostei")]);
        assert_eq!(words(&lx, "soooo goooood"), vec![id("so"), id("good")]);
        assert_eq!(words(&lx, "kkkkkk"), vec![id("haha")]);
        assert_eq!(words(&lx, "jajajaja"), vec![id("haha")]);
        assert_eq!(words(&lx, "amei 😍😍"), vec![id("amei"), id("😍"), id("😍")]);
        assert_eq!(words(&lx, "don’t"), vec![id("don't")]);
        assert_eq!(words(&lx, "ok :) ótimo"), vec![id("ok"), id(":)"), id("otimo")]);
        assert!(!words(&lx, "http://x.y").contains(&id(":/")));
    }

    #[test]
    fn counts_marks_and_capitals() {
        let lx = Lexicon::load();
        let mut s = Scratch::default();
        s.tokenize(&lx, "¿Cuánto cuesta? GREAT!!! ação");
        assert_eq!((s.exclaims, s.questions), (3, 1));
        assert!(s.es_letters && s.pt_letters);
        assert!(s.toks[2].caps && !s.toks[0].caps);
    }
}
