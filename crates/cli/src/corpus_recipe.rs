//! Recipes of the standard collections (`corpus-tools/recipes/*.json`, compiled in): where
//! each file comes from, its pinned size and checksums, how to unpack it, which corpus file
//! to build with which field mapping, the queries and judgements to evaluate with, and the
//! licence. `driftless corpus get <name>` follows one; `--recipe FILE` follows a user's own.
use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result, bail};
use serde::Deserialize;

/// The recipes shipped in the binary: (name, JSON).
const BUILT_IN: [(&str, &str); 5] = [
    (
        "beir/scifact",
        include_str!("../../../corpus-tools/recipes/beir-scifact.json"),
    ),
    (
        "beir/nfcorpus",
        include_str!("../../../corpus-tools/recipes/beir-nfcorpus.json"),
    ),
    (
        "msmarco-passage",
        include_str!("../../../corpus-tools/recipes/msmarco-passage.json"),
    ),
    (
        "wiki-18",
        include_str!("../../../corpus-tools/recipes/wiki-18.json"),
    ),
    (
        "browsecomp-plus",
        include_str!("../../../corpus-tools/recipes/browsecomp-plus.json"),
    ),
];

/// One collection.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Recipe {
    /// `beir/scifact`, `msmarco-passage`, …
    pub name: String,
    /// One line for `corpus get --list`.
    pub description: String,
    /// The collection's terms of use, in short, with where they are stated.
    pub licence: String,
    /// How the pinned checksums were obtained (published by the maintainers, recorded by
    /// others, checked here).
    pub checked: String,
    /// Files to download, in order.
    pub files: Vec<RemoteFile>,
    /// What to build, once the files are in place.
    pub corpus: CorpusSpec,
    /// Queries to evaluate with (a path below the collection directory), if judged.
    #[serde(default)]
    pub queries: Option<String>,
    /// Judgements (qrels) for those queries.
    #[serde(default)]
    pub qrels: Option<String>,
}

/// One downloadable file.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RemoteFile {
    /// Where it is published.
    pub url: String,
    /// Name on disk (below the collection directory).
    pub name: String,
    /// Size in bytes, when published.
    #[serde(default)]
    pub bytes: Option<u64>,
    /// sha256, hex: checked when present.
    #[serde(default)]
    pub sha256: Option<String>,
    /// md5, hex, as many collections publish it: checked when present.
    #[serde(default)]
    pub md5: Option<String>,
    /// `zip`, `tar.gz` or absent (used as it is).
    #[serde(default)]
    pub unpack: Option<String>,
}

/// The corpus file and its field mapping (`build --field`).
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CorpusSpec {
    /// Path below the collection directory (a file or a directory of shards).
    pub path: String,
    /// Document field → the collection's column, e.g. `{"id": "_id", "text": "text"}`.
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

impl Recipe {
    /// Parses and checks a recipe's text.
    pub fn parse(text: &str, origin: &str) -> Result<Self> {
        let recipe: Recipe =
            serde_json::from_str(text).with_context(|| format!("recipe {origin} is not valid"))?;
        if recipe.files.is_empty() {
            bail!("recipe {origin} lists no files");
        }
        for f in &recipe.files {
            if f.sha256.is_none() && f.md5.is_none() {
                bail!(
                    "recipe {origin}: {} has no checksum (sha256 or md5)",
                    f.name
                );
            }
            let safe = !f.name.is_empty()
                && !f.name.contains("..")
                && !f.name.starts_with('/')
                && !f.name.contains('\\');
            if !safe {
                bail!(
                    "recipe {origin}: file name {:?} must be a plain relative name",
                    f.name
                );
            }
            if let Some(kind) = &f.unpack
                && !matches!(kind.as_str(), "zip" | "tar.gz")
            {
                bail!(
                    "recipe {origin}: {} unpacks as {kind:?}; known: zip, tar.gz",
                    f.name
                );
            }
        }
        if recipe.queries.is_some() != recipe.qrels.is_some() {
            bail!("recipe {origin}: queries and qrels go together");
        }
        Ok(recipe)
    }

    /// A built-in recipe by name, or the recipe file at `path`.
    pub fn find(name: &str, path: Option<&Path>) -> Result<Self> {
        if let Some(path) = path {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the recipe {}", path.display()))?;
            return Self::parse(&text, &path.display().to_string());
        }
        match BUILT_IN.iter().find(|(n, _)| *n == name) {
            Some((n, text)) => Self::parse(text, n),
            None => bail!(
                "no recipe named {name:?}; known: {} (or give --recipe FILE)",
                names().join(", ")
            ),
        }
    }
}

/// The built-in recipes' names.
pub fn names() -> Vec<&'static str> {
    BUILT_IN.iter().map(|(n, _)| *n).collect()
}

/// Every built-in recipe, parsed (for `--list`, and a test that they all parse).
pub fn built_in() -> Result<Vec<Recipe>> {
    BUILT_IN.iter().map(|(n, t)| Recipe::parse(t, n)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_recipe_parses_and_pins_its_files() {
        let recipes = built_in().expect("recipes");
        assert_eq!(recipes.len(), BUILT_IN.len());
        for (recipe, (name, _)) in recipes.iter().zip(BUILT_IN) {
            assert_eq!(recipe.name, name);
            for f in &recipe.files {
                assert!(f.url.starts_with("https://"), "{}", f.url);
                for hex in [&f.sha256, &f.md5].into_iter().flatten() {
                    assert!(hex.chars().all(|c| c.is_ascii_hexdigit()), "{hex}");
                    assert!(hex.len() == 64 || hex.len() == 32);
                }
            }
        }
        assert!(Recipe::parse(r#"{"name":"x","description":"","licence":"","checked":"","files":[{"url":"https://a/b","name":"../b","md5":"00"}],"corpus":{"path":"b"}}"#, "t").is_err());
    }
}
