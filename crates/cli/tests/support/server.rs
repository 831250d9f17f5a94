//! A `serve` child for the CLI's test binaries: started on port 0, it says where it listens
//! in a "serving … on http://ADDR" line on stderr, which is the only way to learn the port.
use std::io::{BufRead, BufReader};
use std::process::{Child, ChildStderr, Command, Stdio};
use std::time::{Duration, Instant};

/// Spawns `command` (a `serve`), waits for its "… on http://ADDR" line and returns the child,
/// the address, that line and the rest of its stderr (keep draining it in a test that logs
/// much, or the server blocks on a full pipe). Kills the child and panics with what it
/// printed when no address comes within two minutes.
pub fn spawn_server(mut command: Command) -> (Child, String, String, BufReader<ChildStderr>) {
    let mut child = command
        .stderr(Stdio::piped())
        .stdout(Stdio::null())
        .spawn()
        .expect("spawn serve");
    let mut stderr = BufReader::new(child.stderr.take().expect("stderr"));
    let deadline = Instant::now() + Duration::from_secs(120);
    let mut seen = String::new();
    let mut line = String::new();
    while Instant::now() < deadline {
        line.clear();
        if stderr.read_line(&mut line).expect("read stderr") == 0 {
            break;
        }
        seen.push_str(&line);
        if let Some(rest) = line.split("on http://").nth(1) {
            let addr = rest.split_whitespace().next().expect("address").to_string();
            return (child, addr, line.clone(), stderr);
        }
    }
    let _ = child.kill();
    let _ = child.wait();
    panic!("server did not report its address; stderr:\n{seen}");
}
