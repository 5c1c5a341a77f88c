//! The profile table: one row per profile, with each field's most recent non-empty value (by
//! import, then row; identifiers normalised), first and last import day, last import, and
//! record count. Every distinct identifier of a profile is derived from its records (the
//! assignment) when shown, rather than stored twice.

use super::keys::Normalized;
use super::live::RecordTimes;
use crate::columns::{
    Bitmap, CanonicalField, Column, ColumnData, DataType, DictionaryColumn, DictionaryEncoder,
    PrimitiveColumn, Role, StringColumn, Table, Value, column_from_values,
};
use rayon::prelude::*;

/// Profiles per parallel task when building columns.
const PROFILE_BLOCK: usize = if cfg!(debug_assertions) { 64 } else { 16_384 };

/// The name of the profile id column.
pub const PROFILE_ID: &str = "profileId";

/// One import's table and when it was imported.
pub struct Source<'a> {
    pub import_id: i64,
    pub table: &'a Table,
    /// Days since 1970-01-01 (UTC) of the import's start.
    pub day: i32,
}

/// The distinct values of `values`, ascending; `None` past `limit` of them.
fn few_distinct(values: &[i64], limit: usize) -> Option<Vec<i64>> {
    let mut out: Vec<i64> = Vec::new();
    let mut last = None;
    for &v in values {
        if last == Some(v) {
            continue;
        }
        last = Some(v);
        if let Err(at) = out.binary_search(&v) {
            if out.len() == limit {
                return None;
            }
            out.insert(at, v);
        }
    }
    Some(out)
}

/// Records grouped by profile (CSR): `records[offsets[p]..offsets[p + 1]]`, ascending.
pub struct Members {
    pub offsets: Vec<usize>,
    pub records: Vec<u32>,
}

impl Members {
    pub fn new(labels: &[u32], clusters: usize) -> Members {
        Members::placed(labels, clusters, 0..labels.len() as u32)
    }

    /// Each record of `order` (every record once) appended to its profile's list.
    fn placed(labels: &[u32], clusters: usize, order: impl Iterator<Item = u32>) -> Members {
        let mut offsets = vec![0usize; clusters + 1];
        for &l in labels {
            offsets[l as usize + 1] += 1;
        }
        for i in 0..clusters {
            offsets[i + 1] += offsets[i];
        }
        let mut fill = offsets.clone();
        let mut records = vec![0u32; labels.len()];
        for r in order {
            let l = labels[r as usize] as usize;
            records[fill[l]] = r;
            fill[l] += 1;
        }
        Members { offsets, records }
    }

    /// Like [`Members::new`], but each profile's records ordered by the import where they
    /// last changed (then by record): the last one is the most recent.
    pub fn by_recency(labels: &[u32], clusters: usize, changed_import: &[i64]) -> Members {
        if changed_import.windows(2).all(|w| w[0] <= w[1]) {
            return Members::new(labels, clusters);
        }
        // Records hold few distinct imports: a counting sort of all records by import, then
        // each placed in that order, instead of a sort per profile.
        let Some(imports) = few_distinct(changed_import, 1 << 16) else {
            let mut m = Members::new(labels, clusters);
            for p in 0..clusters {
                let (a, b) = (m.offsets[p], m.offsets[p + 1]);
                m.records[a..b].sort_by_key(|&r| changed_import[r as usize]);
            }
            return m;
        };
        let rank: Vec<u32> =
            changed_import.iter().map(|i| imports.binary_search(i).expect("listed") as u32).collect();
        let mut starts = vec![0usize; imports.len() + 1];
        for &k in &rank {
            starts[k as usize + 1] += 1;
        }
        for k in 0..imports.len() {
            starts[k + 1] += starts[k];
        }
        let mut order = vec![0u32; rank.len()];
        for (r, &k) in rank.iter().enumerate() {
            order[starts[k as usize]] = r as u32;
            starts[k as usize] += 1;
        }
        Members::placed(labels, clusters, order.into_iter())
    }

    pub fn of(&self, p: usize) -> &[u32] {
        &self.records[self.offsets[p]..self.offsets[p + 1]]
    }

