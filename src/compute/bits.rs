//! Word-level bitmap helpers: logic on whole `u64` words, and building a bitmap 64 rows at
//! a time in parallel. Built on [`Bitmap::words`] and [`Bitmap::from_words`] only.

use crate::columns::Bitmap;
use rayon::prelude::*;

/// Words (of 64 rows) per rayon task in the row kernels: 65,536 rows is large enough to
/// hide the task overhead and small enough to balance 2–64 cores. Shrunk to 2 words in
/// debug builds so tests cross task edges with small inputs.
pub const WORDS_PER_TASK: usize = if cfg!(debug_assertions) { 2 } else { 1024 };

/// Words per rayon task in pure bitmap logic, which is memory-bound and ~100× cheaper per
/// row than a comparison: split only past 1,048,576 rows (2 words in debug builds).
const LOGIC_WORDS_PER_TASK: usize = if cfg!(debug_assertions) { 2 } else { 16 * 1024 };

/// Wraps words built for `len` rows; bits past `len` are cleared.
pub fn from_words(words: Vec<u64>, len: usize) -> Bitmap {
    let n = words.len();
    Bitmap::from_words(words, len).unwrap_or_else(|| panic!("{n} words cannot hold a bitmap of {len} bits"))
}

fn zip_words(a: &Bitmap, b: &Bitmap, f: impl Fn(u64, u64) -> u64 + Sync) -> Bitmap {
    assert_eq!(a.len(), b.len(), "bitmaps differ in length");
    let mut out = vec![0u64; a.words().len()];
    out.par_chunks_mut(LOGIC_WORDS_PER_TASK)
        .zip(a.words().par_chunks(LOGIC_WORDS_PER_TASK))
        .zip(b.words().par_chunks(LOGIC_WORDS_PER_TASK))
        .for_each(|((out, a), b)| {
            for ((o, &x), &y) in out.iter_mut().zip(a).zip(b) {
                *o = f(x, y);
            }
        });
    from_words(out, a.len())
}

/// `a AND b`. Panics when the lengths differ.
pub fn and(a: &Bitmap, b: &Bitmap) -> Bitmap {
    zip_words(a, b, |x, y| x & y)
}

/// `a OR b`. Panics when the lengths differ.
pub fn or(a: &Bitmap, b: &Bitmap) -> Bitmap {
    zip_words(a, b, |x, y| x | y)
}

/// `a AND NOT b`. Panics when the lengths differ.
pub fn and_not(a: &Bitmap, b: &Bitmap) -> Bitmap {
    zip_words(a, b, |x, y| x & !y)
}

/// `NOT a`; bits past `a.len()` stay clear.
pub fn not(a: &Bitmap) -> Bitmap {
    let mut out = vec![0u64; a.words().len()];
    out.par_chunks_mut(LOGIC_WORDS_PER_TASK).zip(a.words().par_chunks(LOGIC_WORDS_PER_TASK)).for_each(
        |(out, a)| {
            for (o, &x) in out.iter_mut().zip(a) {
                *o = !x;
            }
        },
    );
    // `from_words` clears the tail bits the negation set.
    from_words(out, a.len())
}

/// Packs up to 64 predicate results into one word, bit `i` for `chunk[i]`. Written as a
/// fixed-shape loop with no early exit so LLVM vectorises it for plain comparisons.
#[inline(always)]
pub fn pack_word<T: Copy>(chunk: &[T], pred: impl Fn(T) -> bool) -> u64 {
    debug_assert!(chunk.len() <= 64);
    let mut word = 0u64;
    for (i, &v) in chunk.iter().enumerate() {
        word |= u64::from(pred(v)) << i;
    }
    word
}

/// The selection of rows whose `values[i]` matches `pred` and whose validity bit is set:
/// one word per 64 rows (`chunks_exact(64)` + remainder), tasks of [`WORDS_PER_TASK`]
/// words run in parallel. Panics when the lengths differ.
#[inline(always)]
pub fn select_values<T, P>(values: &[T], validity: &Bitmap, pred: P) -> Bitmap
where
    T: Copy + Sync,
    P: Fn(T) -> bool + Sync + Copy,
{
    assert_eq!(values.len(), validity.len(), "values and validity differ in length");
    let mut words = vec![0u64; values.len().div_ceil(64)];
    words
        .par_chunks_mut(WORDS_PER_TASK)
        .zip(values.par_chunks(WORDS_PER_TASK * 64))
        .zip(validity.words().par_chunks(WORDS_PER_TASK))
        .for_each(|((out, values), valid)| {
            let mut chunks = values.chunks_exact(64);
            for (o, chunk) in out.iter_mut().zip(&mut chunks) {
                *o = pack_word(chunk, pred);
            }
            let rest = chunks.remainder();
            if !rest.is_empty() {
                out[out.len() - 1] = pack_word(rest, pred);
            }
            for (o, &v) in out.iter_mut().zip(valid) {
                *o &= v;
            }
        });
    from_words(words, values.len())
}

/// The selection of the valid rows `i` (set in `validity`) for which `pred(state, i)` holds,
/// built 64 rows per word in parallel; `pred` is never called for an invalid row, and whole
/// words without a valid row are skipped. `init` makes one scratch state per task (for
/// example a reusable buffer), so the row test need not allocate.
pub fn select_rows<S, I, P>(validity: &Bitmap, init: I, pred: P) -> Bitmap
where
    I: Fn() -> S + Sync,
    P: Fn(&mut S, usize) -> bool + Sync,
{
    let mut words = vec![0u64; validity.words().len()];
    words
        .par_chunks_mut(WORDS_PER_TASK)
        .zip(validity.words().par_chunks(WORDS_PER_TASK))
        .enumerate()
        .for_each(|(task, (out, valid))| {
            let mut state = init();
            for (w, (o, &v)) in out.iter_mut().zip(valid).enumerate() {
                let base = (task * WORDS_PER_TASK + w) * 64;
                let mut bits = v;
                let mut word = 0u64;
                while bits != 0 {
                    let bit = bits.trailing_zeros() as usize;
                    bits &= bits - 1;
                    if pred(&mut state, base + bit) {
                        word |= 1 << bit;
                    }
                }
                *o = word;
            }
        });
    from_words(words, validity.len())
}
