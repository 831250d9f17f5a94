//! The JSON form of `logs analyse`, written as it is serialised: a report of millions of
//! sessions is never turned into a `serde_json::Value` tree first.
use serde::ser::{Serialize, SerializeMap, Serializer};

use driftless_querylog::analysis::{IntentRow, Report};

/// The selected keys of a report (keys in alphabetical order, as a JSON object map
/// orders them), with the extras the CLI adds.
pub struct JsonReport<'a> {
    pub report: &'a Report,
    /// Keys to write; `None` = all.
    pub keys: Option<Vec<&'static str>>,
    pub by_intent: Option<&'a [IntentRow]>,
    pub store_bytes: Option<u64>,
}

impl Serialize for JsonReport<'_> {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        let r = self.report;
        let want = |key: &str| self.keys.as_ref().is_none_or(|k| k.contains(&key));
        let mut map = serializer.serialize_map(None)?;
        if let (true, Some(rows)) = (want("by_intent"), self.by_intent) {
            map.serialize_entry("by_intent", rows)?;
        }
        macro_rules! field {
            ($name:literal, $value:expr) => {
                if want($name) {
                    map.serialize_entry($name, $value)?;
                }
            };
        }
        field!("clients", &r.clients);
        field!("ctar", &r.ctar);
        if let Some(evidence) = &r.ctar_evidence {
            field!("ctar_evidence", evidence);
        }
        field!("endpoints", &r.endpoints);
        field!("gap_ms", &r.gap_ms);
        field!("inter_step_buckets", &r.inter_step_buckets);
        field!("inter_step_ms", &r.inter_step_ms);
        field!("k", &r.k);
        field!("query_length", &r.query_length);
        field!("records", &r.records);
        field!("refused", &r.refused);
        field!("reformulation", &r.reformulation);
        field!("repetition", &r.repetition);
        field!("search_steps", &r.search_steps);
        field!("sessions", &r.sessions);
        if let Some(bytes) = self.store_bytes {
            field!("store_bytes", &bytes);
        }
        field!("top_queries", &r.top_queries);
        map.end()
    }
}