    pub fn len(&self) -> usize {
        self.offsets.len() - 1
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// Finds which source holds record `r`, and its row there.
pub struct Locator {
    starts: Vec<usize>,
}

impl Locator {
    pub fn new(sources: &[Source]) -> Locator {
        let mut starts = Vec::with_capacity(sources.len() + 1);
        let mut n = 0;
        for s in sources {
            starts.push(n);
            n += s.table.rows();
        }
        starts.push(n);
        Locator { starts }
    }

    #[inline]
    pub fn locate(&self, r: u32) -> (usize, usize) {
        let r = r as usize;
        let t = self.starts.partition_point(|&s| s <= r) - 1;
        (t, r - self.starts[t])
    }
}

/// Builds the profile table; row `p` is the profile with id `ids[p]`.
///
/// `times` gives each record's first and last-change days (firstSeen is the earliest first
/// day of a profile's records, lastUpdated the latest change) and the import of its last
/// change; `members` lists each profile's records oldest change first.
pub fn build(
    sources: &[Source],
    n: &Normalized,
    members: &Members,
    ids: &[i64],
    times: &RecordTimes,
) -> Table {
    let loc = Locator::new(sources);
    let profiles = members.len();
    let mut columns = Vec::new();
    let sys = |name: &str, data| Column { name: name.to_owned(), role: Role::System, data };

    columns.push(sys(
        PROFILE_ID,
        ColumnData::Int64(PrimitiveColumn::new(ids.to_vec(), Bitmap::new_set(profiles))),
    ));
    let count: Vec<i64> = (0..profiles).map(|p| members.of(p).len() as i64).collect();
    columns.push(sys("records", ColumnData::Int64(PrimitiveColumn::new(count, Bitmap::new_set(profiles)))));
    let first: Vec<i32> = (0..profiles)
        .into_par_iter()
        .map(|p| members.of(p).iter().map(|&r| times.first_day[r as usize]).min().unwrap_or(0))
        .collect();
    let last: Vec<i32> = (0..profiles)
        .into_par_iter()
        .map(|p| members.of(p).iter().map(|&r| times.last_day[r as usize]).max().unwrap_or(0))
        .collect();
    let last_import: Vec<i64> = (0..profiles)
        .into_par_iter()
        .map(|p| members.of(p).iter().map(|&r| times.changed_import[r as usize]).max().unwrap_or(0))
        .collect();
    columns.push(sys("firstSeen", ColumnData::Date(PrimitiveColumn::new(first, Bitmap::new_set(profiles)))));
    columns.push(sys("lastUpdated", ColumnData::Date(PrimitiveColumn::new(last, Bitmap::new_set(profiles)))));
    columns.push(sys(
        "lastImport",
        ColumnData::Int64(PrimitiveColumn::new(last_import, Bitmap::new_set(profiles))),
    ));

    // Identifiers: the most recent valid one (normalised), else the most recent raw value.
    // Every distinct identifier stays derivable from the profile's records (see `show`).
    let raw_of = |field: CanonicalField| -> Vec<Option<&ColumnData>> {
        sources.iter().map(|s| s.table.canonical(field).map(|c| &c.data)).collect()
    };
    let ident =
        |name: &str, field: CanonicalField, norm: &(dyn Fn(u32, &mut String) -> bool + Sync)| -> Column {
            let raw = raw_of(field);
            // Built in parallel blocks of profiles straight into text columns, then joined.
            let blocks: Vec<StringColumn> = (0..profiles.div_ceil(PROFILE_BLOCK))
                .into_par_iter()
                .map(|b| {
                    let range = b * PROFILE_BLOCK..((b + 1) * PROFILE_BLOCK).min(profiles);
                    let mut latest_col = StringColumn::with_capacity(range.len(), range.len() * 16);
                    let mut buf = String::new();
                    for p in range {
                        let latest = members.of(p).iter().rev().copied().find(|&r| {
                            buf.clear();
                            norm(r, &mut buf)
                        });
                        match latest {
                            Some(_) => latest_col.push(Some(&buf)),
                            None => match pick_latest(members.of(p), &raw, &loc)
                                .and_then(|(t, row)| raw[t].map(|c| (c, row)))
                            {
                                Some((c, row)) => latest_col.push(Some(&c.value(row).to_string())),
                                None => latest_col.push(None),
                            },
                        }
                    }
                    latest_col
                })
                .collect();
            Column {
                name: name.to_owned(),
                role: Role::Canonical(field),
                data: ColumnData::concat(blocks.into_iter().map(ColumnData::Utf8).collect()),
            }
        };
    use std::fmt::Write as _;
    columns.push(ident("phoneNumber", CanonicalField::PhoneNumber, &|r, b| {
        n.phone[r as usize].is_some_and(|k| write!(b, "{k}").is_ok())
    }));
    columns.push(ident("email", CanonicalField::Email, &|r, b| {
        n.email[r as usize].as_deref().is_some_and(|e| {
            b.push_str(e);
            true
        })
    }));
    columns.push(ident("taxDocument", CanonicalField::TaxDocument, &|r, b| {
        n.cpf[r as usize].is_some_and(|k| write!(b, "{k:011}").is_ok())
    }));
    for field in [CanonicalField::Name, CanonicalField::City, CanonicalField::Address] {
        let raw = raw_of(field);
        let picks: Vec<Option<(usize, usize)>> =
            (0..profiles).into_par_iter().map(|p| pick_latest(members.of(p), &raw, &loc)).collect();
        columns.push(Column {
            name: field.name().to_owned(),
            role: Role::Canonical(field),
            data: gather(&raw, &picks, DataType::Utf8),
        });
    }

    // Behaviour attributes: the union over imports, by name; one type where all agree.
    let mut attrs: Vec<(String, DataType)> = Vec::new();
    let mut attr_at: ahash::AHashMap<&str, usize> = ahash::AHashMap::new();
    for s in sources {
        for c in s.table.columns().iter().filter(|c| c.role == Role::Attribute) {
            let ty = match c.data_type() {
                DataType::Dictionary => DataType::Utf8,
                t => t,
            };
            match attr_at.get(c.name.as_str()).map(|&i| &mut attrs[i]) {
                Some((_, t)) if *t != ty => *t = DataType::Utf8,
                Some(_) => {}
                None => {
                    attr_at.insert(&c.name, attrs.len());
                    attrs.push((c.name.clone(), ty));
                }
            }
        }
    }
    let attr_columns: Vec<Column> = attrs
        .par_iter()
        .map(|(name, ty)| {
            let cols: Vec<Option<&ColumnData>> =
                sources.iter().map(|s| s.table.column(name).map(|c| &c.data)).collect();
            let picks: Vec<Option<(usize, usize)>> =
                (0..profiles).map(|p| pick_latest(members.of(p), &cols, &loc)).collect();
            let max_distinct = (profiles / 4).min(DictionaryColumn::MAX_DISTINCT);
            let dictionary = match ty {
                DataType::Utf8 => gather_dictionary(&cols, &picks, max_distinct),
                _ => None,
            };
            let mut data = dictionary.map_or_else(|| gather(&cols, &picks, *ty), ColumnData::Dictionary);
            if let ColumnData::Utf8(text) = &data
                && let Some(dict) = DictionaryColumn::try_encode(text, max_distinct)
            {
                data = ColumnData::Dictionary(dict);
            }
            Column { name: name.clone(), role: Role::Attribute, data }
        })
        .collect();
    columns.extend(attr_columns);
    Table::new(profiles, columns)
}

/// Picked cells of dictionary columns, straight into a dictionary column: each distinct
/// value of a source is interned once and every cell copies a code, which gives what
/// gathering the text and encoding it gives (codes in order of first appearance) without
/// copying or hashing every cell. `None` when a source column is not a dictionary or the
/// values are more than `max_distinct`.
fn gather_dictionary(
    cols: &[Option<&ColumnData>],
    picks: &[Option<(usize, usize)>],
    max_distinct: usize,
) -> Option<DictionaryColumn> {
    let dicts: Vec<Option<&DictionaryColumn>> = cols
        .iter()
        .map(|c| match c {
            None => Some(None),
            Some(ColumnData::Dictionary(d)) => Some(Some(d)),
            Some(_) => None,
        })
        .collect::<Option<_>>()?;
    let mut remap: Vec<Vec<u32>> =
        dicts.iter().map(|d| vec![u32::MAX; d.map_or(0, |d| d.dictionary().len())]).collect();
    let mut encoder = DictionaryEncoder::new(picks.len(), max_distinct);
    for p in picks {
        let cell = p.and_then(|(t, row)| dicts[t].filter(|d| d.validity().get(row)).map(|d| (t, d, row)));
        let added = match cell {
            Some((t, d, row)) => {
                let code = d.codes()[row];
                encoder.push_mapped(d.dictionary().raw_bytes(code as usize), code, &mut remap[t])
            }
            None => encoder.push(None),
        };
        if !added {
            return None;
        }
    }
    Some(encoder.finish())
}

/// The most recent of `records` (ascending) whose column has a value: (source, row).
fn pick_latest(records: &[u32], cols: &[Option<&ColumnData>], loc: &Locator) -> Option<(usize, usize)> {
    records.iter().rev().find_map(|&r| {
        let (t, row) = loc.locate(r);
        cols[t].filter(|c| c.validity().get(row)).map(|_| (t, row))
    })
}

/// Builds a column of type `ty` from picked (source, row) cells, copying text bytes
/// directly; a cell of another type than `ty` is read as its text (text columns) or left
/// empty (typed columns, which only arise when every source agrees on the type).
fn gather(cols: &[Option<&ColumnData>], picks: &[Option<(usize, usize)>], ty: DataType) -> ColumnData {
    if matches!(ty, DataType::Utf8 | DataType::Dictionary) {
        let mut out = StringColumn::with_capacity(picks.len(), picks.len() * 12);
        for p in picks {
            match p.and_then(|(t, row)| cols[t].map(|c| (c, row))) {
                Some((ColumnData::Utf8(c), row)) => out.push_utf8_bytes(Some(c.raw_bytes(row))),
                Some((ColumnData::Dictionary(c), row)) => {
                    out.push_utf8_bytes(Some(c.dictionary().raw_bytes(c.codes()[row] as usize)))
                }
                Some((other, row)) => out.push(Some(&other.value(row).to_string())),
                None => out.push(None),
            }
        }
        return ColumnData::Utf8(out);
    }
    let values = picks.iter().map(|p| match p {
        Some((t, row)) => cols[*t].map_or(Value::Null, |c| c.value(*row)),
        None => Value::Null,
    });
    column_from_values(ty, picks.len(), values)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Members ordered by recency the plain way: each profile's records sorted by import.
    fn sorted_per_profile(labels: &[u32], clusters: usize, changed: &[i64]) -> Vec<Vec<u32>> {
        let m = Members::new(labels, clusters);
        (0..clusters)
            .map(|p| {
                let mut records = m.of(p).to_vec();
                records.sort_by_key(|&r| changed[r as usize]);
                records
            })
            .collect()
    }

    #[test]
    fn members_by_recency_order_each_profile_by_import_then_record() {
        use rand::{Rng, SeedableRng};
        let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(7);
        for (records, clusters, imports) in [(1_000, 300, 5), (2_000, 50, 1), (500, 499, 40), (0, 0, 3)] {
            let labels: Vec<u32> = (0..records).map(|_| rng.random_range(0..clusters.max(1))).collect();
            let changed: Vec<i64> = (0..records).map(|_| 10 + rng.random_range(0..imports) * 3).collect();
            let want = sorted_per_profile(&labels, clusters as usize, &changed);
            let m = Members::by_recency(&labels, clusters as usize, &changed);
            let got: Vec<Vec<u32>> = (0..clusters as usize).map(|p| m.of(p).to_vec()).collect();
            assert_eq!(got, want, "{records} records in {clusters} profiles over {imports} imports");
        }
        assert_eq!(few_distinct(&[4, 4, 2, 9, 2], 3), Some(vec![2, 4, 9]));
        assert_eq!(few_distinct(&[4, 4, 2, 9, 2], 2), None);
    }

    fn dictionary(values: &[Option<&str>]) -> ColumnData {
        let mut text = StringColumn::default();
        for v in values {
            text.push(*v);
        }
        ColumnData::Dictionary(DictionaryColumn::encode(&text))
    }

    #[test]
    fn dictionary_cells_gather_as_the_encoded_text_would() {
        let a = dictionary(&[Some("loja"), None, Some("site"), Some("app")]);
        let b = dictionary(&[Some("site"), Some("balcão"), Some("loja")]);
        let cols = [Some(&a), None, Some(&b)];
        let picks =
            [Some((2, 1)), None, Some((0, 2)), Some((0, 0)), Some((2, 2)), Some((0, 3)), Some((2, 0))];
        let fast = gather_dictionary(&cols, &picks, 100).expect("every source is a dictionary");
        let ColumnData::Utf8(text) = gather(&cols, &picks, DataType::Utf8) else { panic!("text") };
        let slow = DictionaryColumn::try_encode(&text, 100).expect("few values");
        assert_eq!(fast, slow);
        assert!(gather_dictionary(&cols, &picks, 2).is_none(), "more distinct values than allowed");
        let plain = ColumnData::Utf8(StringColumn::default());
        assert!(gather_dictionary(&[Some(&plain)], &[], 100).is_none(), "a text source is gathered as text");
    }
}
