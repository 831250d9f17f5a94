//! driftless-rerank on ONNX Runtime: the stand-in cross-encoder (tests/common) for everything
//! the engine promises about bits, batches and truncation, and the real cross-encoder, when
//! one is installed, for relevance.

mod common;

use std::sync::{Mutex, OnceLock};

use driftless_rerank::{BATCH_SIZE, CrossEncoder, RerankError};

/// One stand-in encoder shared by the tests: building it reads a 23 MB graph.
fn standin() -> Option<&'static CrossEncoder> {
    static ENCODER: OnceLock<Option<(tempfile::TempDir, CrossEncoder)>> = OnceLock::new();
    static BUILD: Mutex<()> = Mutex::new(());
    let _guard = BUILD
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner);
    ENCODER
        .get_or_init(|| {
            let (dir, library) = common::standin()?;
            let encoder = CrossEncoder::open(dir.path(), &library).expect("stand-in opens");
            Some((dir, encoder))
        })
        .as_ref()
        .map(|(_, encoder)| encoder)
}

fn bits(scores: &[f32]) -> Vec<u32> {
    scores.iter().map(|s| s.to_bits()).collect()
}

/// Passages of varied length (5 to ~120 words), so batches carry real padding.
fn passages(n: usize) -> Vec<String> {
    const WORDS: [&str; 12] = [
        "index",
        "column",
        "unique",
        "commit",
        "rebase",
        "planner",
        "scan",
        "module",
        "query",
        "table",
        "branch",
        "constraint",
    ];
    (0..n)
        .map(|i| {
            let len = 5 + (i * 37) % 116;
            (0..len)
                .map(|j| WORDS[(i * 7 + j * 5) % WORDS.len()])
                .collect::<Vec<_>>()
                .join(" ")
        })
        .collect()
}

#[test]
fn the_same_request_gives_the_same_bits() {
    let Some(encoder) = standin() else { return };
    let owned = passages(40);
    let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
    let first = encoder
        .score("how do I make a column unique", &refs)
        .unwrap();
    let second = encoder
        .score("how do I make a column unique", &refs)
        .unwrap();
    assert_eq!(first.len(), 40);
    assert!(first.iter().all(|s| s.is_finite()));
    assert_eq!(bits(&first), bits(&second));
}

#[test]
fn splits_on_batch_boundaries_give_the_same_bits() {
    let Some(encoder) = standin() else { return };
    let owned = passages(2 * BATCH_SIZE + 5);
    let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
    let query = "rebase a branch";
    let whole = encoder.score(query, &refs).unwrap();
    // Every batch of a request is run on its own, so a request made of whole batches of a
    // larger one reproduces that part of it exactly.
    let mut parts = encoder.score(query, &refs[..BATCH_SIZE]).unwrap();
    parts.extend(encoder.score(query, &refs[BATCH_SIZE..]).unwrap());
    assert_eq!(bits(&whole), bits(&parts));
}

#[test]
fn batch_composition_and_padding_do_not_change_bits() {
    let Some(encoder) = standin() else { return };
    // Short, long, cut at 512, empty and non-ASCII passages, so padding varies a lot.
    let mut owned = passages(24);
    owned.extend(
        JUDGED
            .iter()
            .flat_map(|(_, rel, other)| [rel.to_string(), other[0].into()]),
    );
    owned.push(String::new());
    owned.push("Ünïcödé — 日本語 text with émojis 🎉 and CAPITALS".into());
    owned.push("the planner chooses an index scan ".repeat(200));
    let refs: Vec<&str> = owned.iter().map(String::as_str).collect();
    let query = "how do I make a column unique";
    let whole = encoder.score(query, &refs).unwrap();
    let alone: Vec<f32> = refs
        .iter()
        .map(|p| encoder.score(query, &[p]).unwrap()[0])
        .collect();
    let mut reversed_refs = refs.clone();
    reversed_refs.reverse();
    let mut reversed = encoder.score(query, &reversed_refs).unwrap();
    reversed.reverse();
    let mut uneven = Vec::new();
    let mut start = 0;
    for size in [3, 7, 11, 1, 16, 5].iter().cycle() {
        let end = (start + size).min(refs.len());
        uneven.extend(encoder.score(query, &refs[start..end]).unwrap());
        start = end;
        if start == refs.len() {
            break;
        }
    }
    // The stand-in stores int8 weights but computes in f32 (Cast, Mul, MatMul), and with one
    // thread ONNX Runtime's kernels reduce each row in the same order whatever the batch
    // holds, while masked padding adds exact zeros: a pair's logit is a function of the pair.
    // A graph that quantises activations per tensor (DynamicQuantizeLinear) could not promise
    // this, which is why the batching rule stays fixed anyway.
    assert_eq!(bits(&whole), bits(&alone), "batch of one");
    assert_eq!(bits(&whole), bits(&reversed), "reversed order");
    assert_eq!(bits(&whole), bits(&uneven), "uneven splits");
}

