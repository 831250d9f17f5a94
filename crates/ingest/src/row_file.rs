//! Files of f32 rows that `--vectors` reads in place, row by row: NumPy `.npy` (`<f4`, C
//! order, `(passages, dim)`) and FAISS flat indexes (`IndexFlatIP` / `IndexFlatL2`, as
//! `faiss.write_index` saves them, e.g. Search-R1's `e5_Flat.index`). Both are a header and
//! then the rows, contiguous; only the header differs. Parquet is converted to `.npy` first
//! (`parquet_vectors.rs`), since its rows are compressed pages, not addressable.
use std::fs::File;
use std::io::{BufReader, Read, Seek, SeekFrom};
use std::path::{Path, PathBuf};

use crate::{IngestError, io_error};

/// The magic of a `.npy` file.
pub(crate) const NPY_MAGIC: &[u8] = b"\x93NUMPY";
/// FAISS fourccs of flat indexes by metric: inner product, L2, and others.
const FAISS_FLAT: [&[u8; 4]; 3] = [b"IxFI", b"IxF2", b"IxFl"];

pub(crate) fn invalid(path: &Path, why: impl std::fmt::Display) -> IngestError {
    IngestError::Dense(format!("{}: {why}", path.display()))
}

/// An opened file of f32 rows.
#[derive(Debug)]
pub(crate) struct RowFile {
    path: PathBuf,
    file: BufReader<File>,
    data_offset: u64,
    pub rows: u64,
    pub dim: usize,
}

impl RowFile {
    /// Opens `path`, tells `.npy` from FAISS by the magic, and checks the header against
    /// the file's length.
    pub fn open(path: &Path) -> Result<Self, IngestError> {
        let mut file = BufReader::new(File::open(path).map_err(io_error(path))?);
        let mut head = [0u8; 10];
        file.read_exact(&mut head)
            .map_err(|_| invalid(path, "too short to be a .npy file or a FAISS index"))?;
        let (data_offset, rows, dim) = if &head[..6] == NPY_MAGIC {
            npy_header(path, &head, &mut file)?
        } else if FAISS_FLAT.iter().any(|magic| head[..4] == magic[..]) {
            faiss_header(path)?
        } else if &head[..4] == b"PAR1" {
            return Err(invalid(
                path,
                "a Parquet file is converted before it is read by row",
            ));
        } else if head[0] == b'I' {
            return Err(invalid(
                path,
                format!(
                    "a FAISS index of type {:?}: only flat indexes (IndexFlatIP, IndexFlatL2) hold the vectors themselves; export them with index.reconstruct_n(0, index.ntotal) and numpy.save",
                    String::from_utf8_lossy(&head[..4])
                ),
            ));
        } else {
            return Err(invalid(
                path,
                "not a .npy file (no \\x93NUMPY magic), a FAISS flat index or a Parquet file",
            ));
        };
        let expected = data_offset + rows * dim * 4;
        let actual = std::fs::metadata(path).map_err(io_error(path))?.len();
        if actual != expected {
            return Err(invalid(
                path,
                format!("holds {actual} bytes, its shape ({rows}, {dim}) needs {expected}"),
            ));
        }
        Ok(Self {
            path: path.to_path_buf(),
            file,
            data_offset,
            rows,
            dim: dim as usize,
        })
    }

    /// Row `row` into `out` (`dim` values).
    pub fn read_row(&mut self, row: u64, out: &mut [f32]) -> Result<(), IngestError> {
        let offset = self.data_offset + row * self.dim as u64 * 4;
        self.file
            .seek(SeekFrom::Start(offset))
            .map_err(io_error(&self.path))?;
        let mut bytes = vec![0u8; self.dim * 4];
        self.file
            .read_exact(&mut bytes)
            .map_err(io_error(&self.path))?;
        for (value, b) in out.iter_mut().zip(bytes.chunks_exact(4)) {
            *value = f32::from_le_bytes([b[0], b[1], b[2], b[3]]);
        }
        Ok(())
    }
}

