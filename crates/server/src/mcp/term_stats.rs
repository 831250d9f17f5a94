//! The MCP `term_stats` tool: document frequencies for an agent that weights its query.
//!
//! SIRA-style agents ask how common each candidate term is, then issue one weighted BM25
//! call (`vacuum^2 freeze`): rare, specific terms up, common ones down. `/v1/stats/terms`
//! gave REST clients the statistics; an agent that only speaks MCP needs them as a tool.
//! It runs the same engine call as the REST route, so both answer the same numbers.
use rmcp::handler::server::wrapper::{Json, Parameters};
use rmcp::model::{CallToolResult, ContentBlock};
use rmcp::schemars::{self, JsonSchema};
use rmcp::{tool, tool_router};
use serde::{Deserialize, Serialize};

use super::DriftlessMcp;
use crate::error::ApiError;

const TERM_STATS_DESCRIPTION: &str = "\
Corpus statistics for up to 32 terms: how many documents contain each (all of its words, \
after the same stemming and stop-word removal as search), with the collection's size. Use it \
before searching to weight a query: rare, specific terms deserve a boost (`term^2` in `search`, \
BM25 modes), terms in most documents add little. Returns JSON {\"snapshot\",\"total_docs\",\
\"total_passages\",\"terms\":[{\"term\",\"tokens\",\"doc_freq\"}]}.";

/// Arguments of `term_stats`.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub struct TermStatsParams {
    /// Words or short phrases (1 to 32 of them, each at most 100 characters), e.g.
    /// ["vacuum", "freeze", "autovacuum worker"]. A phrase counts documents with all its words.
    pub terms: Vec<String>,
}

/// One term's document frequency.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TermStatOutput {
    /// The term as asked.
    pub term: String,
    /// The index tokens it analyses to (lower-cased, stemmed; stop words dropped).
    pub tokens: Vec<String>,
    /// Documents containing every token (0 when it analyses to nothing).
    pub doc_freq: u64,
}

/// Result of `term_stats`.
#[derive(Debug, Serialize, JsonSchema)]
pub struct TermStatsOutput {
    /// Snapshot id that answered.
    pub snapshot: String,
    /// Documents in the snapshot.
    pub total_docs: u64,
    /// Passages in the snapshot.
    pub total_passages: u64,
    /// One entry per requested term, in request order.
    pub terms: Vec<TermStatOutput>,
}

fn tool_error(error: &ApiError) -> CallToolResult {
    let body =
        serde_json::json!({ "error": { "code": error.code.as_str(), "message": error.message } });
    CallToolResult::error(vec![ContentBlock::text(body.to_string())])
}

#[tool_router(router = term_stats_router, vis = "pub(super)")]
impl DriftlessMcp {
    #[tool(
        name = "term_stats",
        description = TERM_STATS_DESCRIPTION,
        annotations(title = "Term statistics", read_only_hint = true, idempotent_hint = true, open_world_hint = false)
    )]
    async fn term_stats(
        &self,
        Parameters(params): Parameters<TermStatsParams>,
    ) -> Result<Json<TermStatsOutput>, CallToolResult> {
        let snapshot = self.state.snapshot().map_err(|e| tool_error(&e))?;
        let terms = params.terms;
        let (outcome, _) = self
            .state
            .run_light(move || snapshot.term_stats(&terms))
            .await
            .map_err(|e| tool_error(&e))?;
        let body = outcome.map_err(|e| tool_error(&ApiError::from(e)))?;
        Ok(Json(TermStatsOutput {
            snapshot: body.snapshot,
            total_docs: body.total_docs,
            total_passages: body.total_passages,
            terms: body
                .terms
                .into_iter()
                .map(|t| TermStatOutput {
                    term: t.term,
                    tokens: t.tokens,
                    doc_freq: t.doc_freq,
                })
                .collect(),
        }))
    }
}
