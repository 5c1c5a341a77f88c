//! Catalog rows of automatic segmentation: generations (`auto_generations`) and the
//! explanation of each automatic audience (`auto_audiences`). What the JSON columns hold
//! is the segment stage's business; here they are text.

use super::StoreError;
use super::catalog::{Catalog, CatalogWriter, cat_err};
use rusqlite::params;
use serde::Serialize;

/// One generation of automatic audiences.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct GenerationRow {
    pub id: i64,
    pub created_at: String,
    /// The as-of day (YYYY-MM-DD).
    pub as_of: String,
    pub profiles: u64,
    /// JSON: the fields used and how each was encoded.
    pub fields: String,
    /// JSON: the fields left out and why.
    pub excluded: String,
    pub k: u64,
    pub seed: u64,
    pub backend: String,
    pub criterion: String,
    /// JSON: the criterion's values per k.
    pub scores: String,
    pub lang: String,
    /// JSON: the other settings and figures of the run.
    pub details: String,
}

const GENERATION_COLUMNS: &str =
    "id, created_at, as_of, profiles, fields, excluded, k, seed, backend, criterion, scores, lang, details";

fn row_to_generation(r: &rusqlite::Row) -> rusqlite::Result<GenerationRow> {
    Ok(GenerationRow {
        id: r.get(0)?,
        created_at: r.get(1)?,
        as_of: r.get(2)?,
        profiles: r.get::<_, i64>(3)? as u64,
        fields: r.get(4)?,
        excluded: r.get(5)?,
        k: r.get::<_, i64>(6)? as u64,
        seed: r.get::<_, i64>(7)? as u64,
        backend: r.get(8)?,
        criterion: r.get(9)?,
        scores: r.get(10)?,
        lang: r.get(11)?,
        details: r.get(12)?,
    })
}

impl Catalog {
    /// Every generation, oldest first.
    pub fn auto_generations(&self) -> Result<Vec<GenerationRow>, StoreError> {
        self.query_all(
            &format!("SELECT {GENERATION_COLUMNS} FROM auto_generations ORDER BY id"),
            [],
            row_to_generation,
        )
    }

    /// The id the next generation gets (call under the writer lock).
    pub fn next_generation_id(&self) -> Result<i64, StoreError> {
        let ids =
            self.query_all("SELECT COALESCE(MAX(id), 0) + 1 FROM auto_generations", [], |r| r.get(0))?;
        Ok(ids.first().copied().unwrap_or(1))
    }

    /// An automatic audience's generation and explanation (JSON), if it is one.
    pub fn auto_audience(&self, audience_id: i64) -> Result<Option<(i64, String)>, StoreError> {
        let rows = self.query_all(
            "SELECT generation, explanation FROM auto_audiences WHERE audience_id = ?1",
            params![audience_id],
            |r| Ok((r.get(0)?, r.get(1)?)),
        )?;
        Ok(rows.into_iter().next())
    }

    /// The audiences of a generation that still exist.
    pub fn auto_audience_ids(&self, generation: i64) -> Result<Vec<i64>, StoreError> {
        self.query_all(
            "SELECT audience_id FROM auto_audiences WHERE generation = ?1 ORDER BY audience_id",
            params![generation],
            |r| r.get(0),
        )
    }
}

impl CatalogWriter<'_> {
    pub fn insert_generation(&self, g: &GenerationRow) -> Result<(), StoreError> {
        self.tx
            .execute(
                &format!(
                    "INSERT INTO auto_generations ({GENERATION_COLUMNS})
                     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)"
                ),
                params![
                    g.id,
                    g.created_at,
                    g.as_of,
                    g.profiles as i64,
                    g.fields,
                    g.excluded,
                    g.k as i64,
                    g.seed as i64,
                    g.backend,
                    g.criterion,
                    g.scores,
                    g.lang,
                    g.details
                ],
            )
            .map(drop)
            .map_err(cat_err(self.path))
    }

    /// Records that audience `audience_id` is automatic, of `generation`, explained so.
    pub fn insert_auto_audience(
        &self,
        audience_id: i64,
        generation: i64,
        explanation: &str,
    ) -> Result<(), StoreError> {
        self.tx
            .execute(
                "INSERT OR REPLACE INTO auto_audiences (audience_id, generation, explanation) VALUES (?1, ?2, ?3)",
                params![audience_id, generation, explanation],
            )
            .map(drop)
            .map_err(cat_err(self.path))
    }

    /// Forgets the explanation of a deleted audience (nothing when it had none).
    pub fn delete_auto_audience(&self, audience_id: i64) -> Result<(), StoreError> {
        self.tx
            .execute("DELETE FROM auto_audiences WHERE audience_id = ?1", params![audience_id])
            .map(drop)
            .map_err(cat_err(self.path))
    }
}