/// `.npy` versions 1 to 3: (data offset, rows, dim).
fn npy_header(
    path: &Path,
    head: &[u8; 10],
    file: &mut impl Read,
) -> Result<(u64, u64, u64), IngestError> {
    let (header_len, prefix) = match head[6] {
        1 => (u64::from(u16::from_le_bytes([head[8], head[9]])), 10u64),
        2 | 3 => {
            let mut more = [0u8; 2];
            file.read_exact(&mut more).map_err(io_error(path))?;
            let len = u32::from_le_bytes([head[8], head[9], more[0], more[1]]);
            (u64::from(len), 12u64)
        }
        v => return Err(invalid(path, format!(".npy version {v} is not supported"))),
    };
    if header_len > 1 << 20 {
        return Err(invalid(path, "the .npy header is implausibly long"));
    }
    let mut header = vec![0u8; header_len as usize];
    file.read_exact(&mut header).map_err(io_error(path))?;
    let header = String::from_utf8_lossy(&header).replace(' ', "");
    if !header.contains("'descr':'<f4'") {
        return Err(invalid(
            path,
            "vectors must be little-endian float32 ('<f4'); convert with numpy: a.astype('<f4')",
        ));
    }
    if !header.contains("'fortran_order':False") {
        return Err(invalid(
            path,
            "vectors must be in C order; save np.ascontiguousarray(a)",
        ));
    }
    let shape = header
        .split("'shape':(")
        .nth(1)
        .and_then(|rest| rest.split(')').next())
        .ok_or_else(|| invalid(path, "the .npy header has no shape"))?;
    let dims: Vec<u64> = shape
        .split(',')
        .filter(|s| !s.is_empty())
        .map(|s| s.parse::<u64>())
        .collect::<Result<_, _>>()
        .map_err(|_| invalid(path, format!("unreadable shape ({shape})")))?;
    let [rows, dim] = dims[..] else {
        return Err(invalid(
            path,
            format!("shape ({shape}) is not (passages, dim)"),
        ));
    };
    Ok((prefix + header_len, rows, dim))
}

/// A FAISS flat index: fourcc, `d` (i32), `ntotal` (i64), two unused i64, `is_trained`
/// (u8), `metric_type` (i32), `metric_arg` (f32, only for metrics above L2), then the rows
/// as a u64 count of floats followed by the floats. Returns (data offset, rows, dim).
fn faiss_header(path: &Path) -> Result<(u64, u64, u64), IngestError> {
    let cut_short = || invalid(path, "the FAISS index header is cut short");
    let mut head = Vec::with_capacity(49);
    File::open(path)
        .map_err(io_error(path))?
        .take(49)
        .read_to_end(&mut head)
        .map_err(io_error(path))?;
    let bytes = |at: usize, len: usize| head.get(at..at + len).ok_or_else(cut_short);
    let word = |at: usize| -> Result<[u8; 8], IngestError> {
        let mut b = [0u8; 8];
        b.copy_from_slice(bytes(at, 8)?);
        Ok(b)
    };
    let int = |at: usize| -> Result<i32, IngestError> {
        let b = bytes(at, 4)?;
        Ok(i32::from_le_bytes([b[0], b[1], b[2], b[3]]))
    };
    let (dim, ntotal, metric) = (int(4)?, i64::from_le_bytes(word(8)?), int(33)?);
    // Inner product (0) and L2 (1) have no metric argument; the others add an f32.
    let count_at = if metric > 1 { 41 } else { 37 };
    let floats = u64::from_le_bytes(word(count_at)?);
    if dim <= 0 || ntotal < 0 {
        return Err(invalid(
            path,
            format!("FAISS index header says d={dim}, ntotal={ntotal}"),
        ));
    }
    let (dim, rows) = (dim as u64, ntotal as u64);
    if floats != rows * dim {
        return Err(invalid(
            path,
            format!("FAISS index holds {floats} floats, not ntotal × d = {rows} × {dim}"),
        ));
    }
    Ok((count_at as u64 + 8, rows, dim))
}
