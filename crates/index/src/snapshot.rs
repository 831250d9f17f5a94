//! Opening a snapshot directory: manifest, both indexes, in-memory ordinal maps.
use std::path::{Path, PathBuf};

use driftless_api::{Manifest, Mode};
use tantivy::columnar::Column;
use tantivy::schema::{Field, Schema};
use tantivy::tokenizer::TextAnalyzer;
use tantivy::{DocId, Index, ReloadPolicy, Searcher, SegmentReader};

use crate::analyzer::{ANALYZER_NAME, analyzer};
use crate::bm25::{Bm25Index, Bm25Params};
use crate::dense::DenseIndex;
use crate::dense_config::DenseConfig;
use crate::error::{InternalError, OpenError};
use crate::schema::{
    DOCS_DIR, DocFields, FORMAT_VERSION, MANIFEST_FILE, PASSAGES_DIR, PassageFields,
    SHARED_PASSAGE_INDEX, doc_schema, passage_schema,
};
use crate::segments::Segments;

/// Passage spans kept in memory (a few u32 per passage): needed for every passage hit.
#[derive(Debug, Default)]
pub(crate) struct PassageTable {
    pub doc_ord: Vec<u32>,
    pub ordinal: Vec<u32>,
    pub byte_start: Vec<u32>,
    pub byte_end: Vec<u32>,
    pub char_start: Vec<u32>,
    pub char_end: Vec<u32>,
    /// passage ordinal → tantivy doc id.
    pub doc_of_ord: Vec<DocId>,
}

/// `byte_end` and `char_end` of a passage that runs to its document's end: every passage
/// of the shared layout, whose passages are whole documents and whose lengths are not kept.
pub(crate) const TO_END: u32 = u32::MAX;

impl PassageTable {
    /// The table of the shared layout: passage `p` is document `p`, whole.
    fn whole_documents(doc_ord: &[u32], doc_of_ord: &[DocId]) -> Self {
        let zeros = vec![0; doc_ord.len()];
        PassageTable {
            doc_ord: doc_ord.to_vec(),
            ordinal: zeros.clone(),
            byte_start: zeros.clone(),
            byte_end: vec![TO_END; doc_ord.len()],
            char_start: zeros,
            char_end: vec![TO_END; doc_ord.len()],
            doc_of_ord: doc_of_ord.to_vec(),
        }
    }

    /// The text of passage `passage` (a tantivy doc id of the passage index) within its
    /// document's text; `None` when the span lies outside it.
    pub fn text<'t>(&self, passage: usize, doc_text: &'t str) -> Option<&'t str> {
        let start = self.byte_start[passage] as usize;
        let end = match self.byte_end[passage] {
            TO_END => doc_text.len(),
            end => end as usize,
        };
        doc_text.get(start..end)
    }

    /// The character span of passage `passage`, whose text is `text`.
    pub fn char_span(&self, passage: usize, text: &str) -> (u64, u64) {
        let start = u64::from(self.char_start[passage]);
        let end = match self.char_end[passage] {
            TO_END => start + text.chars().count() as u64,
            end => u64::from(end),
        };
        (start, end)
    }
}

/// Per-document passage ranges, and doc ordinal → tantivy doc id.
#[derive(Debug, Default)]
pub(crate) struct DocTable {
    pub first_passage: Vec<u32>,
    pub passage_count: Vec<u32>,
    pub doc_of_ord: Vec<DocId>,
}

/// The document index: BM25 over whole documents, the searcher that reads their stored
/// fields (fetch, hit texts), and each document's passage range.
pub(crate) struct DocSide {
    pub bm25: Bm25Index,
    pub searcher: Searcher,
    pub fields: DocFields,
    pub table: DocTable,
}

/// The passage index: BM25 over passages and the spans every passage hit needs. Passage
/// texts are read from the document store (`DocSide`), never from this index.
pub(crate) struct PassageSide {
    pub bm25: Bm25Index,
    pub table: PassageTable,
}

/// An opened, verified snapshot. Cheap to share behind an `Arc`; all methods take `&self`
/// and are safe to call from many threads at once. The search, hit, fetch and dense
/// modules each add their `impl Snapshot`; what they share is the manifest, the analyser
/// and the two sides below.
pub struct Snapshot {
    dir: PathBuf,
    pub(crate) manifest: Manifest,
    pub(crate) analyzer: TextAnalyzer,
    pub(crate) docs: DocSide,
    pub(crate) passages: PassageSide,
    pub(crate) dense: Option<DenseIndex>,
}

