//! driftless-embed against the real int8 model and ONNX Runtime library.
//!
//! Both come from `corpus-tools/fetch-model.sh` (scripts/test.sh runs it). When they are
//! missing, tests print a note and pass locally, but fail under CI, where a skipped test would
//! hide a broken setup.

use std::path::PathBuf;
use std::sync::Mutex;

use driftless_embed::{
    EmbedError, EmbedPool, Embedder, ModelFiles, Provider, cosine, default_model_dir,
    default_ort_library,
};

/// Without the environment variables, look in the workspace's own `.cache/models` rather than
/// in the test's working directory (cargo runs tests from the crate directory).
fn paths() -> (PathBuf, PathBuf) {
    let workspace_models = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../.cache/models");
    let model_dir = if std::env::var_os("DRIFTLESS_MODEL_DIR").is_some() {
        default_model_dir()
    } else {
        workspace_models.join("all-MiniLM-L6-v2-int8")
    };
    let lib_set = ["ORT_DYLIB_PATH", "DRIFTLESS_ORT_LIB", "DRIFTLESS_MODEL_DIR"]
        .iter()
        .any(|v| std::env::var_os(v).is_some());
    let library = if lib_set {
        default_ort_library()
    } else {
        workspace_models
            .join("onnxruntime")
            .join(driftless_embed::ORT_FILE)
    };
    (model_dir, library)
}

/// The verified model and the library path, or `None` (with a note) outside CI.
fn model() -> Option<(ModelFiles, PathBuf)> {
    let (dir, library) = paths();
    if !dir.join("model.json").is_file() || !library.is_file() {
        let note = format!(
            "model or ONNX Runtime missing ({} / {}): run corpus-tools/fetch-model.sh",
            dir.display(),
            library.display()
        );
        assert!(std::env::var_os("CI").is_none(), "{note}");
        eprintln!("note: skipping: {note}");
        return None;
    }
    let files = ModelFiles::load(&dir).expect("fetched model verifies");
    Some((files, library))
}

/// One shared query embedder: sessions are cheap, but loading the model in every test adds up.
fn embedder() -> Option<&'static Embedder> {
    static EMBEDDER: Mutex<Option<&'static Embedder>> = Mutex::new(None);
    let (files, library) = model()?;
    let mut slot = EMBEDDER.lock().unwrap();
    Some(
        *slot.get_or_insert_with(|| {
            Box::leak(Box::new(Embedder::new(&files, &library, 1).unwrap()))
        }),
    )
}

#[test]
fn vectors_have_the_model_dimension_and_unit_norm() {
    let Some(e) = embedder() else { return };
    assert_eq!(e.dim(), 384);
    for text in ["how do I make a column unique", "", "Ünïcödé — 日本語 text"] {
        let emb = e.embed(text).unwrap();
        assert_eq!(emb.vector.len(), 384);
        let norm: f32 = emb.vector.iter().map(|x| x * x).sum::<f32>().sqrt();
        assert!((norm - 1.0).abs() < 1e-5, "{text:?}: norm {norm}");
        assert!(!emb.truncated);
    }
    // The empty text is [CLS] [SEP].
    assert_eq!(e.embed("").unwrap().tokens, 2);
    assert_eq!(e.count_tokens("").unwrap(), 2);
}

#[test]
fn related_texts_are_closer_than_unrelated_ones() {
    let Some(e) = embedder() else { return };
    let query = e.embed("how do I make a column unique").unwrap().vector;
    let related = e
        .embed("UNIQUE constraint ensures values in a column are distinct")
        .unwrap()
        .vector;
    let unrelated = e
        .embed("git rebase rewrites commit history")
        .unwrap()
        .vector;
    let (near, far) = (cosine(&query, &related), cosine(&query, &unrelated));
    eprintln!("cosine: related {near:.4}, unrelated {far:.4}");
    assert!(near > far, "related {near} <= unrelated {far}");
    assert!(near > 0.4, "related texts only {near} similar");
}

