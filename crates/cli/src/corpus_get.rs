//! `driftless corpus get <name>`: one command from a collection's name to numbers — fetch
//! its files (corpus_fetch.rs), verify them, unpack, build a BM25 snapshot with the recipe's
//! field mapping and, when the collection is judged, evaluate it. Build and eval run the very
//! code of `driftless build` and `driftless eval`, and the equivalent commands are printed so
//! the result can be reproduced by hand.
use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use clap::{Args, Parser};

use crate::corpus_fetch::{fetch, source_url, unpack};
use crate::corpus_recipe::{Recipe, built_in};

/// Arguments of `driftless corpus get`.
#[derive(Debug, Args)]
pub struct GetArgs {
    /// Collection: beir/<dataset> (scifact, nfcorpus, fiqa, trec-covid, nq, … see --list),
    /// msmarco-passage, wiki-18, browsecomp-plus.
    #[arg(required_unless_present_any = ["list", "recipe"])]
    pub name: Option<String>,
    /// Follow this recipe file instead of a built-in one (same JSON shape).
    #[arg(long, value_name = "JSON")]
    pub recipe: Option<PathBuf>,
    /// List the built-in recipes.
    #[arg(long)]
    pub list: bool,
    /// Collection directory (default: .cache/collections/<name>).
    #[arg(long)]
    pub dir: Option<PathBuf>,
    /// Fetch from this mirror instead of the publisher: `<mirror>/<the URL's path>`.
    #[arg(long, value_name = "URL")]
    pub mirror: Option<String>,
    /// Download and verify only.
    #[arg(long)]
    pub no_build: bool,
    /// Build, but do not evaluate.
    #[arg(long)]
    pub no_eval: bool,
}

/// `build`'s and `eval`'s own argument parsers, so `corpus get` runs exactly those commands.
#[derive(Debug, Parser)]
struct BuildCommand {
    #[command(flatten)]
    args: crate::build_cmd::BuildArgs,
}

#[derive(Debug, Parser)]
struct EvalCommand {
    #[command(flatten)]
    args: crate::eval_run::RunArgs,
}

fn show(argv: &[String]) -> String {
    argv.iter()
        .map(|a| {
            if a.contains([' ', '\'', '"']) {
                format!("'{a}'")
            } else {
                a.clone()
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Runs `corpus get`.
pub fn run(args: &GetArgs) -> Result<()> {
    if args.list {
        for r in built_in()? {
            println!(
                "{:<18} {}\n{:<18} licence: {}\n{:<18} checksums: {}",
                r.name, r.description, "", r.licence, "", r.checked
            );
        }
        return Ok(());
    }
    let recipe = Recipe::find(args.name.as_deref().unwrap_or(""), args.recipe.as_deref())?;
    let dir = args
        .dir
        .clone()
        .unwrap_or_else(|| PathBuf::from(".cache/collections").join(recipe.name.replace('/', "-")));
    std::fs::create_dir_all(&dir).with_context(|| format!("cannot create {}", dir.display()))?;
    eprintln!(
        "{}: {}\nlicence: {}\nchecksums: {}",
        recipe.name, recipe.description, recipe.licence, recipe.checked
    );
    download_all(&recipe, &dir, args.mirror.as_deref())?;
    if args.no_build {
        return Ok(());
    }
    let snapshot = dir.join("snapshot");
    let corpus = dir.join(&recipe.corpus.path);
    let mut build = vec![
        "build".to_string(),
        "--corpus".into(),
        path_arg(&corpus),
        "--out".into(),
        path_arg(&snapshot),
        "--force".into(),
    ];
    for (field, column) in &recipe.corpus.fields {
        build.extend(["--field".to_string(), format!("{field}={column}")]);
    }
    eprintln!("$ driftless {}", show(&build));
    let parsed = BuildCommand::try_parse_from(&build).context("the recipe's build arguments")?;
    crate::build_cmd::run(&parsed.args)?;
    let (Some(queries), Some(qrels)) = (&recipe.queries, &recipe.qrels) else {
        eprintln!(
            "{} has no judgements in its recipe: built {}, nothing to evaluate",
            recipe.name,
            snapshot.display()
        );
        return Ok(());
    };
    if args.no_eval {
        return Ok(());
    }
    let eval = vec![
        "eval".to_string(),
        "--topics".into(),
        path_arg(&dir.join(queries)),
        "--qrels".into(),
        path_arg(&dir.join(qrels)),
        "--snapshot".into(),
        path_arg(&snapshot),
        "--measures".into(),
        "nDCG@10,R@100,AP,P@10".into(),
    ];
    eprintln!("$ driftless {}", show(&eval));
    let parsed = EvalCommand::try_parse_from(&eval).context("the recipe's eval arguments")?;
    crate::eval_run::run(&parsed.args)
}

fn path_arg(path: &Path) -> String {
    path.display().to_string()
}

/// Fetches, verifies and unpacks every file (an unpacked archive leaves a marker naming its
/// digest, so a rerun neither downloads nor unpacks again).
fn download_all(recipe: &Recipe, dir: &Path, mirror: Option<&str>) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?;
    let client = reqwest::Client::builder()
        .user_agent(concat!("driftless/", env!("CARGO_PKG_VERSION")))
        .build()?;
    for file in &recipe.files {
        let url = source_url(file, mirror);
        let path = runtime.block_on(fetch(&client, file, &url, dir))?;
        if let Some(kind) = &file.unpack {
            let marker = dir.join(format!(".unpacked-{}", file.name));
            let digest = file
                .sha256
                .clone()
                .or_else(|| file.md5.clone())
                .unwrap_or_default();
            if std::fs::read_to_string(&marker).is_ok_and(|d| d == digest) {
                continue;
            }
            eprintln!("unpacking {}", file.name);
            unpack(&path, kind, dir)?;
            std::fs::write(&marker, digest)?;
        }
    }
    Ok(())
}
