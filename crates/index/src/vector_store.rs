//! Passage vectors, memory-mapped from `dense/vectors.f32` (passages × dim little-endian f32).
//!
//! Mapped, not read: at 10M passages of 384 dimensions the file is 15 GB, more than a server
//! should hold on its heap; the kernel pages in what queries touch and can drop it again. The
//! mapping comes from tantivy's `MmapDirectory` (the workspace forbids `unsafe`), and the bytes
//! are viewed as `f32` with `bytemuck`, which checks alignment and length instead of assuming
//! them. A mapping starts on a page boundary, so the view never fails for a whole file.
use std::path::Path;

use tantivy::directory::{Directory, MmapDirectory, OwnedBytes};

#[cfg(target_endian = "big")]
compile_error!(
    "vectors.f32 is little-endian and is viewed in place: big-endian hosts are not supported"
);

/// Maps `dir/file` read-only (through tantivy's MmapDirectory, which owns the `unsafe`).
pub(crate) fn map_file(dir: &Path, file: &str) -> Result<OwnedBytes, String> {
    let directory = MmapDirectory::open(dir).map_err(|e| e.to_string())?;
    let slice = directory
        .open_read(Path::new(file))
        .map_err(|e| format!("{file}: {e}"))?;
    slice.read_bytes().map_err(|e| format!("{file}: {e}"))
}

/// Read-only view of a vectors file.
pub struct VectorStore {
    bytes: OwnedBytes,
    dim: usize,
    len: usize,
}

impl std::fmt::Debug for VectorStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("VectorStore")
            .field("dim", &self.dim)
            .field("len", &self.len)
            .finish_non_exhaustive()
    }
}

impl VectorStore {
    /// Maps `dir/file` and checks that it holds whole `dim`-dimensional vectors.
    ///
    /// The error is a sentence for the user (the caller adds the path).
    pub fn open(dir: &Path, file: &str, dim: usize) -> Result<Self, String> {
        if dim == 0 {
            return Err("the vector dimension is 0".into());
        }
        let bytes = map_file(dir, file)?;
        let row = dim * std::mem::size_of::<f32>();
        if bytes.len() % row != 0 {
            return Err(format!(
                "{} bytes is not a whole number of {dim}-dimensional f32 vectors",
                bytes.len()
            ));
        }
        bytemuck::try_cast_slice::<u8, f32>(bytes.as_slice())
            .map_err(|e| format!("the vectors cannot be viewed as f32: {e}"))?;
        let len = bytes.len() / row;
        Ok(Self { bytes, dim, len })
    }

    /// Vector dimension.
    pub fn dim(&self) -> usize {
        self.dim
    }

    /// Number of vectors.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when the file holds no vector.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// All vectors as one row-major slice.
    pub fn as_slice(&self) -> &[f32] {
        // Alignment and length were checked in `open`, and the bytes never change.
        bytemuck::cast_slice(self.bytes.as_slice())
    }

    /// Vector `ord` (panics past the end, like slice indexing: ordinals come from the index).
    pub fn get(&self, ord: u32) -> &[f32] {
        let start = ord as usize * self.dim;
        &self.as_slice()[start..start + self.dim]
    }
}
