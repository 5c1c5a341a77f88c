//! Text columns: plain (offsets + bytes) and dictionary-encoded (codes into distinct values).

use super::Bitmap;
use hashbrown::HashTable;

/// UTF-8 strings stored back to back; row `i` is `bytes[offsets[i]..offsets[i + 1]]`.
#[derive(Clone, Debug, PartialEq)]
pub struct StringColumn {
    offsets: Vec<u64>,
    bytes: Vec<u8>,
    validity: Bitmap,
}

impl Default for StringColumn {
    fn default() -> Self {
        Self { offsets: vec![0], bytes: Vec::new(), validity: Bitmap::default() }
    }
}

/// Why buffers read back from disk do not form a valid string column.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum StringColumnError {
    #[error("offsets must start at 0, never decrease, and end at the byte length")]
    BadOffsets,
    #[error("validity has {validity} bits for {rows} rows")]
    BadValidity { validity: usize, rows: usize },
    #[error("bytes are not valid UTF-8 at byte {0}")]
    NotUtf8(usize),
    #[error("code {code} at row {row} is outside the dictionary of {size} values")]
    BadCode { row: usize, code: u32, size: usize },
}

impl StringColumn {
    /// An empty column with room for `rows` values and `bytes` bytes.
    pub fn with_capacity(rows: usize, bytes: usize) -> Self {
        let mut offsets = Vec::with_capacity(rows + 1);
        offsets.push(0);
        Self { offsets, bytes: Vec::with_capacity(bytes), validity: Bitmap::with_capacity(rows) }
    }

    /// Rebuilds a column from its buffers, checking every invariant (used on reload).
    pub fn from_parts(
        offsets: Vec<u64>,
        bytes: Vec<u8>,
        validity: Bitmap,
    ) -> Result<Self, StringColumnError> {
        let ok = offsets.first() == Some(&0)
            && offsets.last() == Some(&(bytes.len() as u64))
            && offsets.windows(2).all(|w| w[0] <= w[1]);
        if !ok {
            return Err(StringColumnError::BadOffsets);
        }
        if validity.len() != offsets.len() - 1 {
            return Err(StringColumnError::BadValidity { validity: validity.len(), rows: offsets.len() - 1 });
        }
        if let Err(e) = simdutf8::compat::from_utf8(&bytes) {
            return Err(StringColumnError::NotUtf8(e.valid_up_to()));
        }
        // Every value boundary must also be a character boundary: not a continuation byte.
        let splits_char = |o: u64| bytes.get(o as usize).is_some_and(|&b| (0x80..0xC0).contains(&b));
        if let Some(&bad) = offsets.iter().find(|&&o| splits_char(o)) {
            return Err(StringColumnError::NotUtf8(bad as usize));
        }
        Ok(Self { offsets, bytes, validity })
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn offsets(&self) -> &[u64] {
        &self.offsets
    }

    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }

    pub fn validity(&self) -> &Bitmap {
        &self.validity
    }

    /// Appends a value (`None` = empty).
    #[inline]
    pub fn push(&mut self, value: Option<&str>) {
        if let Some(v) = value {
            self.bytes.extend_from_slice(v.as_bytes());
        }
        self.offsets.push(self.bytes.len() as u64);
        self.validity.push(value.is_some());
    }

    /// Appends a value given as bytes the caller has already checked to be UTF-8 (ingest
    /// checks whole files; `raw` stays safe either way and reads a broken value as "").
    #[inline]
    pub fn push_utf8_bytes(&mut self, value: Option<&[u8]>) {
        debug_assert!(value.is_none_or(|v| std::str::from_utf8(v).is_ok()));
        if let Some(v) = value {
            self.bytes.extend_from_slice(v);
        }
        self.offsets.push(self.bytes.len() as u64);
        self.validity.push(value.is_some());
    }

    /// The bytes of row `i` (valid UTF-8), whether or not it is valid.
    #[inline]
    pub fn raw_bytes(&self, i: usize) -> &[u8] {
        &self.bytes[self.offsets[i] as usize..self.offsets[i + 1] as usize]
    }

    /// The text of row `i`, whether or not it is valid (an empty value reads as "").
    #[inline]
    pub fn raw(&self, i: usize) -> &str {
        let (start, end) = (self.offsets[i] as usize, self.offsets[i + 1] as usize);
        let bytes = &self.bytes[start..end];
        debug_assert!(std::str::from_utf8(bytes).is_ok());
        // Built only from &str values or checked by `from_parts`, at character boundaries.
        std::str::from_utf8(bytes).unwrap_or_default()
    }

