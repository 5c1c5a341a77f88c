//! Reading enrichment files: CSV (comma, semicolon or tab, UTF-8, with a header) or JSON Lines
//! (one object a line), split into chunks at record boundaries and parsed in parallel. Each
//! chunk feeds its own [`RowSink`]; the sinks come back in file order.

use super::EnrichError;
use crate::ingest::split::chunk_ranges;
use rayon::prelude::*;
use std::path::Path;

/// Receives a chunk's rows, fields in header order (missing fields are empty).
pub trait RowSink: Send {
    fn row(&mut self, line: u64, fields: &[&str]);
    /// A row that could not be read as a row at all.
    fn reject(&mut self, line: u64, reason: &'static str, detail: String, raw: String);
}

/// A file's header and its sinks, in file order.
pub struct ReadFile<S> {
    pub header: Vec<String>,
    pub sinks: Vec<S>,
    pub bytes: u64,
    pub json_lines: bool,
}

/// Bytes per parallel chunk.
const CHUNK: usize = if cfg!(debug_assertions) { 256 } else { 4 << 20 };

fn input_err(path: &Path, line: usize, message: impl Into<String>) -> EnrichError {
    EnrichError::Input { file: path.display().to_string(), line, message: message.into() }
}

/// Reads `path` (CSV, or JSON Lines when its name ends in `.jsonl` / `.ndjson` or its first
/// character is `{`), feeding rows to sinks made by `make(header)`.
pub fn read_file<S: RowSink>(
    path: &Path,
    make: &(dyn Fn(&[String]) -> Result<S, EnrichError> + Sync),
) -> Result<ReadFile<S>, EnrichError> {
    let bytes = std::fs::read(path).map_err(|e| input_err(path, 0, format!("cannot read: {e}")))?;
    read_bytes(path, &bytes, make)
}

/// [`read_file`] over bytes in memory; `path` names them in messages.
pub fn read_bytes<S: RowSink>(
    path: &Path,
    bytes: &[u8],
    make: &(dyn Fn(&[String]) -> Result<S, EnrichError> + Sync),
) -> Result<ReadFile<S>, EnrichError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    let name = path.to_string_lossy().to_ascii_lowercase();
    let first = bytes.iter().find(|b| !b.is_ascii_whitespace());
    let json = name.ends_with(".jsonl") || name.ends_with(".ndjson") || first == Some(&b'{');
    let (header, sinks) =
        if json { read_json_lines(path, bytes, make)? } else { read_csv(path, bytes, make)? };
    Ok(ReadFile { header, sinks, bytes: bytes.len() as u64, json_lines: json })
}

/// Lines before each range (1-based line of the range's first byte).
fn first_lines(bytes: &[u8], ranges: &[std::ops::Range<usize>], before: u64) -> Vec<u64> {
    let counts: Vec<u64> =
        ranges.par_iter().map(|r| memchr::memchr_iter(b'\n', &bytes[r.clone()]).count() as u64).collect();
    let mut line = before + 1;
    counts
        .iter()
        .map(|c| {
            let l = line;
            line += c;
            l
        })
        .collect()
}

fn read_csv<S: RowSink>(
    path: &Path,
    bytes: &[u8],
    make: &(dyn Fn(&[String]) -> Result<S, EnrichError> + Sync),
) -> Result<(Vec<String>, Vec<S>), EnrichError> {
    let head_end = memchr::memchr(b'\n', bytes).map_or(bytes.len(), |i| i + 1);
    let head = &bytes[..head_end];
    let sep = [b',', b';', b'\t']
        .into_iter()
        .max_by_key(|&s| head.iter().filter(|&&b| b == s).count())
        .unwrap_or(b',');
    let mut rdr = csv::ReaderBuilder::new().delimiter(sep).has_headers(false).from_reader(head);
    let mut rec = csv::StringRecord::new();
    let got =
        rdr.read_record(&mut rec).map_err(|e| input_err(path, 1, format!("the header is not valid: {e}")))?;
    if !got || rec.iter().all(|f| f.trim().is_empty()) {
        return Err(input_err(path, 1, "the file has no header"));
    }
    let header: Vec<String> = rec.iter().map(|f| f.trim().to_owned()).collect();
    let data = &bytes[head_end..];
    let ranges = chunk_ranges(data, CHUNK);
    let lines = first_lines(data, &ranges, 1);
    let sinks = ranges
        .into_par_iter()
        .zip(lines)
        .map(|(r, first)| {
            let mut sink = make(&header)?;
            parse_csv_chunk(&data[r], sep, first, header.len(), &mut sink);
            Ok(sink)
        })
        .collect::<Result<Vec<S>, EnrichError>>()?;
    Ok((header, sinks))
}

fn parse_csv_chunk<S: RowSink>(chunk: &[u8], sep: u8, first_line: u64, width: usize, sink: &mut S) {
    let mut rdr =
        csv::ReaderBuilder::new().delimiter(sep).has_headers(false).flexible(true).from_reader(chunk);
    let mut rec = csv::ByteRecord::new();
    loop {
        match rdr.read_byte_record(&mut rec) {
            Ok(false) => break,
            Ok(true) => {}
            Err(e) => {
                let line = first_line + e.position().map_or(0, |p| p.line().saturating_sub(1));
                sink.reject(line, "unreadable", e.to_string(), String::new());
                continue;
            }
        }
        let line = first_line + rec.position().map_or(0, |p| p.line().saturating_sub(1));
        if rec.len() == 1 && rec[0].iter().all(|b| b.is_ascii_whitespace()) {
            continue; // blank line
        }
        let raw =
            || rec.iter().map(|f| String::from_utf8_lossy(f).into_owned()).collect::<Vec<_>>().join(",");
        if rec.len() != width {
            sink.reject(
                line,
                "wrong_field_count",
                format!("found {} fields, expected {width}", rec.len()),
                raw(),
            );
            continue;
        }
        let Ok(all) = simdutf8::basic::from_utf8(rec.as_slice()) else {
            sink.reject(line, "invalid_utf8", "a field is not valid UTF-8".into(), raw());
            continue;
        };
        let fields: Vec<&str> = (0..rec.len()).map(|i| &all[rec.range(i).expect("field in range")]).collect();
        sink.row(line, &fields);
    }
}

