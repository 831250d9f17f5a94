//! Passage vectors in and out of a build as NumPy `.npy` files (`<f4`, C order, shape
//! `(passages, dim)`) with an optional ids file (one passage id `doc_id#ordinal` per line):
//! what `--export-vectors` writes and `--vectors` reads, so embeddings made elsewhere (a GPU
//! machine, another toolkit) can be brought to a build.
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::{IngestError, io_error};

const MAGIC: &[u8] = b"\x93NUMPY";

fn invalid(path: &Path, why: impl std::fmt::Display) -> IngestError {
    IngestError::Dense(format!("{}: {why}", path.display()))
}

/// An opened `.npy` of f32 rows.
#[derive(Debug)]
pub(crate) struct Npy {
    path: PathBuf,
    file: BufReader<File>,
    data_offset: u64,
    pub rows: u64,
    pub dim: usize,
}

impl Npy {
    /// Opens and checks the header: little-endian f32, C order, two dimensions.
    pub fn open(path: &Path) -> Result<Self, IngestError> {
        let mut file = BufReader::new(File::open(path).map_err(io_error(path))?);
        let mut head = [0u8; 10];
        file.read_exact(&mut head)
            .map_err(|_| invalid(path, "too short to be a .npy file"))?;
        if &head[..6] != MAGIC {
            return Err(invalid(path, "not a .npy file (no \\x93NUMPY magic)"));
        }
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
        let data_offset = prefix + header_len;
        let expected = data_offset + rows * dim * 4;
        let actual = std::fs::metadata(path).map_err(io_error(path))?.len();
        if actual != expected {
            return Err(invalid(
                path,
                format!("holds {actual} bytes, its shape ({rows}, {dim}) needs {expected}"),
            ));
        }
        Ok(Npy {
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

/// Where the ids of `npy` are written and looked for: `<npy>.ids.txt`.
pub fn ids_path(npy: &Path) -> PathBuf {
    let mut name = npy.as_os_str().to_os_string();
    name.push(".ids.txt");
    PathBuf::from(name)
}

/// Writes `rows × dim` little-endian f32 from `vectors` (a raw `vectors.f32`) as `.npy`.
pub(crate) fn write_npy(out: &Path, vectors: &Path, dim: usize) -> Result<u64, IngestError> {
    let bytes = std::fs::metadata(vectors).map_err(io_error(vectors))?.len();
    let rows = bytes / (dim as u64 * 4);
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {dim}), }}");
    // Version 1.0: the data starts on a 64-byte boundary, the header ends with a newline.
    let total = MAGIC.len() + 4 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let file = File::create(out).map_err(io_error(out))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let len = u16::try_from(header.len()).map_err(|_| invalid(out, "header too long"))?;
    let mut write = || -> std::io::Result<()> {
        writer.write_all(MAGIC)?;
        writer.write_all(&[1, 0])?;
        writer.write_all(&len.to_le_bytes())?;
        writer.write_all(header.as_bytes())?;
        std::io::copy(&mut File::open(vectors)?, &mut writer)?;
        writer.flush()
    };
    write().map_err(io_error(out))?;
    Ok(rows)
}

/// Copies the rows of `npy` into `vectors.f32` in the build's passage order, checking
/// dimension, count, id coverage and unit length. `ours` are the build's passage ids;
/// `ids` (optional) the ids of the npy rows; without it rows must be in the build's order.
pub(crate) fn import(
    npy_path: &Path,
    ids: Option<&Path>,
    ours: &Path,
    dim: usize,
    passages: u64,
    out: &mut impl Write,
) -> Result<(), IngestError> {
    let mut npy = Npy::open(npy_path)?;
    if npy.dim != dim {
        return Err(invalid(
            npy_path,
            format!(
                "vectors have {} dimensions, the query encoder {dim}",
                npy.dim
            ),
        ));
    }
    if npy.rows != passages {
        return Err(invalid(
            npy_path,
            format!(
                "{} vectors for {passages} passages: every passage needs one (and only one)",
                npy.rows
            ),
        ));
    }
    // Row of each of our passages: identity without an ids file, by id with one.
    let row_of: Option<HashMap<String, u64>> = match ids {
        None => None,
        Some(path) => Some(read_ids(path, passages)?),
    };
    let our_ids = BufReader::new(File::open(ours).map_err(io_error(ours))?);
    let mut row = vec![0f32; dim];
    for (ord, id) in our_ids.lines().enumerate() {
        let id = id.map_err(io_error(ours))?;
        let source = match &row_of {
            None => ord as u64,
            Some(map) => *map.get(&id).ok_or_else(|| {
                invalid(
                    npy_path,
                    format!("no vector for passage {id:?} in the ids file"),
                )
            })?,
        };
        npy.read_row(source, &mut row)?;
        let norm = row
            .iter()
            .map(|v| f64::from(*v) * f64::from(*v))
            .sum::<f64>()
            .sqrt();
        if (norm - 1.0).abs() > 1e-3 {
            return Err(invalid(
                npy_path,
                format!(
                    "vector of passage {id:?} has length {norm:.4}; the index compares unit vectors by dot product: L2-normalise them first"
                ),
            ));
        }
        for v in &row {
            out.write_all(&v.to_le_bytes())
                .map_err(io_error(npy_path))?;
        }
    }
    Ok(())
}

fn read_ids(path: &Path, passages: u64) -> Result<HashMap<String, u64>, IngestError> {
    let reader = BufReader::new(File::open(path).map_err(io_error(path))?);
    let mut map = HashMap::with_capacity(passages as usize);
    for (row, line) in reader.lines().enumerate() {
        let id = line.map_err(io_error(path))?;
        if map.insert(id.clone(), row as u64).is_some() {
            return Err(invalid(path, format!("passage id {id:?} appears twice")));
        }
    }
    if map.len() as u64 != passages {
        return Err(invalid(
            path,
            format!("{} ids for {passages} vectors", map.len()),
        ));
    }
    Ok(map)
}

#[cfg(test)]
#[path = "vectors_tests.rs"]
mod tests;

/// The first `limit` rows of an `.npy` (`<f4`, `(rows, dim)`), e.g. query vectors that come
/// with imported passage vectors (`driftless eval ann-recall --query-vectors`).
pub fn read_npy_rows(path: &Path, limit: usize) -> Result<Vec<Vec<f32>>, IngestError> {
    let mut npy = Npy::open(path)?;
    let rows = npy.rows.min(limit as u64);
    let dim = npy.dim;
    (0..rows)
        .map(|row| {
            let mut out = vec![0f32; dim];
            npy.read_row(row, &mut out).map(|()| out)
        })
        .collect()
}
