//! `sslmode` in a Postgres URL, with rustls. The local test server has TLS on (a self-signed
//! certificate), so a server *without* TLS is played by a proxy in front of it that answers
//! the client's SSLRequest with 'N' (no TLS), exactly what a non-TLS Postgres replies, and
//! then pipes the plain protocol through.
use driftless_querylog::LogStore;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use super::support::{PG_ADDR, PgDatabase};

/// The SSLRequest message: length 8, code 80877103.
const SSL_REQUEST: [u8; 8] = [0, 0, 0, 8, 4, 210, 22, 47];

async fn no_tls_proxy() -> String {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr").to_string();
    tokio::spawn(async move {
        while let Ok((mut client, _)) = listener.accept().await {
            tokio::spawn(async move {
                let mut first = [0u8; 8];
                if client.read_exact(&mut first).await.is_err() {
                    return;
                }
                let Ok(mut server) = TcpStream::connect(PG_ADDR).await else {
                    return;
                };
                if first == SSL_REQUEST {
                    if client.write_all(b"N").await.is_err() {
                        return;
                    }
                } else if server.write_all(&first).await.is_err() {
                    return;
                }
                let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
            });
        }
    });
    addr
}

#[tokio::test]
async fn sslmode_require_against_a_server_without_tls_fails_clearly() {
    let Some(db) = PgDatabase::create().await else {
        return;
    };
    let proxy = no_tls_proxy().await;
    let err = LogStore::connect(&format!("{}?sslmode=require", db.url_via(&proxy)))
        .await
        .expect_err("require against a server without TLS");
    let message = err.to_string();
    assert!(message.contains("server does not support TLS"), "{message}");
    assert!(message.contains("sslmode=prefer"), "{message}");
    // prefer falls back to plain TCP, disable never asks.
    for mode in ["prefer", "disable", "allow"] {
        let store = LogStore::connect(&format!("{}?sslmode={mode}", db.url_via(&proxy)))
            .await
            .unwrap_or_else(|e| panic!("sslmode={mode} without TLS: {e}"));
        assert_eq!(store.count().await.expect("count"), 0);
        store.close().await;
    }
    db.drop_now().await;
}

#[tokio::test]
async fn sslmode_against_the_tls_server() {
    let Some(db) = PgDatabase::create().await else {
        return;
    };
    // TLS is negotiated by rustls: require works...
    let store = LogStore::connect(&format!("{}?sslmode=require", db.url()))
        .await
        .expect("sslmode=require over TLS");
    assert_eq!(store.count().await.expect("count"), 0);
    store.close().await;
    // ...and verify-full checks the certificate: a self-signed one is refused, saying why.
    let err = LogStore::connect(&format!("{}?sslmode=verify-full", db.url()))
        .await
        .expect_err("self-signed certificate under verify-full");
    let message = err.to_string();
    assert!(
        message.contains("over TLS") && message.contains("sslrootcert"),
        "{message}"
    );
    db.drop_now().await;
}
