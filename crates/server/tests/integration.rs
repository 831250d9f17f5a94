//! The one integration-test binary of the server: the snapshot fixture is built once per
//! process and the modules under `integration/` share it (one link instead of one per file).
#[path = "common/mod.rs"]
mod common;

mod integration {
    mod admission;
    mod bad_input;
    mod compat;
    mod connections;
    mod console;
    mod console_browser;
    mod dense;
    mod explain;
    mod fetch;
    mod headers;
    mod live_server;
    mod mcp;
    mod mcp_origin;
    mod openapi;
    mod operations;
    mod pinning;
    mod probes;
    mod search;
    mod snapshot_switch;
}
