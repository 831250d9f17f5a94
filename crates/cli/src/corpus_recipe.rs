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

/// The other public BEIR datasets, each expanded into a recipe of the same shape as
/// `beir-scifact.json` (`beir/<name>`).
const BEIR_LIST: &str = include_str!("../../../corpus-tools/recipes/beir.json");

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BeirList {
    url_base: String,
    licence: String,
    checked: String,
    datasets: Vec<BeirDataset>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct BeirDataset {
    name: String,
    md5: String,
    /// The judged split: `test`, or `dev` where BEIR has no public test judgements.
    split: String,
    description: String,
}

/// The recipes of the BEIR list, as JSON texts with their names.
fn beir_recipes() -> Result<Vec<(String, String)>> {
    let list: BeirList =
        serde_json::from_str(BEIR_LIST).context("corpus-tools/recipes/beir.json")?;
    Ok(list
        .datasets
        .iter()
        .map(|d| {
            let name = format!("beir/{}", d.name);
            let recipe = serde_json::json!({
                "name": name,
                "description": format!("BEIR {}", d.description),
                "licence": list.licence,
                "checked": list.checked,
                "files": [{"url": format!("{}{}.zip", list.url_base, d.name), "name": format!("{}.zip", d.name),
                           "md5": d.md5, "unpack": "zip"}],
                "corpus": {"path": format!("{}/corpus.jsonl", d.name),
                           "fields": {"id": "_id", "title": "title", "text": "text"}},
                "queries": format!("{}/queries.jsonl", d.name),
                "qrels": format!("{}/qrels/{}.tsv", d.name, d.split),
            });
            (name, recipe.to_string())
        })
        .collect())
}

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
        if let Some((n, text)) = BUILT_IN.iter().find(|(n, _)| *n == name) {
            return Self::parse(text, n);
        }
        match beir_recipes()?.into_iter().find(|(n, _)| n == name) {
            Some((n, text)) => Self::parse(&text, &n),
            None => bail!(
                "no recipe named {name:?}; known: {} (or give --recipe FILE)",
                names().join(", ")
            ),
        }
    }
}

/// The built-in recipes' names (the BEIR list's after the others).
pub fn names() -> Vec<String> {
    let beir = beir_recipes()
        .unwrap_or_default()
        .into_iter()
        .map(|(n, _)| n);
    BUILT_IN
        .iter()
        .map(|(n, _)| (*n).to_string())
        .chain(beir)
        .collect()
}

/// Every built-in recipe, parsed (for `--list`, and a test that they all parse).
pub fn built_in() -> Result<Vec<Recipe>> {
    let mut all: Vec<Recipe> = BUILT_IN
        .iter()
        .map(|(n, t)| Recipe::parse(t, n))
        .collect::<Result<_>>()?;
    for (name, text) in beir_recipes()? {
        all.push(Recipe::parse(&text, &name)?);
    }
    Ok(all)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_built_in_recipe_parses_and_pins_its_files() {
        let recipes = built_in().expect("recipes");
        assert_eq!(
            recipes.len(),
            BUILT_IN.len() + 12,
            "5 recipes and 12 more BEIR datasets"
        );
        for (recipe, name) in recipes.iter().zip(names()) {
            assert_eq!(recipe.name, name);
            for f in &recipe.files {
                assert!(f.url.starts_with("https://"), "{}", f.url);
                for hex in [&f.sha256, &f.md5].into_iter().flatten() {
                    assert!(hex.chars().all(|c| c.is_ascii_hexdigit()), "{hex}");
                    assert!(hex.len() == 64 || hex.len() == 32);
                }
            }
        }
        let fiqa = Recipe::find("beir/fiqa", None).expect("a BEIR dataset from the list");
        assert_eq!(fiqa.qrels.as_deref(), Some("fiqa/qrels/test.tsv"));
        assert_eq!(
            fiqa.files[0].url,
            "https://public.ukp.informatik.tu-darmstadt.de/thakur/BEIR/datasets/fiqa.zip"
        );
        assert_eq!(
            Recipe::find("beir/msmarco", None)
                .expect("msmarco")
                .qrels
                .as_deref(),
            Some("msmarco/qrels/dev.tsv")
        );
        assert!(Recipe::parse(r#"{"name":"x","description":"","licence":"","checked":"","files":[{"url":"https://a/b","name":"../b","md5":"00"}],"corpus":{"path":"b"}}"#, "t").is_err());
    }
}