fn read_json_lines<S: RowSink>(
    path: &Path,
    bytes: &[u8],
    make: &(dyn Fn(&[String]) -> Result<S, EnrichError> + Sync),
) -> Result<(Vec<String>, Vec<S>), EnrichError> {
    // The header is the keys of the first object; later lines are read by those keys.
    let first = bytes.split(|&b| b == b'\n').position(|l| !l.trim_ascii().is_empty()).unwrap_or(0);
    let first_line = bytes.split(|&b| b == b'\n').nth(first).unwrap_or_default();
    let obj: serde_json::Map<String, serde_json::Value> = serde_json::from_slice(first_line.trim_ascii())
        .map_err(|e| input_err(path, first + 1, format!("not a JSON object: {e}")))?;
    let header: Vec<String> = obj.keys().cloned().collect();
    let mut ranges = Vec::new();
    let mut start = 0;
    while start < bytes.len() {
        let end = (start + CHUNK).min(bytes.len());
        let end = memchr::memchr(b'\n', &bytes[end..]).map_or(bytes.len(), |i| end + i + 1);
        ranges.push(start..end);
        start = end;
    }
    let lines = first_lines(bytes, &ranges, 0);
    let sinks = ranges
        .into_par_iter()
        .zip(lines)
        .map(|(r, first)| {
            let mut sink = make(&header)?;
            for (i, line) in bytes[r].split(|&b| b == b'\n').enumerate() {
                json_line(line, first + i as u64, &header, &mut sink);
            }
            Ok(sink)
        })
        .collect::<Result<Vec<S>, EnrichError>>()?;
    Ok((header, sinks))
}

fn json_line<S: RowSink>(line: &[u8], n: u64, header: &[String], sink: &mut S) {
    let line = line.trim_ascii();
    if line.is_empty() {
        return;
    }
    let raw = || String::from_utf8_lossy(line).into_owned();
    let obj: serde_json::Map<String, serde_json::Value> = match serde_json::from_slice(line) {
        Ok(o) => o,
        Err(e) => return sink.reject(n, "unreadable", format!("not a JSON object: {e}"), raw()),
    };
    let values: Vec<String> = header
        .iter()
        .map(|k| match obj.get(k) {
            None | Some(serde_json::Value::Null) => String::new(),
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(v) => v.to_string(),
        })
        .collect();
    let fields: Vec<&str> = values.iter().map(String::as_str).collect();
    sink.row(n, &fields);
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Collect(Vec<(u64, Vec<String>)>, Vec<(u64, &'static str)>);
    impl RowSink for Collect {
        fn row(&mut self, line: u64, fields: &[&str]) {
            self.0.push((line, fields.iter().map(|s| s.to_string()).collect()));
        }
        fn reject(&mut self, line: u64, reason: &'static str, _: String, _: String) {
            self.1.push((line, reason));
        }
    }

    type Rows = Vec<(u64, Vec<String>)>;

    fn read(name: &str, text: &str) -> (Vec<String>, Rows, Vec<(u64, &'static str)>) {
        let f =
            read_bytes(Path::new(name), text.as_bytes(), &|_| Ok(Collect(Vec::new(), Vec::new()))).unwrap();
        let mut rows = Vec::new();
        let mut rejects = Vec::new();
        for s in f.sinks {
            rows.extend(s.0);
            rejects.extend(s.1);
        }
        (f.header, rows, rejects)
    }

    #[test]
    fn csv_rows_keep_their_lines_across_chunks() {
        let mut text = String::from("contact;text\n");
        for i in 0..200 {
            text.push_str(&format!("{i};\"hello, \"\"{i}\"\"\nsecond line\"\n"));
        }
        text.push_str("bad;row;extra\n");
        let (header, rows, rejects) = read("m.csv", &text);
        assert_eq!(header, ["contact", "text"]);
        assert_eq!(rows.len(), 200);
        for (i, (line, f)) in rows.iter().enumerate() {
            assert_eq!(*line, 2 + 2 * i as u64);
            assert_eq!(f[1], format!("hello, \"{i}\"\nsecond line"));
        }
        assert_eq!(rejects, vec![(402, "wrong_field_count")]);
    }

    #[test]
    fn json_lines_are_read_by_the_first_objects_keys() {
        let text = "{\"contact\": \"a@b.c\", \"n\": 3}\n\n{\"n\": 4, \"contact\": \"x\"}\nnot json\n";
        let (header, rows, rejects) = read("m.jsonl", text);
        assert_eq!(header, ["contact", "n"]);
        assert_eq!(rows, vec![(1, vec!["a@b.c".into(), "3".into()]), (3, vec!["x".into(), "4".into()])]);
        assert_eq!(rejects, vec![(4, "unreadable")]);
    }
}
