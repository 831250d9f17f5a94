//! What can go wrong while the console prepares a page.

/// A page could not be prepared.
#[derive(Debug, thiserror::Error)]
pub enum ConsoleError {
    /// The query-log store failed while being read.
    #[error("reading the query log: {0}")]
    Store(#[from] driftless_querylog::QueryLogError),
    /// A figure could not be drawn.
    #[error("drawing figure {0}")]
    Draw(String),
    /// The analysis worker stopped or its temporary files failed.
    #[error("analysing the query log: {0}")]
    Analysis(String),
}
