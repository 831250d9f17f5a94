//! Where the model and ONNX Runtime are looked for when no path is given.
//!
//! One lookup for every command, in this order:
//! 1. the `--ort-library` flag (the CLI hands it over with [`set_ort_library`]);
//! 2. `$DRIFTLESS_ORT_LIB` (the flag's environment variable, for library users too);
//! 3. beside `$DRIFTLESS_MODEL_DIR`, where corpus-tools/fetch-model.sh writes both;
//! 4. the user cache, `${XDG_CACHE_HOME:-~/.cache}/driftless/models`, where
//!    `driftless quickstart` fetches them;
//! 5. `.cache/models` below the working directory (checkouts from before the user cache).
//!
//! Steps 1-4 do not depend on the working directory, so a snapshot works from anywhere once
//! the quickstart ran. The snapshot directory itself is never searched for a library:
//! snapshots are shared as data, and loading native code out of one would run whatever it
//! carries.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

/// Environment variable naming the model directory (the one holding `model.json`).
pub const MODEL_DIR_ENV: &str = "DRIFTLESS_MODEL_DIR";
/// Environment variable naming the ONNX Runtime library (the `--ort-library` flag's).
pub const ORT_LIB_ENV: &str = "DRIFTLESS_ORT_LIB";
/// The library file name, as fetch-model.sh and the Docker image lay it out.
pub const ORT_FILE: &str = "libonnxruntime.so.1.31.1";
/// The model directory name below the fetch destination.
pub(crate) const MODEL_SUBDIR: &str = "all-MiniLM-L6-v2-int8";
/// The library directory below the fetch destination.
const ORT_SUBDIR: &str = "onnxruntime";
/// The fetch destination of checkouts older than the user cache, relative to the working
/// directory.
const LEGACY_DEST: &str = ".cache/models";

/// A library path set by the command line; wins over every other source.
static ORT_OVERRIDE: OnceLock<PathBuf> = OnceLock::new();

/// Makes `path` the library of this process (the CLI's `--ort-library`). The first call wins:
/// `ort` loads one library per process anyway.
pub fn set_ort_library(path: PathBuf) {
    let _ = ORT_OVERRIDE.set(path);
}

/// driftless's per-user cache: `$XDG_CACHE_HOME/driftless` (an absolute one, as the XDG
/// spec asks), else `~/.cache/driftless`; `None` without a home. Models live in
/// `models/`, unpacked snapshot packs in `packs/`.
pub fn user_cache_dir() -> Option<PathBuf> {
    let cache = non_empty_env("XDG_CACHE_HOME")
        .map(PathBuf::from)
        .filter(|p| p.is_absolute())
        .or_else(|| non_empty_env("HOME").map(|home| PathBuf::from(home).join(".cache")))?;
    Some(cache.join("driftless"))
}

/// Where `driftless quickstart` and this lookup keep the model and library:
/// `$XDG_CACHE_HOME/driftless/models`, else `~/.cache/driftless/models`; `None` without a home.
pub fn user_models_dir() -> Option<PathBuf> {
    user_cache_dir().map(|cache| cache.join("models"))
}

/// The fetch destinations searched, in order (steps 3-5 of the module doc).
fn destinations() -> Vec<PathBuf> {
    let mut dests = Vec::new();
    if let Some(dir) = non_empty_env(MODEL_DIR_ENV) {
        let dir = PathBuf::from(dir);
        dests.push(
            dir.parent()
                .map_or_else(|| PathBuf::from("."), Path::to_path_buf),
        );
    }
    dests.extend(user_models_dir());
    dests.push(PathBuf::from(LEGACY_DEST));
    dests
}

/// Every library path the lookup would try, in order; the first that exists is used.
pub fn ort_library_candidates() -> Vec<PathBuf> {
    if let Some(path) = ORT_OVERRIDE.get() {
        return vec![path.clone()];
    }
    if let Some(path) = non_empty_env(ORT_LIB_ENV) {
        return vec![PathBuf::from(path)];
    }
    destinations()
        .into_iter()
        .map(|dest| dest.join(ORT_SUBDIR).join(ORT_FILE))
        .collect()
}

/// The ONNX Runtime library: the first existing candidate of [`ort_library_candidates`], else
/// the first candidate (so that the "not found" error names the preferred place).
pub fn default_ort_library() -> PathBuf {
    first_existing(ort_library_candidates(), Path::is_file)
}

/// The model directory: `$DRIFTLESS_MODEL_DIR`, else the first of the user cache and the
/// working directory's `.cache/models` that holds the model.
pub fn default_model_dir() -> PathBuf {
    if let Some(dir) = non_empty_env(MODEL_DIR_ENV) {
        return PathBuf::from(dir);
    }
    let candidates = destinations()
        .into_iter()
        .map(|dest| dest.join(MODEL_SUBDIR))
        .collect();
    first_existing(candidates, |dir: &Path| dir.join("model.json").is_file())
}

/// The models `corpus-tools/fetch-model.sh DEST NAME…` fetches by name; the first is the
/// default.
pub const SHIPPED_MODELS: &[&str] = &[
    MODEL_SUBDIR,
    "paraphrase-MiniLM-L3-v2",
    "multilingual-e5-small-q4",
];

/// A `--model` argument as a directory: an existing directory is itself; the name of a
/// shipped model ([`SHIPPED_MODELS`]) is the first fetch destination holding it, else its
/// place in the first destination (so that "not found" names where it would be fetched);
/// anything else is taken as a path.
pub fn resolve_model_dir(arg: &Path) -> PathBuf {
    let name = arg.to_str().unwrap_or_default();
    if arg.is_dir() || !SHIPPED_MODELS.contains(&name) {
        return arg.to_path_buf();
    }
    let candidates = destinations()
        .into_iter()
        .map(|dest| dest.join(name))
        .collect();
    first_existing(candidates, |dir: &Path| dir.join("model.json").is_file())
}

/// How the "library not found" error explains the lookup.
pub(crate) fn searched_description() -> String {
    let tried: Vec<String> = ort_library_candidates()
        .iter()
        .map(|p| p.display().to_string())
        .collect();
    tried.join(", ")
}

fn first_existing(candidates: Vec<PathBuf>, exists: impl Fn(&Path) -> bool) -> PathBuf {
    let first = candidates.iter().position(|p| exists(p)).unwrap_or(0);
    candidates
        .into_iter()
        .nth(first)
        .unwrap_or_else(|| PathBuf::from(LEGACY_DEST).join(MODEL_SUBDIR))
}

/// An environment variable, treating "set but empty" as unset (as shells often leave it).
pub(crate) fn non_empty_env(name: &str) -> Option<std::ffi::OsString> {
    std::env::var_os(name).filter(|v| !v.is_empty())
}
