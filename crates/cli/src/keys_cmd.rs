//! `driftless keys`: create API keys (shown once, stored hashed) and hash existing ones.
use std::io::{Read, Write};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use clap::Subcommand;
use driftless_server::access::{
    AccessPolicy, AnonymousAccess, KeyEntry, KeysFile, Quota, hash_key,
};

/// `driftless keys …`
#[derive(Debug, Subcommand)]
pub enum KeysCommand {
    /// Create a key, add its sha256 to FILE (created if missing) and print the key once.
    Add {
        /// Keys file given to `driftless serve --keys`.
        #[arg(long)]
        file: PathBuf,
        /// Name of the key in logs and metrics (letters, digits, `-`, `_`, `.`).
        #[arg(long)]
        id: String,
        /// Sustained requests per second allowed to this key (no quota if absent).
        #[arg(long, requires = "burst")]
        rate: Option<f64>,
        /// Requests this key may make at once after being idle.
        #[arg(long, requires = "rate")]
        burst: Option<f64>,
    },
    /// Read a key on stdin and print its sha256 (for DRIFTLESS_API_KEYS=id=<digest>).
    Hash,
}

/// Runs a `keys` subcommand.
pub fn run(command: &KeysCommand) -> Result<()> {
    match command {
        KeysCommand::Add {
            file,
            id,
            rate,
            burst,
        } => add(file, id, *rate, *burst),
        KeysCommand::Hash => {
            let mut key = String::new();
            std::io::stdin().read_to_string(&mut key)?;
            let key = key.trim();
            if key.is_empty() {
                bail!("no key on stdin; try: printf %s \"$KEY\" | driftless keys hash");
            }
            println!("{}", hash_key(key));
            Ok(())
        }
    }
}

fn add(file: &PathBuf, id: &str, rate: Option<f64>, burst: Option<f64>) -> Result<()> {
    let mut keys: KeysFile = if file.exists() {
        let text = std::fs::read_to_string(file)
            .with_context(|| format!("cannot read {}", file.display()))?;
        serde_json::from_str(&text)
            .with_context(|| format!("{} is not a valid keys file", file.display()))?
    } else {
        // A new keys file closes anonymous access: whoever creates keys wants them required.
        KeysFile {
            anonymous: AnonymousAccess {
                allow: false,
                quota: None,
            },
            keys: Vec::new(),
        }
    };
    let key = new_key()?;
    let quota = match (rate, burst) {
        (Some(rate_per_sec), Some(burst)) => Some(Quota {
            rate_per_sec,
            burst,
        }),
        _ => None,
    };
    keys.keys.push(KeyEntry {
        id: id.to_string(),
        sha256: hash_key(&key),
        quota,
    });
    // Validate the whole file as the server will before writing anything.
    AccessPolicy::new(keys.clone(), None).map_err(anyhow::Error::msg)?;
    let text = serde_json::to_string_pretty(&keys)? + "\n";
    let tmp = file.with_extension("json.tmp");
    std::fs::write(&tmp, text).with_context(|| format!("cannot write {}", tmp.display()))?;
    std::fs::rename(&tmp, file).with_context(|| format!("cannot replace {}", file.display()))?;
    let mut stdout = std::io::stdout().lock();
    writeln!(stdout, "{key}")?;
    eprintln!(
        "added key `{id}` to {} (only its sha256 is stored: keep the key above, it is not shown again; \
         a running server picks it up on SIGHUP)",
        file.display()
    );
    Ok(())
}

/// 32 random bytes from the kernel as `dl_<64 hex>`.
fn new_key() -> Result<String> {
    let mut bytes = [0u8; 32];
    std::fs::File::open("/dev/urandom")
        .and_then(|mut random| random.read_exact(&mut bytes))
        .context("cannot read /dev/urandom to make a key")?;
    Ok(format!("dl_{}", hex::encode(bytes)))
}
