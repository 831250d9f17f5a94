//! Passage vectors in and out of a build as NumPy `.npy` files (`<f4`, C order, shape
//! `(passages, dim)`) with an optional ids file (one passage id `doc_id#ordinal` per line):
//! what `--export-vectors` writes and `--vectors` reads, so embeddings made elsewhere (a GPU
//! machine, another toolkit) can be brought to a build.
use std::collections::HashMap;
use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::row_file::{NPY_MAGIC as MAGIC, RowFile, invalid};
use crate::{DenseOptions, IngestError, io_error};

/// Where the ids of `npy` are written and looked for: `<npy>.ids.txt`.
pub fn ids_path(npy: &Path) -> PathBuf {
    let mut name = npy.as_os_str().to_os_string();
    name.push(".ids.txt");
    PathBuf::from(name)
}

/// The header of a version 1.0 `.npy` of `rows × dim` little-endian f32: the data starts
/// on a 64-byte boundary and the header ends with a newline.
pub(crate) fn npy_header(rows: u64, dim: usize) -> Result<Vec<u8>, String> {
    let mut header =
        format!("{{'descr': '<f4', 'fortran_order': False, 'shape': ({rows}, {dim}), }}");
    let total = MAGIC.len() + 4 + header.len() + 1;
    header.push_str(&" ".repeat((64 - total % 64) % 64));
    header.push('\n');
    let len = u16::try_from(header.len()).map_err(|_| "the .npy header is too long")?;
    let mut bytes = MAGIC.to_vec();
    bytes.extend([1, 0]);
    bytes.extend(len.to_le_bytes());
    bytes.extend(header.as_bytes());
    Ok(bytes)
}

/// Writes `rows × dim` little-endian f32 from `vectors` (a raw `vectors.f32`) as `.npy`.
pub(crate) fn write_npy(out: &Path, vectors: &Path, dim: usize) -> Result<u64, IngestError> {
    let bytes = std::fs::metadata(vectors).map_err(io_error(vectors))?.len();
    let rows = bytes / (dim as u64 * 4);
    let header = npy_header(rows, dim).map_err(|e| invalid(out, e))?;
    let file = File::create(out).map_err(io_error(out))?;
    let mut writer = BufWriter::with_capacity(1 << 20, file);
    let mut write = || -> std::io::Result<()> {
        writer.write_all(&header)?;
        std::io::copy(&mut File::open(vectors)?, &mut writer)?;
        writer.flush()
    };
    write().map_err(io_error(out))?;
    Ok(rows)
}

/// The dimension of a `--vectors` file, before the build starts (Parquet: its first row).
pub(crate) fn dim_of(options: &DenseOptions, file: &Path) -> Result<usize, IngestError> {
    if crate::parquet_vectors::is_parquet(file)? {
        crate::parquet_vectors::first_dim(
            file,
            options.vector_id_column.as_deref(),
            options.vector_column.as_deref(),
        )
    } else {
        Ok(RowFile::open(file)?.dim)
    }
}

/// [`import`] of any `--vectors` file: Parquet is first converted into `scratch` (and the
/// conversion removed afterwards); its ids come from its id column.
pub(crate) fn import_any(
    options: &DenseOptions,
    file: &Path,
    scratch: &Path,
    ours: &Path,
    dim: usize,
    passages: u64,
    out: &mut impl Write,
) -> Result<(), IngestError> {
    if !crate::parquet_vectors::is_parquet(file)? {
        return import(
            file,
            options.vector_ids.as_deref(),
            ours,
            dim,
            passages,
            out,
        );
    }
    if let Some(ids) = &options.vector_ids {
        return Err(invalid(
            ids,
            "a Parquet --vectors file carries its ids in a column (--vector-id-column), not in --vector-ids",
        ));
    }
    let (npy, ids, _) = crate::parquet_vectors::convert(
        file,
        scratch,
        options.vector_id_column.as_deref(),
        options.vector_column.as_deref(),
    )?;
    let result = import(&npy, Some(&ids), ours, dim, passages, out).map_err(|e| {
        IngestError::Dense(
            e.to_string()
                .replace(&npy.display().to_string(), &file.display().to_string()),
        )
    });
    for path in [&npy, &ids] {
        std::fs::remove_file(path).map_err(io_error(path))?;
    }
    result
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
    let mut npy = RowFile::open(npy_path)?;
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

/// A passage id as the build writes it: `doc_id#ordinal` stays, a bare `doc_id` (no
/// `#digits` ending) names the document's first passage, `doc_id#0`.
pub(crate) fn passage_id(id: String) -> String {
    let has_ordinal = id
        .rsplit_once('#')
        .is_some_and(|(_, n)| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()));
    if has_ordinal { id } else { format!("{id}#0") }
}

fn read_ids(path: &Path, passages: u64) -> Result<HashMap<String, u64>, IngestError> {
    let reader = BufReader::new(File::open(path).map_err(io_error(path))?);
    let mut map = HashMap::with_capacity(passages as usize);
    for (row, line) in reader.lines().enumerate() {
        let id = passage_id(line.map_err(io_error(path))?);
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
    let mut npy = RowFile::open(path)?;
    let rows = npy.rows.min(limit as u64);
    let dim = npy.dim;
    (0..rows)
        .map(|row| {
            let mut out = vec![0f32; dim];
            npy.read_row(row, &mut out).map(|()| out)
        })
        .collect()
}
