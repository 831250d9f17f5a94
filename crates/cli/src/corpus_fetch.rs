//! Downloads a recipe's files: resumable (an interrupted download keeps `<name>.part` and
//! continues it with an HTTP `Range` request), with a progress bar, checked against the
//! pinned size, sha256 and md5 before it takes its final name, then unpacked (zip, tar.gz)
//! into the collection directory. A file that fails its check is deleted with a message that
//! names both digests, and nothing is unpacked from it.
use std::io::{Read, Write};
use std::path::{Path, PathBuf};

use anyhow::{Context, Result, bail};
use driftless_ingest::{Phase, Progress};
use md5::Md5;
use sha2::{Digest, Sha256};

use crate::corpus_recipe::RemoteFile;

/// Where a file is fetched from: its URL, or the same path on a mirror (`--mirror`).
pub fn source_url(file: &RemoteFile, mirror: Option<&str>) -> String {
    match mirror {
        None => file.url.clone(),
        Some(base) => {
            // Keep the path after the host: https://host/a/b.zip → <mirror>/a/b.zip.
            let path = file
                .url
                .split_once("://")
                .and_then(|(_, rest)| rest.split_once('/'))
                .map_or("", |(_, path)| path);
            format!("{}/{path}", base.trim_end_matches('/'))
        }
    }
}

/// Downloads `file` into `dir` (resuming a `.part`), checks it and returns its path. A file
/// already in place with the right digests is kept.
pub async fn fetch(
    client: &reqwest::Client,
    file: &RemoteFile,
    url: &str,
    dir: &Path,
) -> Result<PathBuf> {
    let target = dir.join(&file.name);
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent)?;
    }
    if target.is_file() && verify(&target, file).is_ok() {
        eprintln!("{}: already downloaded and verified", file.name);
        return Ok(target);
    }
    let part = dir.join(format!("{}.part", file.name));
    let have = std::fs::metadata(&part).map_or(0, |m| m.len());
    let mut request = client.get(url);
    if have > 0 {
        request = request.header(reqwest::header::RANGE, format!("bytes={have}-"));
    }
    let mut response = request
        .send()
        .await
        .with_context(|| format!("cannot reach {url}; check the network or pass --mirror"))?;
    let status = response.status();
    let resumed = status == reqwest::StatusCode::PARTIAL_CONTENT;
    if !status.is_success() {
        bail!("{url} answered {status}");
    }
    let mut out = std::fs::OpenOptions::new()
        .create(true)
        .write(true)
        .append(resumed)
        .truncate(!resumed)
        .open(&part)
        .with_context(|| format!("cannot write {}", part.display()))?;
    let start = if resumed { have } else { 0 };
    if resumed {
        eprintln!("{}: resuming after {have} bytes", file.name);
    }
    let total = file
        .bytes
        .or_else(|| response.content_length().map(|n| n + start));
    eprintln!("downloading {} from {url}", file.name);
    let mut phase = Phase::start(Progress::Auto, "download", total);
    phase.inc(start);
    while let Some(chunk) = response.chunk().await.with_context(|| {
        format!("the download of {url} broke off; run the same command again to resume")
    })? {
        out.write_all(&chunk)?;
        phase.inc(chunk.len() as u64);
    }
    out.flush()?;
    drop(out);
    phase.finish();
    if let Err(error) = verify(&part, file) {
        let _ = std::fs::remove_file(&part);
        return Err(error.context(format!(
            "{url} does not match the recipe (deleted; if the publisher changed the file, the recipe needs a new checksum)"
        )));
    }
    std::fs::rename(&part, &target)?;
    Ok(target)
}

/// Checks size, sha256 and md5 of `path` against the recipe.
pub fn verify(path: &Path, file: &RemoteFile) -> Result<()> {
    let mut reader = std::fs::File::open(path)?;
    let (mut sha, mut md5, mut bytes) = (Sha256::new(), <Md5 as md5::Digest>::new(), 0u64);
    let mut buf = vec![0u8; 1 << 16];
    loop {
        let n = reader.read(&mut buf)?;
        if n == 0 {
            break;
        }
        sha.update(&buf[..n]);
        md5::Digest::update(&mut md5, &buf[..n]);
        bytes += n as u64;
    }
    if let Some(expected) = file.bytes
        && expected != bytes
    {
        bail!("{}: {bytes} bytes, the recipe pins {expected}", file.name);
    }
    let sha = hex::encode(sha.finalize());
    if let Some(expected) = &file.sha256
        && !expected.eq_ignore_ascii_case(&sha)
    {
        bail!("{}: sha256 {sha}, the recipe pins {expected}", file.name);
    }
    let md5 = hex::encode(md5::Digest::finalize(md5));
    if let Some(expected) = &file.md5
        && !expected.eq_ignore_ascii_case(&md5)
    {
        bail!("{}: md5 {md5}, the recipe pins {expected}", file.name);
    }
    Ok(())
}

/// Unpacks a verified archive into `dir` (entries that would land outside it are refused).
pub fn unpack(archive: &Path, kind: &str, dir: &Path) -> Result<()> {
    let file = std::fs::File::open(archive)?;
    match kind {
        "zip" => {
            let mut zip = zip::ZipArchive::new(std::io::BufReader::new(file))
                .with_context(|| format!("{} is not a zip archive", archive.display()))?;
            zip.extract(dir)
                .with_context(|| format!("cannot unpack {}", archive.display()))?;
        }
        "tar.gz" => {
            let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(file));
            for entry in tar.entries()? {
                let mut entry = entry?;
                // unpack_in refuses paths with `..` or a root: nothing lands outside `dir`.
                if !entry.unpack_in(dir)? {
                    bail!(
                        "{}: an entry points outside the collection directory",
                        archive.display()
                    );
                }
            }
        }
        other => bail!("unknown archive kind {other:?}"),
    }
    Ok(())
}
