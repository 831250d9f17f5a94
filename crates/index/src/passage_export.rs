//! Passages in passage order with their ids and the text the dense build embeds, so that
//! `driftless embed` can embed a built snapshot elsewhere (a GPU machine) and `build
//! --vectors` can import the result.
use std::ops::Range;

use crate::error::InternalError;
use crate::snapshot::Snapshot;

/// One passage as a dense build sees it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PassageForEmbedding {
    /// `doc_id#ordinal`, as in search hits and in `--vector-ids` files.
    pub id: String,
    /// The embedded text: the page title, a newline, the passage (what the build's spool
    /// holds; keep the two in step, or imported vectors stop matching in-process ones).
    pub text: String,
}

impl Snapshot {
    /// Number of passages (dense vectors are in this order: ordinal 0 first).
    pub fn passage_count(&self) -> usize {
        self.passages.table.doc_of_ord.len()
    }

    /// The passages of ordinals `ords`, in order. Consecutive passages of one document read
    /// the stored document once.
    pub fn passages_for_embedding(
        &self,
        ords: Range<u32>,
    ) -> Result<Vec<PassageForEmbedding>, InternalError> {
        let table = &self.passages.table;
        let mut out = Vec::with_capacity(ords.len());
        let mut cached: Option<(usize, crate::hits::StoredDoc)> = None;
        for ord in ords {
            let passage = *table.doc_of_ord.get(ord as usize).ok_or_else(|| {
                InternalError::Corrupt(format!("passage ordinal {ord} out of range"))
            })? as usize;
            let doc_ord = table.doc_ord[passage] as usize;
            if cached.as_ref().is_none_or(|(at, _)| *at != doc_ord) {
                let doc_id = *self.docs.table.doc_of_ord.get(doc_ord).ok_or_else(|| {
                    InternalError::Corrupt(format!(
                        "passage {ord} points at missing document {doc_ord}"
                    ))
                })?;
                cached = Some((doc_ord, self.stored_doc(doc_id)?));
            }
            let Some((_, doc)) = cached.as_ref() else {
                continue;
            };
            let passage_text = table.text(passage, &doc.text).ok_or_else(|| {
                InternalError::Corrupt(format!("passage {ord} lies outside its document"))
            })?;
            out.push(PassageForEmbedding {
                id: format!("{}#{}", doc.doc_id, table.ordinal[passage]),
                text: format!("{}\n{passage_text}", doc.title),
            });
        }
        Ok(out)
    }
}
