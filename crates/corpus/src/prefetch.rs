//! Decompression on a thread of its own, ahead of the parser.
//!
//! Profiling a 1M-document `.jsonl.gz` build showed the corpus reader thread as the reading
//! phase's bound, and a third of that thread inflating gzip: the parser waited for bytes
//! while the other core had room. [`Prefetch`] moves the decompressor to its own thread,
//! which fills chunks of [`CHUNK`] bytes a few ahead of the consumer. The byte stream is
//! the decompressor's own, in order, so records, line numbers and skips are unchanged.
//! Errors travel with their `io::ErrorKind` (a stream cut short stays `UnexpectedEof`,
//! reported as `truncated`).

use std::io::{self, BufRead, Read};
use std::sync::mpsc::{Receiver, Sender, SyncSender, channel, sync_channel};
use std::thread::JoinHandle;

/// Bytes per chunk: large enough that a channel hand-off per chunk costs nothing, small
/// enough that [`AHEAD`] chunks in flight stay a few MB.
const CHUNK: usize = 1 << 20;
/// Chunks decompressed ahead of the consumer.
const AHEAD: usize = 4;

/// A `BufRead` over bytes read from `inner` on another thread.
pub(crate) struct Prefetch {
    /// `None` once the producer ended (end of stream or an error it sent).
    chunks: Option<Receiver<io::Result<Vec<u8>>>>,
    /// Emptied chunks go back to the producer, so the stream reuses a handful of buffers
    /// instead of allocating (and zeroing fresh pages for) one per MB.
    spare: Sender<Vec<u8>>,
    chunk: Vec<u8>,
    pos: usize,
    producer: Option<JoinHandle<()>>,
}

impl Prefetch {
    /// Starts reading `inner` on a thread named `driftless-decompress`.
    pub fn spawn<R: Read + Send + 'static>(inner: R) -> io::Result<Prefetch> {
        let (tx, rx) = sync_channel(AHEAD);
        let (spare_tx, spare_rx) = channel();
        let producer = std::thread::Builder::new()
            .name("driftless-decompress".into())
            .spawn(move || produce(inner, &tx, &spare_rx))?;
        Ok(Prefetch {
            chunks: Some(rx),
            spare: spare_tx,
            chunk: Vec::new(),
            pos: 0,
            producer: Some(producer),
        })
    }
}

/// The producer: fills chunks until the end, an error, or a consumer that went away.
fn produce<R: Read>(
    mut inner: R,
    chunks: &SyncSender<io::Result<Vec<u8>>>,
    spare: &Receiver<Vec<u8>>,
) {
    loop {
        let mut buf = spare
            .try_recv()
            .unwrap_or_else(|_| Vec::with_capacity(CHUNK));
        buf.clear();
        match (&mut inner).take(CHUNK as u64).read_to_end(&mut buf) {
            Ok(0) => return, // end of stream: the closed channel says so
            Ok(_) => {
                if chunks.send(Ok(buf)).is_err() {
                    return; // the consumer was dropped
                }
            }
            Err(e) => {
                // `read_to_end` keeps what it read before the error: those bytes come
                // first, so a stream cut short yields every record before the cut, as
                // it does when read in place.
                if !buf.is_empty() && chunks.send(Ok(buf)).is_err() {
                    return;
                }
                let _ = chunks.send(Err(e));
                return;
            }
        }
    }
}

impl BufRead for Prefetch {
    fn fill_buf(&mut self) -> io::Result<&[u8]> {
        while self.pos == self.chunk.len() {
            let Some(chunks) = &self.chunks else {
                return Ok(&[]);
            };
            match chunks.recv() {
                Ok(Ok(next)) => {
                    let used = std::mem::replace(&mut self.chunk, next);
                    let _ = self.spare.send(used); // the producer may have ended: fine
                    self.pos = 0;
                }
                Ok(Err(e)) => {
                    self.chunks = None;
                    return Err(e);
                }
                Err(_) => self.chunks = None, // end of stream
            }
        }
        Ok(&self.chunk[self.pos..])
    }

    fn consume(&mut self, amt: usize) {
        self.pos = (self.pos + amt).min(self.chunk.len());
    }
}

impl Read for Prefetch {
    fn read(&mut self, out: &mut [u8]) -> io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(out.len());
        out[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl Drop for Prefetch {
    fn drop(&mut self) {
        // Closing the channel stops the producer at its next chunk; waiting for it keeps
        // a dropped reader from leaving a thread (and an open file) behind.
        self.chunks = None;
        if let Some(handle) = self.producer.take() {
            let _ = handle.join();
        }
    }
}

#[cfg(test)]
#[path = "prefetch_tests.rs"]
mod tests;
