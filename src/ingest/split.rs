//! Splitting the data rows into chunks at record boundaries, so chunks parse in parallel.
//!
//! A newline is a record boundary when an even number of quotes precede it since the last
//! boundary (RFC 4180: quotes inside quoted fields come doubled). Files with stray quotes
//! can break that rule; the parser checks every chunk ends exactly at a record end and falls
//! back to one sequential pass when one does not (see `parse::parse_data`).

use super::scan::count_quotes;
use rayon::prelude::*;

/// Target bytes per chunk. Several chunks per core balance the load; in debug builds chunks
/// are tiny so tests cross chunk edges on small inputs (the polars habit).
pub const CHUNK_BYTES: usize = if cfg!(debug_assertions) { 64 } else { 4 << 20 };

/// Byte ranges of `data`, each ending just after a record-ending `\n` (the last one at the
/// end of `data`), together covering all of it.
///
/// Quotes are counted in parallel per block of `target` bytes; a prefix sum gives the quote
/// parity at each block start, and from there each block's first even-parity newline (found
/// in parallel too) is a boundary.
pub fn chunk_ranges(data: &[u8], target: usize) -> Vec<std::ops::Range<usize>> {
    let target = target.max(1);
    let blocks = data.len().div_ceil(target);
    let odd_counts: Vec<bool> = (0..blocks)
        .into_par_iter()
        .map(|b| count_quotes(&data[b * target..((b + 1) * target).min(data.len())]) % 2 == 1)
        .collect();
    let mut odd_before = Vec::with_capacity(blocks);
    let mut odd = false;
    for &o in &odd_counts {
        odd_before.push(odd);
        odd ^= o;
    }
    let mut bounds: Vec<usize> =
        (1..blocks).into_par_iter().map(|b| next_boundary(data, b * target, odd_before[b])).collect();
    bounds.dedup();
    let mut ranges = Vec::with_capacity(bounds.len() + 1);
    let mut start = 0;
    for end in bounds.into_iter().chain(std::iter::once(data.len())) {
        if end > start {
            ranges.push(start..end);
            start = end;
        }
    }
    ranges
}

/// The position just after the first `\n` at or after `from` that has an even number of
/// quotes before it (`odd` says whether the count before `from` is odd); `data.len()` if none.
fn next_boundary(data: &[u8], from: usize, mut odd: bool) -> usize {
    let mut pos = from;
    while let Some(k) = memchr::memchr2(b'"', b'\n', &data[pos..]) {
        pos += k + 1;
        if data[pos - 1] == b'"' {
            odd = !odd;
        } else if !odd {
            return pos;
        }
    }
    data.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_cover_data_and_respect_quotes() {
        let data = b"a,\"x\ny\"\nb,c\n\"q\"\"\n\",d\ne,f";
        for target in 1..data.len() + 2 {
            let r = chunk_ranges(data, target);
            assert_eq!(r.first().map(|r| r.start), Some(0));
            assert_eq!(r.last().map(|r| r.end), Some(data.len()));
            for w in r.windows(2) {
                assert_eq!(w[0].end, w[1].start);
                // Never split inside the quoted newlines.
                assert!(![5, 17].contains(&w[0].end), "split at {} with target {target}", w[0].end);
            }
        }
        assert!(chunk_ranges(b"", 4).is_empty());
    }
}
