//! One test binary for the query-log crate (fast to link): store suite on SQLite and
//! Postgres, capture under overflow and outages, hand-computed sessions and metrics,
//! export/import.
mod integration {
    pub mod capture;
    pub mod fixtures;
    pub mod import;
    pub mod journal;
    pub mod metrics;
    pub mod parquet_export;
    pub mod poison;
    pub mod portability;
    pub mod rejected;
    pub mod store_suite;
    pub mod support;
    pub mod tls;
    pub mod upgrade;
}
