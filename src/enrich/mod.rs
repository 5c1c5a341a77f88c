//! Enrichment from messaging data: messages, campaign events and contact extras linked to
//! profiles through the identity keys, and chat classifiers (language, purchase intent, price
//! sensitivity, sentiment).

pub mod classify;
