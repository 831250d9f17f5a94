//! The segments of one index in `ord` order, and the one doc id space that spans them.
//!
//! A shared-layout build merges its chunk segments into `build.segments` segments of
//! consecutive documents, each merged on a core of its own (ingest's write.rs): tantivy
//! merges one segment list on one thread, and a single final merge left one core idle for
//! a third of the build. Everything above this module sees one index: a segment's documents
//! are numbered from its `base`, segments are ordered by the `ord` of their first document,
//! and every segment holds consecutive ords in order, so doc id order is `ord` order as it
//! is with one segment. BM25 statistics are summed over the segments (bm25.rs), so scores
//! and rankings do not depend on how many segments there are.
use tantivy::{DocAddress, DocId, Searcher, SegmentReader};

/// One segment and where its documents start in the index-wide numbering.
#[derive(Debug, Clone)]
pub struct Part {
    /// The segment.
    pub reader: SegmentReader,
    /// Index-wide doc id of the segment's first document.
    pub base: DocId,
    /// The segment's place among the searcher's segments (`DocAddress::segment_ord`).
    segment_ord: u32,
}

impl Part {
    /// Documents of the segment.
    pub fn max_doc(&self) -> DocId {
        self.reader.max_doc()
    }
}

/// The segments of an index, ordered by the `ord` of their first document.
#[derive(Debug, Clone)]
pub struct Segments {
    parts: Vec<Part>,
    max_doc: DocId,
}

impl Segments {
    /// The searcher's non-empty segments, ordered by `first_ord` (the `ord` fast field of a
    /// segment's first document). An error when a first ord cannot be read, or when the
    /// documents overflow a doc id.
    pub fn new(
        searcher: &Searcher,
        first_ord: impl Fn(&SegmentReader) -> Result<u64, String>,
    ) -> Result<Self, String> {
        let mut keyed = Vec::new();
        for (segment_ord, reader) in searcher.segment_readers().iter().enumerate() {
            if reader.max_doc() == 0 {
                continue;
            }
            let segment_ord = u32::try_from(segment_ord).map_err(|_| "too many segments")?;
            keyed.push((first_ord(reader)?, segment_ord, reader.clone()));
        }
        keyed.sort_by_key(|(first, segment_ord, _)| (*first, *segment_ord));
        let mut parts = Vec::with_capacity(keyed.len());
        let mut base: DocId = 0;
        for (_, segment_ord, reader) in keyed {
            let next = base
                .checked_add(reader.max_doc())
                .ok_or("more documents than a doc id can number")?;
            parts.push(Part {
                reader,
                base,
                segment_ord,
            });
            base = next;
        }
        Ok(Segments {
            parts,
            max_doc: base,
        })
    }

    /// The segments, in doc id order.
    pub fn parts(&self) -> &[Part] {
        &self.parts
    }

    /// Documents in all segments: doc ids are `0..max_doc`.
    pub fn max_doc(&self) -> DocId {
        self.max_doc
    }

    /// Index of the part holding `doc` (`doc < max_doc`).
    fn part_of(&self, doc: DocId) -> usize {
        // The first part starting after `doc`, minus one; a one-segment index is part 0.
        self.parts
            .partition_point(|part| part.base <= doc)
            .saturating_sub(1)
    }

    /// The part holding `doc` and the doc's id within it.
    pub fn locate(&self, doc: DocId) -> (&Part, DocId) {
        let part = &self.parts[self.part_of(doc)];
        (part, doc - part.base)
    }

    /// The searcher address of `doc` (for stored fields).
    pub fn address(&self, doc: DocId) -> DocAddress {
        let (part, local) = self.locate(doc);
        DocAddress::new(part.segment_ord, local)
    }

    /// The range of `sorted` (ascending doc ids) that falls in `part`.
    pub fn within(part: &Part, sorted: &[DocId]) -> std::ops::Range<usize> {
        let start = sorted.partition_point(|doc| *doc < part.base);
        let end = sorted.partition_point(|doc| *doc < part.base + part.max_doc());
        start..end
    }
}
