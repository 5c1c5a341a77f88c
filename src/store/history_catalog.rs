//! Catalog rows kept for the report's timelines: each resolution's statistics
//! (`resolution_history`: profiles, merges, splits after every import that changed a record)
//! and each audience refresh (`audience_sizes`: size, joined, left). Both are history only;
//! nothing reads them to compute profiles or audiences.

use super::StoreError;
use super::catalog::{Catalog, CatalogWriter, cat_err};
use rusqlite::params;
use serde::Serialize;

/// One resolution, as recorded when it committed.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct ResolutionRow {
    pub seq: i64,
    /// RFC 3339 time of the resolution.
    pub at: String,
    /// The newest import it resolved (`None`: rules changed, no import).
    pub import_id: Option<i64>,
    /// The identity stage's statistics, as JSON.
    pub stats_json: String,
}

/// One audience's size after a refresh.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct AudienceSizeRow {
    pub audience_id: i64,
    pub at: String,
    pub size: u64,
    pub joined: u64,
    pub left: u64,
}

impl Catalog {
    /// Every recorded resolution, oldest first.
    pub fn resolution_history(&self) -> Result<Vec<ResolutionRow>, StoreError> {
        self.query_all(
            "SELECT seq, at, import_id, stats_json FROM resolution_history ORDER BY seq",
            [],
            |r| {
                Ok(ResolutionRow {
                    seq: r.get(0)?,
                    at: r.get(1)?,
                    import_id: r.get(2)?,
                    stats_json: r.get(3)?,
                })
            },
        )
    }

    /// Every recorded audience size, oldest first.
    pub fn audience_sizes(&self) -> Result<Vec<AudienceSizeRow>, StoreError> {
        self.query_all(
            "SELECT audience_id, at, size, joined, left_count FROM audience_sizes ORDER BY seq",
            [],
            |r| {
                Ok(AudienceSizeRow {
                    audience_id: r.get(0)?,
                    at: r.get(1)?,
                    size: r.get::<_, i64>(2)? as u64,
                    joined: r.get::<_, i64>(3)? as u64,
                    left: r.get::<_, i64>(4)? as u64,
                })
            },
        )
    }
}

impl CatalogWriter<'_> {
    /// Records a resolution's statistics.
    pub fn insert_resolution(
        &self,
        at: &str,
        import_id: Option<i64>,
        stats_json: &str,
    ) -> Result<(), StoreError> {
        self.tx
            .execute(
                "INSERT INTO resolution_history (at, import_id, stats_json) VALUES (?1, ?2, ?3)",
                params![at, import_id, stats_json],
            )
            .map(drop)
            .map_err(cat_err(self.path))
    }

    /// Blanks an erased identifier where recorded statistics name it (hub values), as
    /// `scrub_identifiers` does for lineage.
    pub(crate) fn scrub_history(&self, value: &str) -> Result<(), StoreError> {
        let quoted = serde_json::to_string(value).expect("a string serialises");
        self.tx
            .execute(
                "UPDATE resolution_history SET stats_json = replace(stats_json, ?1, '\"(erased)\"')
                 WHERE instr(stats_json, ?1) > 0",
                params![quoted],
            )
            .map(drop)
            .map_err(cat_err(self.path))
    }

    /// Records an audience's size after a refresh.
    pub fn insert_audience_size(&self, row: &AudienceSizeRow) -> Result<(), StoreError> {
        self.tx
            .execute(
                "INSERT INTO audience_sizes (audience_id, at, size, joined, left_count) VALUES (?1, ?2, ?3, ?4, ?5)",
                params![row.audience_id, row.at, row.size as i64, row.joined as i64, row.left as i64],
            )
            .map(drop)
            .map_err(cat_err(self.path))
    }
}

#[cfg(test)]
mod tests {
    use crate::store::{Commit, Workspace};

    #[test]
    fn an_erased_identifier_leaves_the_recorded_statistics() {
        let dir = tempfile::tempdir().unwrap();
        let mut ws = Workspace::init(&dir.path().join("ws")).unwrap();
        let lock = ws.lock().unwrap();
        let stats =
            r#"{"hubs":[{"rule":"email","identifier":"teste@teste.com","records":66}],"profiles":5511}"#;
        let mut commit = Commit::default();
        commit.add_catalog(Box::new(move |w| w.insert_resolution("2026-11-30T00:00:00Z", Some(1), stats)));
        ws.commit(&lock, commit).unwrap();
        let mut commit = Commit::default();
        commit.add_catalog(Box::new(|w| w.scrub_identifiers(&["teste@teste.com".into(), "5511".into()])));
        ws.commit(&lock, commit).unwrap();
        let rows = ws.catalog().resolution_history().unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].import_id, Some(1));
        // The value is gone, the JSON still reads, and a number that merely contains
        // another erased value's digits is left alone.
        assert_eq!(
            rows[0].stats_json,
            r#"{"hubs":[{"rule":"email","identifier":"(erased)","records":66}],"profiles":5511}"#
        );
        let _: serde_json::Value = serde_json::from_str(&rows[0].stats_json).unwrap();
    }
}
