//! Finding the structural bytes of CSV data (separator, `\n`, `\r`, `"`) 64 bytes at a time.
//!
//! Each 64-byte block becomes one bit mask (SSE2 compares on x86-64); set bits are then
//! taken lowest first. The parser reads plain records (no quote,
//! no lone `\r`) from these positions alone, without looking at the bytes in between, and
//! hands any other record to csv-core.

/// The positions of structural bytes in `input`, in order.
pub struct Structurals<'a> {
    input: &'a [u8],
    separator: u8,
    /// Start of the current block.
    base: usize,
    /// Structural bytes of the current block not yet taken, bit `i` for `base + i`.
    bits: u64,
}

const BLOCK: usize = 64;

impl<'a> Structurals<'a> {
    /// Positions in `input` from `from` on.
    pub fn new(input: &'a [u8], separator: u8, from: usize) -> Self {
        let mut s = Structurals { input, separator, base: 0, bits: 0 };
        s.seek(from);
        s
    }

    /// Restarts at `pos`: the next position given is the first structural byte at or after it.
    pub fn seek(&mut self, pos: usize) {
        self.base = pos - pos % BLOCK;
        self.bits = self.mask(self.base) & (!0u64 << (pos % BLOCK));
    }

    /// The next structural position, or `None` at the end of the input.
    #[inline]
    pub fn next_position(&mut self) -> Option<usize> {
        while self.bits == 0 {
            self.base += BLOCK;
            if self.base >= self.input.len() {
                self.base = self.input.len();
                return None;
            }
            self.bits = self.mask(self.base);
        }
        let at = self.base + self.bits.trailing_zeros() as usize;
        self.bits &= self.bits - 1;
        Some(at)
    }

    /// The structural bits of the block at `base` (bytes past the end count as none).
    #[inline]
    fn mask(&self, base: usize) -> u64 {
        match self.input.get(base..base + BLOCK) {
            Some(block) => block_mask(block.try_into().expect("64 bytes"), self.separator),
            None => {
                let mut tail = [0u8; BLOCK];
                let rest = self.input.get(base..).unwrap_or_default();
                tail[..rest.len()].copy_from_slice(rest);
                block_mask(&tail, self.separator)
            }
        }
    }
}

/// How many bytes of `bytes` are `"`.
pub fn count_quotes(bytes: &[u8]) -> usize {
    let blocks = bytes.chunks_exact(BLOCK);
    let tail = blocks.remainder().iter().filter(|&&b| b == b'"').count();
    blocks.map(|b| quote_mask(b.try_into().expect("64 bytes")).count_ones() as usize).sum::<usize>() + tail
}

/// Bit `i` set where `block[i]` is `"`.
#[inline]
fn quote_mask(block: &[u8; BLOCK]) -> u64 {
    // The separator test is repeated on `"`: one mask for one byte.
    block_mask_of(block, [b'"'; 4])
}

/// Bit `i` set where `block[i]` is the separator, `\n`, `\r` or `"`.
#[inline]
fn block_mask(block: &[u8; BLOCK], separator: u8) -> u64 {
    block_mask_of(block, [separator, b'\n', b'\r', b'"'])
}

/// Bit `i` set where `block[i]` is one of `bytes`: SSE2 compares and
/// move-masks, 16 bytes at a time (SSE2 is part of every x86-64).
#[cfg(target_arch = "x86_64")]
#[inline]
#[allow(unsafe_code)]
fn block_mask_of(block: &[u8; BLOCK], bytes: [u8; 4]) -> u64 {
    // SAFETY: `sse2_mask` only needs SSE2, which every x86-64 CPU has (it is part of the
    // architecture's baseline and always enabled by Rust's x86-64 targets). It reads `block`
    // through safe, bounds-checked slices; no pointer is involved.
    unsafe { sse2_mask(block, bytes) }
}

#[cfg(target_arch = "x86_64")]
#[target_feature(enable = "sse2")]
fn sse2_mask(block: &[u8; BLOCK], bytes: [u8; 4]) -> u64 {
    use std::arch::x86_64::{__m128i, _mm_cmpeq_epi8, _mm_movemask_epi8, _mm_or_si128, _mm_set1_epi8};
    let [a, b, c, d] = bytes.map(|b| _mm_set1_epi8(b as i8));
    let mut mask = 0u64;
    for (lane, lane_bytes) in block.chunks_exact(16).enumerate() {
        let v: __m128i = bytemuck::pod_read_unaligned(lane_bytes);
        let hits = _mm_or_si128(
            _mm_or_si128(_mm_cmpeq_epi8(v, a), _mm_cmpeq_epi8(v, b)),
            _mm_or_si128(_mm_cmpeq_epi8(v, c), _mm_cmpeq_epi8(v, d)),
        );
        mask |= u64::from(_mm_movemask_epi8(hits) as u16) << (lane * 16);
    }
    mask
}

/// Bit `i` set where `block[i]` is one of `bytes` (portable version).
#[cfg(not(target_arch = "x86_64"))]
#[inline]
fn block_mask_of(block: &[u8; BLOCK], bytes: [u8; 4]) -> u64 {
    block.iter().enumerate().filter(|&(_, b)| bytes.contains(b)).fold(0u64, |mask, (i, _)| mask | 1 << i)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn naive(input: &[u8], sep: u8, from: usize) -> Vec<usize> {
        (from..input.len()).filter(|&i| matches!(input[i], b'\n' | b'\r' | b'"') || input[i] == sep).collect()
    }

    #[test]
    fn finds_every_structural_byte_in_order() {
        let mut input = Vec::new();
        for i in 0..300u32 {
            input.push(b"ab;,\n\r\"xyz"[(i * 7 % 10) as usize]);
        }
        for sep in [b';', b','] {
            for from in [0, 1, 63, 64, 65, 130, 299, 300] {
                let mut s = Structurals::new(&input, sep, from);
                let got: Vec<usize> = std::iter::from_fn(|| s.next_position()).collect();
                assert_eq!(got, naive(&input, sep, from), "sep {sep} from {from}");
            }
        }
        let mut s = Structurals::new(b"", b';', 0);
        assert_eq!(s.next_position(), None);
    }

    #[test]
    fn counts_quotes() {
        for len in [0, 1, 63, 64, 65, 200] {
            let bytes: Vec<u8> = (0..len).map(|i| if i % 3 == 0 { b'"' } else { b'a' }).collect();
            assert_eq!(count_quotes(&bytes), bytes.iter().filter(|&&b| b == b'"').count(), "len {len}");
        }
    }

    #[test]
    fn seek_restarts_anywhere() {
        let input = b"a;b\r\nc;\"d\"\n".repeat(20);
        let mut s = Structurals::new(&input, b';', 0);
        s.next_position();
        for pos in [5, 64, 100, 239, 240] {
            s.seek(pos);
            assert_eq!(s.next_position(), naive(&input, b';', pos).first().copied(), "seek {pos}");
        }
    }
}
