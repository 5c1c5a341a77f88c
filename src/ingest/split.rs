//! Splitting the data rows into chunks at record boundaries, so chunks parse in parallel.
//!
//! A newline is a record boundary when an even number of quotes precede it since the last
//! boundary (RFC 4180: quotes inside quoted fields come doubled). Files with stray quotes
//! can break that rule; the parser checks every chunk ends exactly at a record end and falls
//! back to one sequential pass when one does not (see `parse::parse_data`).

/// Target bytes per chunk. Several chunks per core balance the load; in debug builds chunks
/// are tiny so tests cross chunk edges on small inputs (the polars habit).
pub const CHUNK_BYTES: usize = if cfg!(debug_assertions) { 64 } else { 4 << 20 };

/// Byte ranges of `data`, each ending just after a record-ending `\n` (the last one at the
/// end of `data`), together covering all of it.
pub fn chunk_ranges(data: &[u8], target: usize) -> Vec<std::ops::Range<usize>> {
    let target = target.max(1);
    let mut ranges = Vec::with_capacity(data.len() / target + 1);
    let mut start = 0;
    while data.len() - start > target {
        let probe = start + target;
        let mut odd = count_quotes(&data[start..probe]) % 2 == 1;
        let mut end = data.len();
        let mut pos = probe;
        while let Some(k) = memchr::memchr2(b'"', b'\n', &data[pos..]) {
            pos += k + 1;
            if data[pos - 1] == b'"' {
                odd = !odd;
            } else if !odd {
                end = pos;
                break;
            }
        }
        ranges.push(start..end);
        start = end;
    }
    if start < data.len() {
        ranges.push(start..data.len());
    }
    ranges
}

fn count_quotes(bytes: &[u8]) -> usize {
    // Vectorises well; memchr's iterator is slower when quotes are dense.
    bytes.iter().filter(|&&b| b == b'"').count()
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
