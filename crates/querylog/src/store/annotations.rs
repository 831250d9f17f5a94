//! The label cache of `driftless logs annotate`, in the same store as the log (table
//! `annotation_cache`, migration 20261130000000): one row per (prompt version, model, task,
//! input), so annotating the same log again costs no request.
use super::LogStore;
use super::codec::{decode, encode};
use crate::error::Result;

/// One cached label.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CachedLabel<'a> {
    /// sha256 of prompt version, model, task and input (see `annotate.rs`).
    pub cache_key: &'a str,
    /// Version of the prompt that produced it.
    pub prompt_version: &'a str,
    /// Model name sent to the endpoint.
    pub model: &'a str,
    /// `intent` or `reformulation`.
    pub task: &'a str,
    /// The label.
    pub label: &'a str,
}

const SELECT_SQLITE: &str = "SELECT label FROM annotation_cache WHERE cache_key = ?1";
const SELECT_PG: &str = "SELECT label FROM annotation_cache WHERE cache_key = $1";
const ALL_SQLITE: &str = "SELECT cache_key, label FROM annotation_cache WHERE model = ?1";
const ALL_PG: &str = "SELECT cache_key, label FROM annotation_cache WHERE model = $1";
const INSERT_SQLITE: &str = "INSERT INTO annotation_cache (cache_key, prompt_version, model, \
    task, label, created_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6) ON CONFLICT (cache_key) DO NOTHING";
const INSERT_PG: &str = "INSERT INTO annotation_cache (cache_key, prompt_version, model, \
    task, label, created_ms) VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (cache_key) DO NOTHING";

/// Inserts encoded label rows in one transaction of `$pool`. A macro because the two
/// drivers' query and transaction types share no convenient bound (as `bind_row!`).
macro_rules! insert_labels {
    ($pool:expr, $sql:expr, $rows:expr, $created_ms:expr) => {{
        let mut tx = $pool.begin().await?;
        for [key, version, model, task, label] in $rows {
            let q = sqlx::query($sql).bind(key).bind(version).bind(model);
            let q = q.bind(task).bind(label).bind($created_ms);
            q.execute(&mut *tx).await?;
        }
        tx.commit().await?;
    }};
}

/// `sqlx::$make(sql).bind($arg).$fetch(pool)` on `$store`'s backend, with the SQL text in
/// that backend's placeholder syntax; a macro for the reason given at `insert_labels!`.
macro_rules! fetch_bound {
    ($store:expr, $make:ident, [$sqlite:expr, $pg:expr], $arg:expr, $fetch:ident) => {
        match $store {
            LogStore::Sqlite(s) => sqlx::$make($sqlite).bind($arg).$fetch(s.pool()).await?,
            LogStore::Postgres(s) => sqlx::$make($pg).bind($arg).$fetch(s.pool()).await?,
        }
    };
}

impl LogStore {
    /// The cached label for `cache_key`, if any.
    pub async fn cached_label(&self, cache_key: &str) -> Result<Option<String>> {
        let label: Option<String> = fetch_bound!(
            self,
            query_scalar,
            [SELECT_SQLITE, SELECT_PG],
            cache_key,
            fetch_optional
        );
        label
            .map(|l| {
                decode(l).map_err(|message| crate::error::QueryLogError::Corrupt {
                    request_id: format!("annotation {cache_key}"),
                    message,
                })
            })
            .transpose()
    }

    /// Every label `model` produced, by cache key: what a streaming analysis looks labels
    /// up in (one query instead of one per session).
    pub async fn cached_labels(
        &self,
        model: &str,
    ) -> Result<std::collections::HashMap<String, String>> {
        let model = encode(model).into_owned();
        let rows: Vec<(String, String)> =
            fetch_bound!(self, query_as, [ALL_SQLITE, ALL_PG], model, fetch_all);
        rows.into_iter()
            .map(|(key, label)| {
                let bad = |message| crate::error::QueryLogError::Corrupt {
                    request_id: format!("annotation {key}"),
                    message,
                };
                Ok((
                    decode(key.clone()).map_err(&bad)?,
                    decode(label).map_err(&bad)?,
                ))
            })
            .collect()
    }

    /// Stores a label (a key already stored keeps its first label).
    pub async fn cache_label(&self, entry: &CachedLabel<'_>, created_ms: i64) -> Result<()> {
        self.cache_labels(std::slice::from_ref(entry), created_ms)
            .await
    }

    /// Stores labels in one transaction (keys already stored keep their first label): one
    /// commit, and so one sync of the SQLite file, for a whole batch of answers.
    pub async fn cache_labels(&self, entries: &[CachedLabel<'_>], created_ms: i64) -> Result<()> {
        let encoded = |e: &CachedLabel<'_>| {
            [e.cache_key, e.prompt_version, e.model, e.task, e.label]
                .map(|v| encode(v).into_owned())
        };
        let rows = entries.iter().map(encoded);
        match self {
            Self::Sqlite(s) => insert_labels!(s.pool(), INSERT_SQLITE, rows, created_ms),
            Self::Postgres(s) => insert_labels!(s.pool(), INSERT_PG, rows, created_ms),
        }
        Ok(())
    }
}