/// Opens the index of `dir` and orders its segments by the `ord` of their first document.
fn open_index(dir: &Path) -> Result<(Searcher, Segments), OpenError> {
    let index_error = |message: String| OpenError::Index {
        path: dir.display().to_string(),
        message,
    };
    let index = Index::open_in_dir(dir).map_err(|e| index_error(e.to_string()))?;
    index.tokenizers().register(ANALYZER_NAME, analyzer());
    let reader = index
        .reader_builder()
        .reload_policy(ReloadPolicy::Manual)
        .try_into()
        .map_err(|e: tantivy::TantivyError| index_error(e.to_string()))?;
    let searcher = reader.searcher();
    let first_ord = |segment: &SegmentReader| -> Result<u64, String> {
        let column: Column<u64> = segment
            .fast_fields()
            .u64("ord")
            .map_err(|e| format!("fast field ord: {e}"))?;
        column
            .first(0)
            .ok_or_else(|| "a segment's first document has no ord".to_string())
    };
    let segments = Segments::new(&searcher, first_ord).map_err(index_error)?;
    Ok((searcher, segments))
}

/// The BM25 view of an opened index: its segments scored over the `(schema, content,
/// site)` fields given, with `ord` as tie-break; a failure names the index directory.
fn open_bm25(
    segments: &Segments,
    (schema, content, site): (Schema, Field, Field),
    ord: Vec<u32>,
    dir: &Path,
) -> Result<Bm25Index, OpenError> {
    Bm25Index::new(segments.clone(), schema, content, site, ord).map_err(|e| OpenError::Index {
        path: dir.display().to_string(),
        message: e.to_string(),
    })
}

/// The u32 column `name` of every document, in index-wide doc id order.
fn column_u32(segments: &Segments, name: &str, dir: &Path) -> Result<Vec<u32>, OpenError> {
    let fail = |message: String| OpenError::Index {
        path: dir.display().to_string(),
        message,
    };
    let mut values = Vec::with_capacity(segments.max_doc() as usize);
    for part in segments.parts() {
        let column: Column<u64> = part
            .reader
            .fast_fields()
            .u64(name)
            .map_err(|e| fail(format!("fast field {name}: {e}")))?;
        for local in 0..part.max_doc() {
            let doc = part.base + local;
            let value = column
                .first(local)
                .ok_or_else(|| fail(format!("doc {doc} has no {name}")))?;
            values.push(
                u32::try_from(value)
                    .map_err(|_| fail(format!("{name} of doc {doc} overflows u32")))?,
            );
        }
    }
    Ok(values)
}

/// Inverts an ordinal column into ordinal → doc id, checking it is a permutation.
fn invert(ord_of: &[u32], dir: &Path) -> Result<Vec<DocId>, OpenError> {
    let mut doc_of = vec![DocId::MAX; ord_of.len()];
    for (doc, &ord) in ord_of.iter().enumerate() {
        match doc_of.get_mut(ord as usize) {
            Some(slot) if *slot == DocId::MAX => *slot = doc as DocId,
            _ => {
                return Err(OpenError::Index {
                    path: dir.display().to_string(),
                    message: format!("ordinal {ord} is duplicated or out of range"),
                });
            }
        }
    }
    Ok(doc_of)
}

/// The passage index of its own (every layout but the shared one) and its spans.
fn open_passages(passages_dir: &Path) -> Result<(Bm25Index, PassageTable), OpenError> {
    let (passage_schema, passage_fields): (_, PassageFields) = passage_schema();
    let (_, passage_segments) = open_index(passages_dir)?;
    let passage_ord = column_u32(&passage_segments, "ord", passages_dir)?;
    let column = |name: &str| column_u32(&passage_segments, name, passages_dir);
    let table = PassageTable {
        doc_ord: column("doc_ord")?,
        ordinal: column("ordinal")?,
        byte_start: column("byte_start")?,
        byte_end: column("byte_end")?,
        char_start: column("char_start")?,
        char_end: column("char_end")?,
        doc_of_ord: invert(&passage_ord, passages_dir)?,
    };
    let bm25 = open_bm25(
        &passage_segments,
        (passage_schema, passage_fields.content, passage_fields.site),
        passage_ord,
        passages_dir,
    )?;
    Ok((bm25, table))
}

impl std::fmt::Debug for Snapshot {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Snapshot")
            .field("dir", &self.dir)
            .field("snapshot_id", &self.manifest.snapshot_id)
            .field("documents", &self.docs.bm25.num_docs())
            .field("passages", &self.passages.bm25.num_docs())
            .finish_non_exhaustive()
    }
}

impl Snapshot {
    /// The dense index, when the snapshot was built with `--dense` (benchmarks and tools
    /// that measure the vector search alone, without embedding or fusion).
    pub fn dense_index(&self) -> Option<&DenseIndex> {
        self.dense.as_ref()
    }

