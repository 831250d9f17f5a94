//! Item 1 (and issue 13): the Docker image serves a dense snapshot as a non-root user.
//!
//! No Docker engine runs in CI, so this reads docker/Dockerfile's final stage (COPY
//! --from=build, ENV, USER, WORKDIR, ENTRYPOINT), lays the same files out under a temporary
//! root (absolute paths in ENV values and arguments are moved under it) and runs the real
//! binary from there with only the image's environment. A Dockerfile change that moves the
//! binary or the runtime, or drops the variable that points at it, fails here.
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::Command;

use super::common::{BIN, build_dense, get, model, spawn_server, stop};

#[derive(Debug, Default)]
struct FinalStage {
    copies: Vec<(String, String)>,
    env: BTreeMap<String, String>,
    user: Option<String>,
    workdir: Option<String>,
    entrypoint: Vec<String>,
}

fn parse(dockerfile: &str) -> FinalStage {
    // Continuation lines joined; only the last stage is the image.
    let joined = dockerfile.replace("\\\n", " ");
    let lines: Vec<&str> = joined.lines().map(str::trim).collect();
    let last_from = lines
        .iter()
        .rposition(|l| l.starts_with("FROM "))
        .expect("a FROM line");
    let mut stage = FinalStage::default();
    for line in lines[last_from + 1..].iter().copied() {
        let (instruction, rest) = line.split_once(' ').unwrap_or((line, ""));
        match instruction {
            "COPY" => {
                let words: Vec<&str> = rest.split_whitespace().collect();
                assert!(
                    words.first() == Some(&"--from=build") && words.len() == 3,
                    "the test understands `COPY --from=build SRC DST` only: {line}"
                );
                stage.copies.push((words[1].into(), words[2].into()));
            }
            "ENV" => {
                let (key, value) = rest.split_once('=').expect("ENV KEY=VALUE");
                stage.env.insert(key.trim().into(), value.trim().into());
            }
            "USER" => stage.user = Some(rest.trim().into()),
            "WORKDIR" => stage.workdir = Some(rest.trim().into()),
            "ENTRYPOINT" => stage.entrypoint = serde_json::from_str(rest).expect("exec form"),
            _ => {}
        }
    }
    stage
}

/// Where the build stage's files come from on this machine.
fn build_stage_source(path: &str, lib: &Path) -> PathBuf {
    match path {
        "/src/target/release/driftless" => PathBuf::from(BIN),
        "/models/onnxruntime/libonnxruntime.so.1.31.1" => lib.to_path_buf(),
        other => panic!("docker_layout.rs does not know the build-stage file {other}: teach it"),
    }
}

fn under(root: &Path, value: &str) -> String {
    match value.strip_prefix('/') {
        Some(relative) => root.join(relative).display().to_string(),
        None => value.to_string(),
    }
}

#[test]
fn the_image_layout_serves_a_dense_snapshot() {
    let Some((model_dir, lib)) = model() else {
        return;
    };
    let dockerfile = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docker/Dockerfile");
    let stage = parse(&std::fs::read_to_string(&dockerfile).expect("read Dockerfile"));
    let user = stage.user.as_deref().expect("the image names a USER");
    assert!(
        !matches!(user, "root" | "0" | "0:0"),
        "the image runs as {user}"
    );

    let root = tempfile::tempdir().expect("tempdir");
    for (from, to) in &stage.copies {
        let target = root.path().join(to.trim_start_matches('/'));
        std::fs::create_dir_all(target.parent().expect("parent")).expect("mkdir");
        std::os::unix::fs::symlink(build_stage_source(from, &lib), &target).expect("link");
    }
    let workdir = root.path().join(
        stage
            .workdir
            .as_deref()
            .unwrap_or("/")
            .trim_start_matches('/'),
    );
    std::fs::create_dir_all(&workdir).expect("workdir");
    let snapshot = root.path().join("snapshot");
    build_dense(root.path(), &snapshot, &model_dir, &lib);

    // ENTRYPOINT ["driftless", "serve", …]: the binary from PATH, the address made local.
    let (program, args) = stage.entrypoint.split_first().expect("entrypoint");
    assert_eq!(program, "driftless");
    let binary = root.path().join("usr/local/bin/driftless");
    assert!(binary.exists(), "the image has no /usr/local/bin/driftless");
    let mut command = Command::new(binary);
    command
        .env_clear()
        .current_dir(&workdir)
        .env("HOME", &workdir);
    for (key, value) in &stage.env {
        command.env(key, under(root.path(), value));
    }
    for arg in args {
        command.arg(if arg == "0.0.0.0:8080" {
            "127.0.0.1:0".into()
        } else {
            under(root.path(), arg)
        });
    }
    let (child, addr, _line, _stderr) = spawn_server(command);
    let (status, body) = get(&addr, "/v1/search?q=vacuum&mode=hybrid");
    let (dense_status, dense) = get(&addr, "/v1/search?q=reclaim+storage&mode=dense");
    stop(child);
    assert_eq!(status, 200, "{body}");
    assert_eq!(dense_status, 200, "{dense}");
    assert!(dense.contains("pg-vacuum"), "{dense}");
    // The query log went to the image's data directory, not the snapshot or /.
    let data = stage
        .env
        .get("DRIFTLESS_DATA_DIR")
        .expect("DRIFTLESS_DATA_DIR");
    assert!(
        Path::new(&under(root.path(), data))
            .join("querylog.sqlite")
            .is_file()
    );
}
