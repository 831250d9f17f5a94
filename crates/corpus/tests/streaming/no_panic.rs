//! Random and mutated input never panics a reader: every byte string either fails to
//! open with an error or reads to the end as documents and skips named after the file.

use driftless_corpus::{Format, ReadItem, ReaderOptions, open_corpus};
use proptest::prelude::*;

use crate::gzip;
use crate::warc::records;

/// File names (and so formats) the random bytes are written under.
const NAMES: [&str; 7] = [
    "x.warc",
    "x.warc.gz",
    "x.jsonl.gz",
    "x.jsonl.zst",
    "x.tsv.gz",
    "x.parquet",
    "x.jsonl",
];

/// Reads `bytes` as file `name` (gzipped first when `wrap`) to the end.
fn read_all(name: &str, bytes: &[u8], wrap: bool) -> Result<(), TestCaseError> {
    let tmp = tempfile::tempdir().map_err(|e| TestCaseError::fail(e.to_string()))?;
    let path = tmp.path().join(name);
    let content = if wrap {
        gzip(bytes).map_err(|e| TestCaseError::fail(e.to_string()))?
    } else {
        bytes.to_vec()
    };
    std::fs::write(&path, content).map_err(|e| TestCaseError::fail(e.to_string()))?;
    let options = ReaderOptions {
        max_page_bytes: 4096,
        ..ReaderOptions::default()
    };
    let Ok(corpus) = open_corpus(&path, Format::Auto, &options) else {
        return Ok(());
    };
    for item in corpus {
        if let ReadItem::Skipped(skip) = item {
            prop_assert!(skip.source.starts_with(name), "source {:?}", skip.source);
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, ..ProptestConfig::default() })]

    #[test]
    fn random_bytes_never_panic(
        bytes in prop::collection::vec(any::<u8>(), 0..3000),
        name in 0..NAMES.len(),
        wrap in any::<bool>(),
    ) {
        // Parquet files start and end with PAR1: give the footer parser a chance.
        let mut bytes = bytes;
        if NAMES[name].ends_with(".parquet") && wrap {
            bytes.splice(0..0, b"PAR1".iter().copied());
            bytes.extend_from_slice(b"\x10\0\0\0PAR1");
        }
        read_all(NAMES[name], &bytes, wrap && !NAMES[name].ends_with(".parquet"))?;
    }

    #[test]
    fn mutated_warcs_never_panic(
        flips in prop::collection::vec((any::<prop::sample::Index>(), any::<u8>()), 1..24),
        cut in any::<prop::sample::Index>(),
        wrap in any::<bool>(),
    ) {
        let mut bytes: Vec<u8> = records().into_iter().flat_map(|(b, _)| b).collect();
        for (at, value) in flips {
            let i = at.index(bytes.len());
            bytes[i] = value;
        }
        bytes.truncate(cut.index(bytes.len() + 1));
        read_all(if wrap { "m.warc.gz" } else { "m.warc" }, &bytes, wrap)?;
    }
}
