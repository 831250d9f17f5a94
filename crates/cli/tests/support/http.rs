//! A one-shot HTTP/1.1 GET over a plain socket, shared by the CLI's test binaries: nothing
//! but the server's own bytes between the test and the answer.
use std::io::{Read, Write};
use std::net::TcpStream;

/// `GET path` on `addr` with extra header lines (each ending in `\r\n`, e.g.
/// `"x-session-id: t1\r\n"`): the status, the lower-cased head and the body.
pub fn get(addr: &str, path: &str, headers: &str) -> (u16, String, String) {
    let mut stream = TcpStream::connect(addr).expect("connect");
    write!(
        stream,
        "GET {path} HTTP/1.1\r\nHost: {addr}\r\n{headers}Connection: close\r\n\r\n"
    )
    .expect("send");
    let mut response = String::new();
    stream.read_to_string(&mut response).expect("read");
    let (head, body) = response.split_once("\r\n\r\n").expect("http response");
    let status = head
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .expect("status");
    (status, head.to_lowercase(), body.to_string())
}