#[test]
fn repeated_embeddings_are_bit_identical_across_calls_and_instances() {
    let Some((files, library)) = model() else {
        return;
    };
    let e = embedder().unwrap();
    let text = "PostgreSQL creates an index automatically for each unique constraint.";
    let first = e.embed(text).unwrap();
    // Other inputs in between must not leave state behind that changes the next vector.
    e.embed("something else entirely, and longer, to change buffer sizes in the session")
        .unwrap();
    let again = e.embed(text).unwrap();
    let other_instance = Embedder::new(&files, &library, 2)
        .unwrap()
        .embed(text)
        .unwrap();
    let bits = |v: &[f32]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
    assert_eq!(bits(&first.vector), bits(&again.vector));
    assert_eq!(
        bits(&first.vector),
        bits(&other_instance.vector),
        "intra 1 vs 2 threads differ"
    );
}

#[test]
fn pool_output_is_in_input_order_and_independent_of_worker_count() {
    let Some((files, library)) = model() else {
        return;
    };
    let owned: Vec<String> = (0..9)
        .map(|i| {
            format!(
                "passage {i}: {}",
                "the quick brown fox jumps over the lazy dog ".repeat(i * 3)
            )
        })
        .collect();
    let texts: Vec<&str> = owned.iter().map(String::as_str).collect();
    let progress = Mutex::new(Vec::new());
    let on_progress = |n: usize| progress.lock().unwrap().push(n);

    let one = EmbedPool::new(&files, &library, 1)
        .unwrap()
        .embed_all(&texts, &on_progress)
        .unwrap();
    let two_pool = EmbedPool::new(&files, &library, 2).unwrap();
    assert_eq!(two_pool.workers(), 2);
    let two = two_pool.embed_all(&texts, &on_progress).unwrap();
    assert_eq!(one, two);

    let single = embedder().unwrap();
    for (text, pooled) in texts.iter().zip(&one) {
        assert_eq!(
            &single.embed(text).unwrap(),
            pooled,
            "pool differs from Embedder for {text:?}"
        );
    }
    let mut seen = progress.into_inner().unwrap();
    seen.sort_unstable();
    let expected: Vec<usize> = (1..=9).flat_map(|n| [n, n]).collect();
    assert_eq!(seen, expected);
    assert!(two_pool.embed_all(&[], &|_| {}).unwrap().is_empty());
}

#[test]
fn long_texts_are_truncated_and_say_so() {
    let Some(e) = embedder() else { return };
    let words = ["index", "query", "table", "column", "planner"];
    let long: String = (0..2000)
        .map(|i| words[i % words.len()])
        .collect::<Vec<_>>()
        .join(" ");
    assert!(e.count_tokens(&long).unwrap() > 2000);
    let emb = e.embed(&long).unwrap();
    assert!(emb.truncated);
    assert_eq!(emb.tokens, 256);
    let short = e.embed("index query table").unwrap();
    assert!(!short.truncated);
    assert_eq!(short.tokens, 5);
}