    /// The value of row `i`, or `None` where it is empty.
    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        self.validity.get(i).then(|| self.raw(i))
    }

    pub(crate) fn concat(parts: impl Iterator<Item = StringColumn>) -> StringColumn {
        let parts: Vec<_> = parts.collect();
        let rows = parts.iter().map(|p| p.len()).sum();
        let bytes = parts.iter().map(|p| p.bytes.len()).sum();
        let mut out = StringColumn::with_capacity(rows, bytes);
        for p in parts {
            let base = out.bytes.len() as u64;
            out.offsets.extend(p.offsets[1..].iter().map(|o| o + base));
            out.bytes.extend_from_slice(&p.bytes);
            out.validity.extend_from_bitmap(&p.validity);
        }
        out
    }
}

impl<'a> FromIterator<Option<&'a str>> for StringColumn {
    fn from_iter<I: IntoIterator<Item = Option<&'a str>>>(values: I) -> Self {
        let mut c = StringColumn::default();
        for v in values {
            c.push(v);
        }
        c
    }
}

/// Low-cardinality text: row `i` is `dictionary[codes[i]]`. Conditions on such a column are
/// evaluated once per distinct value, then mapped over the codes.
#[derive(Clone, Debug, PartialEq)]
pub struct DictionaryColumn {
    codes: Vec<u32>,
    dictionary: StringColumn,
    validity: Bitmap,
}

impl DictionaryColumn {
    /// The most distinct values a dictionary column made from text holds.
    pub const MAX_DISTINCT: usize = 1 << 16;

    /// Rebuilds a column from its parts, checking that every valid code is in range.
    pub fn from_parts(
        codes: Vec<u32>,
        dictionary: StringColumn,
        validity: Bitmap,
    ) -> Result<Self, StringColumnError> {
        if validity.len() != codes.len() {
            return Err(StringColumnError::BadValidity { validity: validity.len(), rows: codes.len() });
        }
        let size = dictionary.len();
        if let Some(row) = validity.iter_ones().find(|&i| codes[i] as usize >= size) {
            return Err(StringColumnError::BadCode { row, code: codes[row], size });
        }
        Ok(Self { codes, dictionary, validity })
    }

    /// Dictionary-encodes a plain string column; distinct values keep first-seen order.
    pub fn encode(column: &StringColumn) -> Self {
        Self::try_encode(column, usize::MAX).expect("no limit on distinct values")
    }

    /// Dictionary-encodes `column` unless it has more than `max_distinct` distinct values.
    pub fn try_encode(column: &StringColumn, max_distinct: usize) -> Option<Self> {
        let mut encoder = DictionaryEncoder::new(column.len(), max_distinct);
        for i in 0..column.len() {
            if !encoder.push(column.validity.get(i).then(|| column.raw_bytes(i))) {
                return None;
            }
        }
        Some(encoder.finish())
    }

    pub fn len(&self) -> usize {
        self.codes.len()
    }

    pub fn is_empty(&self) -> bool {
        self.codes.is_empty()
    }

    pub fn codes(&self) -> &[u32] {
        &self.codes
    }

    /// The distinct values, indexed by code.
    pub fn dictionary(&self) -> &StringColumn {
        &self.dictionary
    }

    pub fn validity(&self) -> &Bitmap {
        &self.validity
    }

    #[inline]
    pub fn get(&self, i: usize) -> Option<&str> {
        self.validity.get(i).then(|| self.dictionary.raw(self.codes[i] as usize))
    }

    /// The column as plain text.
    pub fn to_text(&self) -> StringColumn {
        decode(&self.codes, &self.dictionary, &self.validity)
    }

    pub(crate) fn concat(parts: impl Iterator<Item = DictionaryColumn>) -> DictionaryColumn {
        let parts: Vec<_> = parts.collect();
        let rows = parts.iter().map(|p| p.len()).sum();
        let mut encoder = DictionaryEncoder::new(rows, usize::MAX);
        for p in parts {
            let remap: Vec<u32> = (0..p.dictionary.len())
                .map(|c| encoder.intern(p.dictionary.raw_bytes(c)).expect("no limit on distinct values"))
                .collect();
            for (i, &c) in p.codes.iter().enumerate() {
                encoder.codes.push(if p.validity.get(i) { remap[c as usize] } else { 0 });
            }
            encoder.validity.extend_from_bitmap(&p.validity);
        }
        encoder.finish()
    }
}

/// Dictionary codes as plain text.
fn decode(codes: &[u32], dictionary: &StringColumn, validity: &Bitmap) -> StringColumn {
    let value = |i: usize, c: u32| validity.get(i).then(|| dictionary.raw_bytes(c as usize));
    let bytes = codes.iter().enumerate().map(|(i, &c)| value(i, c).map_or(0, <[u8]>::len)).sum();
    let mut text = StringColumn::with_capacity(codes.len(), bytes);
    for (i, &c) in codes.iter().enumerate() {
        text.push_utf8_bytes(value(i, c));
    }
    text
}