#[test]
fn long_passages_are_cut_to_max_length_without_error() {
    let Some(encoder) = standin() else { return };
    let head = "the planner chooses an index scan ".repeat(150);
    let (a, b) = (
        format!("{head} tail one"),
        format!("{head} another tail entirely"),
    );
    let batches = encoder
        .batches("index scan", &[&a, "short passage"])
        .unwrap();
    assert_eq!(batches.len(), 1);
    assert_eq!(batches[0].cols, encoder.files().max_length);
    assert_eq!(batches[0].truncated, [true, false]);
    // Past the cut the tails are invisible: alone in their batch, both score the same bits.
    let (sa, sb) = (
        encoder.score("index scan", &[&a]).unwrap(),
        encoder.score("index scan", &[&b]).unwrap(),
    );
    assert_eq!(bits(&sa), bits(&sb));
    // A query longer than max_length is cut too (longest first) rather than refused.
    let long_query = "which planner ".repeat(400);
    assert_eq!(
        encoder
            .score(&long_query, &["short passage"])
            .unwrap()
            .len(),
        1
    );
}

#[test]
fn pairs_are_encoded_as_query_then_passage_segments() {
    let Some(encoder) = standin() else { return };
    let batch = &encoder
        .batches("unique column", &["a b", "a b c d"])
        .unwrap()[0];
    // [CLS] unique column [SEP] a b [SEP] (+ padding) and [CLS] unique column [SEP] a b c d [SEP].
    assert_eq!((batch.rows, batch.cols), (2, 9));
    let row = |m: &[i64], r: usize| m[r * 9..(r + 1) * 9].to_vec();
    assert_eq!(row(&batch.input_ids, 0)[..4], [101, 4310, 5930, 102]);
    assert_eq!(row(&batch.input_ids, 0)[6..], [102, 0, 0]);
    assert_eq!(row(&batch.token_type_ids, 0), [0, 0, 0, 0, 1, 1, 1, 0, 0]);
    assert_eq!(row(&batch.attention_mask, 0), [1, 1, 1, 1, 1, 1, 1, 0, 0]);
    assert_eq!(row(&batch.token_type_ids, 1), [0, 0, 0, 0, 1, 1, 1, 1, 1]);
    assert_eq!(encoder.score("q", &[]).unwrap(), Vec::<f32>::new());
}

#[test]
fn a_missing_model_names_the_directory_variable() {
    let (_, library) = common::embed_paths();
    let err =
        CrossEncoder::open(std::path::Path::new("/nonexistent/reranker"), &library).unwrap_err();
    assert!(matches!(err, RerankError::ModelNotFound { .. }), "{err}");
    assert!(err.to_string().contains("DRIFTLESS_RERANKER_DIR"), "{err}");
}

/// MS MARCO-style queries with one relevant and two irrelevant passages each.
const JUDGED: [(&str, &str, [&str; 2]); 4] = [
    (
        "what is the capital of france",
        "Paris is the capital and most populous city of France.",
        [
            "The Eiffel Tower was painted in 1889 with three coats.",
            "Bananas are rich in potassium and fibre.",
        ],
    ),
    (
        "how long to boil an egg",
        "For a hard-boiled egg, simmer it for nine to twelve minutes, then cool it in cold water.",
        [
            "Chickens were domesticated thousands of years ago in Asia.",
            "The stock market closed higher on Friday.",
        ],
    ),
    (
        "symptoms of vitamin d deficiency",
        "Vitamin D deficiency can cause bone pain, muscle weakness, fatigue and frequent infections.",
        [
            "Vitamin C is found in citrus fruit such as oranges.",
            "The football season starts in August.",
        ],
    ),
    (
        "git undo last commit",
        "Run git reset --soft HEAD~1 to undo the last commit while keeping its changes staged.",
        [
            "Git was created by Linus Torvalds in 2005.",
            "A commit message should have a short summary line.",
        ],
    ),
];

#[test]
fn the_real_model_puts_relevant_passages_first() {
    let Some((dir, library)) = common::real_model() else {
        return;
    };
    let encoder = CrossEncoder::open(&dir, &library).expect("installed cross-encoder opens");
    for (query, relevant, [other, unrelated]) in JUDGED {
        let request = [other, relevant, unrelated];
        let scores = encoder.score(query, &request).unwrap();
        assert!(
            scores[1] > scores[0] && scores[1] > scores[2],
            "{query}: {scores:?}"
        );
        assert_eq!(
            bits(&scores),
            bits(&encoder.score(query, &request).unwrap())
        );
        // Reported, not required: a graph quantising activations per tensor may differ here.
        let alone: Vec<f32> = request
            .iter()
            .map(|p| encoder.score(query, &[p]).unwrap()[0])
            .collect();
        eprintln!(
            "{query}: {scores:?}; alone the same bits: {}",
            bits(&alone) == bits(&scores)
        );
    }
}
