//! Deterministic walk of a corpus directory: every `*.html`/`*.htm` file,
//! as '/'-separated paths relative to the root, sorted byte-wise.
//!
//! Symlinked directories are never entered (Debian trees link whole doc
//! trees under second names, which would duplicate every page, and links
//! can form cycles). Symlinked files are kept only when their target stays
//! inside the root, so nothing outside the corpus is ever read.

use std::fs;
use std::path::{Component, Path, PathBuf};

use crate::document::{Skip, SkipReason};
use crate::error::CorpusError;

/// The canonicalized corpus root.
#[derive(Debug, Clone)]
pub(crate) struct CorpusRoot {
    pub dir: PathBuf,
    /// `dir` as a '/'-separated string, used only to match site rules.
    pub abs: String,
}

impl CorpusRoot {
    pub fn open(path: &Path) -> Result<CorpusRoot, CorpusError> {
        let dir = fs::canonicalize(path).map_err(|source| CorpusError::PathUnavailable {
            path: path.to_path_buf(),
            source,
        })?;
        let abs = dir.to_string_lossy().replace('\\', "/");
        Ok(CorpusRoot { dir, abs })
    }

    /// Resolves a relative page path to a file inside the root, refusing
    /// absolute paths, `..`, and symlinks that lead outside.
    pub fn resolve(&self, rel: &str) -> Result<PathBuf, String> {
        let rel_path = Path::new(rel);
        if rel.is_empty()
            || !rel_path
                .components()
                .all(|c| matches!(c, Component::Normal(_)))
        {
            return Err(format!(
                "path {rel:?} is not a plain relative path inside the corpus"
            ));
        }
        let joined = self.dir.join(rel_path);
        let real = fs::canonicalize(&joined).map_err(|e| format!("cannot open: {e}"))?;
        if !real.starts_with(&self.dir) {
            return Err("symlink points outside the corpus root".to_string());
        }
        Ok(real)
    }
}

/// True for file names the HTML reader picks up.
pub(crate) fn is_html_name(name: &str) -> bool {
    let lower = name.to_ascii_lowercase();
    lower.ends_with(".html") || lower.ends_with(".htm")
}

/// Lists the HTML pages below the root. Unreadable subdirectories do not
/// stop the walk; they are reported as `Io` skips.
pub(crate) fn list_html_files(root: &CorpusRoot) -> Result<(Vec<String>, Vec<Skip>), CorpusError> {
    let mut files = Vec::new();
    let mut problems = Vec::new();
    // Explicit stack instead of recursion: depth is bounded by memory, not
    // by the thread's stack.
    let mut pending: Vec<String> = vec![String::new()];
    while let Some(rel_dir) = pending.pop() {
        let dir = if rel_dir.is_empty() {
            root.dir.clone()
        } else {
            root.dir.join(&rel_dir)
        };
        // Failing to open a subdirectory and failing midway through it are the same
        // problem for the user: that directory could not be listed.
        let unlisted = |e: std::io::Error| {
            Skip::new(
                rel_dir.clone(),
                SkipReason::Io,
                format!("cannot list directory: {e}"),
            )
        };
        let entries = match fs::read_dir(&dir) {
            Ok(entries) => entries,
            Err(source) if rel_dir.is_empty() => return Err(CorpusError::Io { path: dir, source }),
            Err(e) => {
                problems.push(unlisted(e));
                continue;
            }
        };
        for entry in entries {
            let entry = match entry {
                Ok(entry) => entry,
                Err(e) => {
                    problems.push(unlisted(e));
                    continue;
                }
            };
            let name = entry.file_name().to_string_lossy().into_owned();
            let rel = if rel_dir.is_empty() {
                name.clone()
            } else {
                format!("{rel_dir}/{name}")
            };
            let Ok(file_type) = entry.file_type() else {
                problems.push(Skip::new(rel, SkipReason::Io, "cannot read file type"));
                continue;
            };
            if file_type.is_dir() {
                pending.push(rel);
            } else if is_html_name(&name) {
                if file_type.is_symlink() && !symlink_stays_inside(root, &entry.path()) {
                    tracing::debug!(path = %rel, "skipping symlink that leaves the corpus or is not a file");
                    continue;
                }
                files.push(rel);
            }
        }
    }
    files.sort();
    problems.sort_by(|a, b| a.source.cmp(&b.source));
    Ok((files, problems))
}

/// A symlinked page is usable when it resolves to a regular file under the root.
fn symlink_stays_inside(root: &CorpusRoot, link: &Path) -> bool {
    match fs::canonicalize(link) {
        Ok(target) => target.starts_with(&root.dir) && target.is_file(),
        Err(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_files::write_files;

    #[test]
    fn walk_is_sorted_and_filters_extensions() -> std::io::Result<()> {
        let tmp = tempfile::tempdir()?;
        let d = tmp.path();
        write_files(
            d,
            &[
                "z.html",
                "a.htm",
                "a/b/c.HTML",
                "a/x.txt",
                "a.html",
                "a/b.html",
            ],
            "<p>x</p>",
        )?;
        let root = CorpusRoot::open(d).map_err(std::io::Error::other)?;
        let (files, problems) = list_html_files(&root).map_err(std::io::Error::other)?;
        assert_eq!(
            files,
            ["a.htm", "a.html", "a/b.html", "a/b/c.HTML", "z.html"]
        );
        assert!(problems.is_empty());
        Ok(())
    }

    #[cfg(unix)]
    #[test]
    fn symlinks_never_lead_outside() -> std::io::Result<()> {
        use std::os::unix::fs::symlink;
        let outside = tempfile::tempdir()?;
        fs::write(outside.path().join("secret.html"), "<p>secret</p>")?;
        let tmp = tempfile::tempdir()?;
        let d = tmp.path();
        fs::create_dir_all(d.join("real"))?;
        fs::write(d.join("real/page.html"), "<p>x</p>")?;
        symlink(outside.path().join("secret.html"), d.join("leak.html"))?;
        symlink(outside.path(), d.join("leakdir"))?;
        symlink(d.join("real"), d.join("alias"))?;
        symlink("real/page.html", d.join("inside.html"))?;
        symlink("missing.html", d.join("broken.html"))?;
        let root = CorpusRoot::open(d).map_err(std::io::Error::other)?;
        let (files, _) = list_html_files(&root).map_err(std::io::Error::other)?;
        assert_eq!(files, ["inside.html", "real/page.html"]);
        assert!(root.resolve("leak.html").is_err());
        assert!(root.resolve("../x.html").is_err());
        assert!(root.resolve("/etc/passwd").is_err());
        assert!(root.resolve("real/page.html").is_ok());
        Ok(())
    }
}
