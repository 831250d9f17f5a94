//! The driftless console: the pages `driftless serve` answers under `/ui`, rendered on the
//! server as HTML (maud) with SVG charts (plotters), so the browser runs no script and the
//! build needs no JavaScript toolchain.
//!
//! This crate renders; it does not serve. The server's `ui_*` handlers run the searches,
//! fetches and log reads and hand the answers to the page functions here, which return
//! [`maud::Markup`]:
//!
//! ```text
//! /ui/search     search_page   playground: form, ranked hits, curl line
//! /ui/compare    compare_page  two configurations side by side, Jaccard@k and RBO
//! /ui/doc        doc_page      a document window (/v1/fetch) with paging
//! /ui/snapshot   snapshot_page manifest, counts, build config, canaries, skipped records
//! /ui/sessions   sessions_page the sessions of a time range; one session's timeline
//! /ui/dashboards dashboards_page the query-log analysis's figures over a time range
//! ```
//!
//! It also holds what the console shares with `driftless logs report`: the figures
//! ([`figures`]), the streamed analysis of a store ([`analyse_store`]) and the evidence
//! source that rebuilds delivered texts from a snapshot ([`SnapshotEvidence`]).
#![warn(missing_docs)]

mod charts;
mod compare_page;
mod dashboards_page;
mod doc_page;
mod error;
mod evidence;
pub mod figures;
mod form;
mod layout;
mod log_analysis;
mod search_page;
mod session_view;
mod sessions_page;
mod snapshot_page;

pub use compare_page::{Comparison, Side, compare_page};
pub use dashboards_page::dashboards_page;
pub use doc_page::doc_page;
pub use error::ConsoleError;
pub use evidence::SnapshotEvidence;
pub use form::{CompareForm, LogForm, SearchForm};
pub use layout::{CONTENT_SECURITY_POLICY, STYLESHEET, error_page};
pub use log_analysis::{AnalysisInputs, analyse_store, intent_of, reformulation_labels};
pub use search_page::search_page;
pub use session_view::{SessionSummary, Timeline, TimelineStep, timeline};
pub use sessions_page::{SessionList, session_page, sessions_page};
pub use snapshot_page::snapshot_page;