    /// The BM25 index of `unit` (benchmarks and tests that compare ranking strategies on
    /// the snapshot's own segments).
    pub fn bm25_index(&self, unit: driftless_api::Unit) -> &crate::bm25::Bm25Index {
        match unit {
            driftless_api::Unit::Doc => &self.docs.bm25,
            driftless_api::Unit::Passage => &self.passages.bm25,
        }
    }

    /// Reads the manifest of `dir` without opening the indexes.
    pub fn read_manifest(dir: &Path) -> Result<Manifest, OpenError> {
        let path = dir.join(MANIFEST_FILE);
        if !path.is_file() {
            return Err(OpenError::NotASnapshot {
                dir: dir.display().to_string(),
            });
        }
        let bytes = std::fs::read(&path).map_err(|source| OpenError::Io {
            path: path.display().to_string(),
            source,
        })?;
        let manifest: Manifest =
            serde_json::from_slice(&bytes).map_err(|e| OpenError::BadManifest {
                path: path.display().to_string(),
                message: e.to_string(),
            })?;
        if manifest.format_version != FORMAT_VERSION {
            return Err(OpenError::IncompatibleVersion {
                found: manifest.format_version,
                supported: FORMAT_VERSION,
            });
        }
        Ok(manifest)
    }

    /// Opens the indexes of `dir` without any verification (used by the builder itself).
    pub(crate) fn load(dir: &Path, ort_library: &Path) -> Result<Self, OpenError> {
        let manifest = Self::read_manifest(dir)?;
        let docs_dir = dir.join(DOCS_DIR);
        let (doc_schema, doc_fields) = doc_schema();
        let (doc_searcher, doc_segments) = open_index(&docs_dir)?;

        let doc_ord = column_u32(&doc_segments, "ord", &docs_dir)?;
        let doc_table = DocTable {
            first_passage: column_u32(&doc_segments, "first_passage", &docs_dir)?,
            passage_count: column_u32(&doc_segments, "passage_count", &docs_dir)?,
            doc_of_ord: invert(&doc_ord, &docs_dir)?,
        };
        let (passages, passage_table) =
            if manifest.build.passage_index.as_deref() == Some(SHARED_PASSAGE_INDEX) {
                // Passages are the documents (the build checked each is one whole passage):
                // the same segment, scored over the same content, ords and ties.
                let table = PassageTable::whole_documents(&doc_ord, &doc_table.doc_of_ord);
                let bm25 = open_bm25(
                    &doc_segments,
                    (doc_schema.clone(), doc_fields.content, doc_fields.site),
                    doc_ord.clone(),
                    &docs_dir,
                )?;
                (bm25, table)
            } else {
                open_passages(&dir.join(PASSAGES_DIR))?
            };
        let docs = open_bm25(
            &doc_segments,
            (doc_schema, doc_fields.content, doc_fields.site),
            doc_ord,
            &docs_dir,
        )?;
        let dense = match &manifest.build.dense {
            None => None,
            Some(value) => {
                let config: DenseConfig =
                    serde_json::from_value(value.clone()).map_err(|e| OpenError::BadManifest {
                        path: dir.join(MANIFEST_FILE).display().to_string(),
                        message: format!("build.dense: {e}"),
                    })?;
                Some(DenseIndex::open(
                    dir,
                    config,
                    passage_table.doc_of_ord.len(),
                    ort_library,
                )?)
            }
        };
        Ok(Self {
            dense,
            dir: dir.to_path_buf(),
            manifest,
            analyzer: analyzer(),
            docs: DocSide {
                bm25: docs,
                searcher: doc_searcher,
                fields: doc_fields,
                table: doc_table,
            },
            passages: PassageSide {
                bm25: passages,
                table: passage_table,
            },
        })
    }

    /// The snapshot id.
    pub fn id(&self) -> &str {
        &self.manifest.snapshot_id
    }

    /// The manifest.
    pub fn manifest(&self) -> &Manifest {
        &self.manifest
    }

    /// The snapshot directory.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Mode used when a request names none: `hybrid` once a dense index exists.
    pub fn default_mode(&self) -> Mode {
        if self.manifest.build.dense.is_some() {
            Mode::Hybrid
        } else {
            Mode::Bm25
        }
    }

    /// Starts the query encoder of a dense snapshot now (a no-op without a dense index), so
    /// that a server with no ONNX Runtime stops at start-up with the fix in the message
    /// rather than failing its first dense or hybrid query. BM25-only callers skip it.
    pub fn start_dense_encoder(&self) -> Result<(), InternalError> {
        match &self.dense {
            Some(dense) => dense.encoder().map(|_| ()),
            None => Ok(()),
        }
    }

    /// The snapshot's default BM25 parameters.
    pub fn default_bm25(&self) -> Bm25Params {
        Bm25Params {
            k1: self.manifest.build.bm25_k1,
            b: self.manifest.build.bm25_b,
        }
    }
}
