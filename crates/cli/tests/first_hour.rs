//! Issue 20, "papercuts a new user hits in the first hour", end to end through the binary:
//! ONNX Runtime lookup from any directory (and the Docker image's layout), builds, the
//! query log's default place and size, plain log lines off a terminal; and issue 22, the
//! quickstart that answers with BM25 first and switches to dense under load.
#[path = "support/http.rs"]
mod http;

mod first_hour {
    mod builds;
    pub mod common;
    mod docker_layout;
    mod logs_default;
    mod ort_lookup;
    mod quickstart_switch;
    mod replay_depth;
}
