//! Identity resolution: turns the imported contact rows into one profile per person.
//!
//! The stage normalises each identifier into a compact join key ([`normalize`]): phone →
//! international digits (E.164 without `+`, default country from the workspace, Brazil `55` by
//! default, with and without the mobile ninth digit giving the same key), e-mail → trimmed and
//! lower-cased, taxDocument (CPF) → 11 digits with verified check digits, name → lower-cased,
//! accents removed, spaces collapsed. Values that cannot be keys (impossible phones, malformed
//! e-mails, invalid or repeated-digit CPFs) are counted, never joined on. Records sharing a key
//! under the deterministic match rules are then linked (parallel hash join + union-find) into
//! profiles with persistent ids and merge lineage. A name alone never links two records.

pub mod normalize;