#[test]
fn altered_model_file_is_refused_with_its_name() {
    let Some((files, _)) = model() else { return };
    let dir = tempfile::tempdir().unwrap();
    for name in ["model.json", "model.onnx"] {
        std::fs::copy(files.dir.join(name), dir.path().join(name)).unwrap();
    }
    // One byte more in the tokenizer is enough to change its digest.
    let mut tokenizer = std::fs::read(files.tokenizer_path()).unwrap();
    tokenizer.push(b'\n');
    std::fs::write(dir.path().join("tokenizer.json"), tokenizer).unwrap();

    let err = ModelFiles::load(dir.path()).unwrap_err();
    assert!(matches!(err, EmbedError::DigestMismatch { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("tokenizer.json"), "{message}");
    assert!(message.contains(&files.tokenizer_sha256), "{message}");
    assert!(message.contains("corpus-tools/fetch-model.sh"), "{message}");
}

#[test]
fn missing_library_names_the_fetch_script() {
    let Some((files, _)) = model() else { return };
    let missing = PathBuf::from("/nonexistent/libonnxruntime.so.1.31.1");
    let err = Embedder::new(&files, &missing, 1).unwrap_err();
    assert!(
        matches!(err, EmbedError::OrtLibraryMissing { .. }),
        "{err:?}"
    );
    assert!(
        err.to_string().contains("corpus-tools/fetch-model.sh"),
        "{err}"
    );
    assert!(err.is_setup_problem());
    let err = EmbedPool::new(&files, &missing, 2).unwrap_err();
    assert!(
        err.to_string()
            .contains("/nonexistent/libonnxruntime.so.1.31.1"),
        "{err}"
    );
}

#[test]
fn invalid_settings_are_refused() {
    let Some((files, library)) = model() else {
        return;
    };
    let err = EmbedPool::new(&files, &library, 0).unwrap_err();
    assert!(matches!(err, EmbedError::InvalidSetting(_)), "{err:?}");
    let err = Embedder::new(&files, &library, 0).unwrap_err();
    assert!(matches!(err, EmbedError::InvalidSetting(_)), "{err:?}");
}

#[test]
fn a_gpu_provider_without_a_gpu_build_is_a_clear_error() {
    let Some((files, library)) = model() else {
        return;
    };
    // The library corpus-tools/fetch-model.sh installs is ONNX Runtime's CPU build: asking it
    // for CUDA must fail at once and say what to do, not fall back to the CPU silently.
    let err = EmbedPool::with_provider(&files, &library, 1, Provider::Cuda { device: 0 })
        .expect_err("the CPU build of ONNX Runtime has no CUDA provider");
    assert!(
        matches!(
            err,
            EmbedError::ProviderUnavailable {
                provider: "cuda",
                ..
            }
        ),
        "{err:?}"
    );
    let message = err.to_string();
    for needle in ["cuda", "--ort-library", "--ort-provider cpu"] {
        assert!(
            message.contains(needle),
            "{needle:?} missing from: {message}"
        );
    }
    assert!(err.is_setup_problem());
    // The CPU provider through the same entry point still works.
    let pool = EmbedPool::with_provider(&files, &library, 1, Provider::Cpu).expect("cpu pool");
    assert_eq!(pool.workers(), 1);
}

/// A shipped model fetched beside the default one (scripts/test.sh fetches them all): its
/// files, the ONNX Runtime library, and an embedder of it on one thread.
fn sibling_model(name: &str) -> Option<(ModelFiles, PathBuf, Embedder)> {
    let (default, library) = model()?;
    let dir = default.dir.parent().expect("parent").join(name);
    let files = ModelFiles::load(&dir).unwrap_or_else(|e| {
        panic!("{name}: {e} (run corpus-tools/fetch-model.sh DEST all, as scripts/test.sh does)")
    });
    let embedder = Embedder::new(&files, &library, 1).unwrap();
    Some((files, library, embedder))
}

#[test]
fn e5_queries_and_passages_get_their_prefixes() {
    let Some((files, library, e5)) = sibling_model("multilingual-e5-small-q4") else {
        return;
    };
    assert_eq!(files.query_prefix, "query: ");
    let text = "how to vacuum a table";
    let query = e5.embed_query(text).unwrap();
    assert_eq!(
        query.vector,
        e5.embed(&format!("query: {text}")).unwrap().vector
    );
    assert_ne!(query.vector, e5.embed_passage(text).unwrap().vector);
    assert_eq!(query.vector.len(), 384);
    // The pool embeds passages, prefix included, with the same bits as one embedder.
    let pool = EmbedPool::new(&files, &library, 2).unwrap();
    let pooled = pool.embed_all(&[text], &|_| {}).unwrap();
    assert_eq!(pooled[0].vector, e5.embed_passage(text).unwrap().vector);
}

#[test]
fn a_model_without_token_types_loads_and_embeds() {
    let Some((files, _, l3)) = sibling_model("paraphrase-MiniLM-L3-v2") else {
        return;
    };
    assert_eq!(files.output, "onnx::Shape_422");
    let a = l3.embed_query("the cat sits on the mat").unwrap().vector;
    let b = l3.embed_query("a cat is sitting on a rug").unwrap().vector;
    let c = l3
        .embed_query("quarterly tax filing deadline")
        .unwrap()
        .vector;
    assert!(
        cosine(&a, &b) > cosine(&a, &c) + 0.2,
        "{} vs {}",
        cosine(&a, &b),
        cosine(&a, &c)
    );
}