/// Builds a dictionary column value by value: distinct values keep first-seen order, and no
/// more than `max_distinct` of them are taken.
#[derive(Debug)]
pub struct DictionaryEncoder {
    /// Codes, found by the hash of their value.
    index: HashTable<u32>,
    hasher: ahash::RandomState,
    dictionary: StringColumn,
    codes: Vec<u32>,
    validity: Bitmap,
    max_distinct: usize,
}

impl DictionaryEncoder {
    /// An encoder with room for `rows` rows.
    pub fn new(rows: usize, max_distinct: usize) -> Self {
        DictionaryEncoder {
            index: HashTable::new(),
            hasher: ahash::RandomState::new(),
            dictionary: StringColumn::default(),
            codes: Vec::with_capacity(rows),
            validity: Bitmap::with_capacity(rows),
            max_distinct,
        }
    }

    /// The code of `v` (valid UTF-8), adding it to the dictionary if new; `None` when it
    /// would be one distinct value too many.
    #[inline]
    fn intern(&mut self, v: &[u8]) -> Option<u32> {
        let hash = self.hasher.hash_one(v);
        let dictionary = &self.dictionary;
        if let Some(&c) = self.index.find(hash, |&c| dictionary.raw_bytes(c as usize) == v) {
            return Some(c);
        }
        if dictionary.len() >= self.max_distinct {
            return None;
        }
        let c = dictionary.len() as u32;
        self.dictionary.push_utf8_bytes(Some(v));
        let (dictionary, hasher) = (&self.dictionary, &self.hasher);
        self.index.insert_unique(hash, c, |&c| hasher.hash_one(dictionary.raw_bytes(c as usize)));
        Some(c)
    }

    /// Adds a row (`None`: no value); `false`, adding nothing, when the value would be one
    /// distinct value too many.
    #[inline]
    pub fn push(&mut self, v: Option<&[u8]>) -> bool {
        let code = match v {
            None => 0,
            Some(v) => match self.intern(v) {
                Some(c) => c,
                None => return false,
            },
        };
        self.codes.push(code);
        self.validity.push(v.is_some());
        true
    }

    /// The rows so far as plain text.
    pub fn to_text(&self) -> StringColumn {
        decode(&self.codes, &self.dictionary, &self.validity)
    }

    /// Adds a row holding value `v` of another dictionary whose code there is `code`,
    /// interning each such value once: `remap` (one slot per code of that dictionary,
    /// `u32::MAX` when not seen yet) remembers the code it got here. `false`, adding
    /// nothing, when the value would be one distinct value too many.
    #[inline]
    pub fn push_mapped(&mut self, v: &[u8], code: u32, remap: &mut [u32]) -> bool {
        let slot = &mut remap[code as usize];
        if *slot == u32::MAX {
            match self.intern(v) {
                Some(c) => *slot = c,
                None => return false,
            }
        }
        self.codes.push(*slot);
        self.validity.push(true);
        true
    }

    pub fn finish(self) -> DictionaryColumn {
        DictionaryColumn { codes: self.codes, dictionary: self.dictionary, validity: self.validity }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn col(values: &[Option<&str>]) -> StringColumn {
        values.iter().copied().collect()
    }

    #[test]
    fn push_and_get() {
        let c = col(&[Some("São Paulo"), None, Some("")]);
        assert_eq!(c.len(), 3);
        assert_eq!(c.get(0), Some("São Paulo"));
        assert_eq!(c.get(1), None);
        assert_eq!(c.get(2), Some(""));
    }

    #[test]
    fn from_parts_rejects_bad_buffers() {
        assert_eq!(
            StringColumn::from_parts(vec![0, 3], b"ab".to_vec(), Bitmap::new_set(1)),
            Err(StringColumnError::BadOffsets)
        );
        // Splits the two bytes of "ã".
        assert!(
            StringColumn::from_parts(vec![0, 1, 2], "ã".as_bytes().to_vec(), Bitmap::new_set(2)).is_err()
        );
        assert!(StringColumn::from_parts(vec![0, 2], "ã".as_bytes().to_vec(), Bitmap::new_set(1)).is_ok());
    }

    #[test]
    fn dictionary_encode_and_concat() {
        let a = DictionaryColumn::encode(&col(&[Some("frio"), None, Some("morno"), Some("frio")]));
        assert_eq!(a.dictionary().len(), 2);
        assert_eq!(a.codes()[3], 0);
        let b = DictionaryColumn::encode(&col(&[Some("quente"), Some("morno")]));
        let c = DictionaryColumn::concat([a, b].into_iter());
        let got: Vec<_> = (0..c.len()).map(|i| c.get(i)).collect();
        assert_eq!(got, vec![Some("frio"), None, Some("morno"), Some("frio"), Some("quente"), Some("morno")]);
        assert_eq!(c.dictionary().len(), 3);
        assert!(DictionaryColumn::from_parts(vec![5], c.dictionary().clone(), Bitmap::new_set(1)).is_err());
    }
}
