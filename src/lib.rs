//! hyperseg: a batch engine that turns CRM dumps into unified customer profiles, lead scores
//! and explained audiences. See `DESIGN.md` in the repository for the pipeline and its stages.

pub mod audience;
pub mod columns;
pub mod compute;
pub mod enrich;
#[doc(hidden)]
pub mod fuzz;
pub mod generate;
pub mod identity;
pub mod ingest;
pub mod pipeline;
pub mod report;
pub mod score;
pub mod segment;
pub mod store;
pub mod text;
