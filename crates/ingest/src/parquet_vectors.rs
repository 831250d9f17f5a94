//! Passage vectors from Parquet (`--vectors x.parquet`): an id column and a list-of-float
//! column, the layout `datasets`/pandas/arrow write for embeddings (BrowseComp-Plus,
//! FineWeb-style shards). Parquet rows sit in compressed pages, so the file is converted
//! once, streaming, into a `.npy` and an ids file in the build's scratch space, and the
//! `.npy` import (`vectors.rs`) does the rest: id coverage, order, unit length.
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::{Path, PathBuf};

use driftless_corpus::parquet_guarded as guarded;
use parquet::basic::Type as PhysicalType;
use parquet::file::reader::{FileReader, SerializedFileReader};

use crate::parquet_vector_columns::{FloatColumn, IdColumn};
use crate::row_file::invalid;
use crate::vectors::npy_header;
use crate::{IngestError, io_error};

/// Records decoded per step (a few MB of vectors at 384 dimensions).
const BATCH: usize = 1024;
/// Id columns tried in order when none is named.
const ID_COLUMNS: [&str; 5] = ["id", "passage_id", "docid", "doc_id", "_id"];
/// Vector columns preferred, in order, when the file has several float lists.
const VECTOR_COLUMNS: [&str; 4] = ["embedding", "embeddings", "vector", "emb"];

/// True when `path` starts with Parquet's magic.
pub(crate) fn is_parquet(path: &Path) -> Result<bool, IngestError> {
    use std::io::Read;
    let mut magic = [0u8; 4];
    let mut file = File::open(path).map_err(io_error(path))?;
    Ok(file.read_exact(&mut magic).is_ok() && &magic == b"PAR1")
}

/// The columns of a vectors file: (id leaf index, vector leaf index, vector max def level).
struct Plan {
    id: usize,
    id_def: i16,
    vector: usize,
    vector_def: i16,
    rows: u64,
}

fn plan(
    path: &Path,
    reader: &SerializedFileReader<File>,
    id_column: Option<&str>,
    vector_column: Option<&str>,
) -> Result<Plan, IngestError> {
    let schema = reader.metadata().file_metadata().schema_descr();
    let leaves: Vec<_> = schema.columns().iter().enumerate().collect();
    let names = || {
        let names: Vec<&str> = leaves
            .iter()
            .map(|(_, c)| c.path().parts()[0].as_str())
            .collect();
        names.join(", ")
    };
    let ids: Vec<&str> = id_column.map_or(ID_COLUMNS.to_vec(), |c| vec![c]);
    let id = ids
        .iter()
        .find_map(|name| {
            leaves.iter().find(|(_, c)| {
                c.path().parts().len() == 1
                    && c.name() == *name
                    && c.max_rep_level() == 0
                    && matches!(
                        c.physical_type(),
                        PhysicalType::BYTE_ARRAY | PhysicalType::INT32 | PhysicalType::INT64
                    )
            })
        })
        .map(|(i, c)| (*i, c.max_def_level()))
        .ok_or_else(|| {
            invalid(
                path,
                format!(
                    "no string or integer id column {} (the file has: {}); name one with --vector-id-column",
                    ids.join(" or "),
                    names()
                ),
            )
        })?;
    let floats: Vec<_> = leaves
        .iter()
        .filter(|(_, c)| {
            c.max_rep_level() == 1
                && matches!(
                    c.physical_type(),
                    PhysicalType::FLOAT | PhysicalType::DOUBLE
                )
        })
        .collect();
    let top = |c: &parquet::schema::types::ColumnDescriptor| c.path().parts()[0].clone();
    let vector = match vector_column {
        Some(name) => floats.iter().find(|(_, c)| top(c) == name),
        None if floats.len() == 1 => floats.first(),
        None => VECTOR_COLUMNS
            .iter()
            .find_map(|name| floats.iter().find(|(_, c)| top(c) == *name)),
    }
    .ok_or_else(|| {
        invalid(
            path,
            format!(
                "no {} list-of-float column (the file has: {}); name one with --vector-column",
                vector_column.map_or("single".to_string(), |n| format!("{n:?}")),
                names()
            ),
        )
    })?;
    let rows = reader
        .metadata()
        .row_groups()
        .iter()
        .map(|g| u64::try_from(g.num_rows()).unwrap_or(0))
        .sum();
    Ok(Plan {
        id: id.0,
        id_def: id.1,
        vector: vector.0,
        vector_def: vector.1.max_def_level(),
        rows,
    })
}

fn open(path: &Path) -> Result<SerializedFileReader<File>, IngestError> {
    let file = File::open(path).map_err(io_error(path))?;
    guarded(|| SerializedFileReader::new(file))
        .map_err(|e| invalid(path, format!("not a readable Parquet file: {e}")))
}

/// The length of the first vector (checked against the query encoder before the build).
pub(crate) fn first_dim(
    path: &Path,
    id_column: Option<&str>,
    vector_column: Option<&str>,
) -> Result<usize, IngestError> {
    let reader = open(path)?;
    let plan = plan(path, &reader, id_column, vector_column)?;
    for group in 0..reader.num_row_groups() {
        let group_reader = guarded(|| reader.get_row_group(group)).map_err(|e| invalid(path, e))?;
        let column = guarded(|| group_reader.get_column_reader(plan.vector))
            .map_err(|e| invalid(path, e))?;
        let batch = FloatColumn::new(column)
            .and_then(|mut c| c.next(1, plan.vector_def))
            .map_err(|e| invalid(path, e))?;
        if let Some(&len) = batch.lengths.first() {
            return Ok(len);
        }
    }
    Err(invalid(path, "the file holds no vector"))
}

/// Converts `path` into `<scratch>/vectors.npy` and `<scratch>/vectors.npy.ids.txt`;
/// returns their paths and the dimension.
pub(crate) fn convert(
    path: &Path,
    scratch: &Path,
    id_column: Option<&str>,
    vector_column: Option<&str>,
) -> Result<(PathBuf, PathBuf, usize), IngestError> {
    let reader = open(path)?;
    let plan = plan(path, &reader, id_column, vector_column)?;
    let npy_path = scratch.join("vectors.npy");
    let ids_path = crate::vectors::ids_path(&npy_path);
    let mut npy = BufWriter::with_capacity(
        1 << 20,
        File::create(&npy_path).map_err(io_error(&npy_path))?,
    );
    let mut ids = BufWriter::new(File::create(&ids_path).map_err(io_error(&ids_path))?);
    let mut dim: Option<usize> = None;
    let mut row = 0u64;
    let fail = |row: u64, why: &str| invalid(path, format!("row {row}: {why}"));
    for group in 0..reader.num_row_groups() {
        let group_reader = guarded(|| reader.get_row_group(group)).map_err(|e| invalid(path, e))?;
        let vectors = guarded(|| group_reader.get_column_reader(plan.vector))
            .map_err(|e| invalid(path, e))?;
        let id_reader =
            guarded(|| group_reader.get_column_reader(plan.id)).map_err(|e| invalid(path, e))?;
        let mut vectors = FloatColumn::new(vectors).map_err(|e| invalid(path, e))?;
        let mut id_reader = IdColumn::new(id_reader).map_err(|e| invalid(path, e))?;
        loop {
            let batch = vectors
                .next(BATCH, plan.vector_def)
                .map_err(|e| invalid(path, e))?;
            if batch.lengths.is_empty() {
                break;
            }
            let batch_ids = id_reader
                .next(batch.lengths.len(), plan.id_def)
                .map_err(|e| invalid(path, e))?;
            if batch_ids.len() != batch.lengths.len() {
                return Err(fail(row, "the id column ended before the vector column"));
            }
            let mut values = batch.values.iter();
            for (len, id) in batch.lengths.iter().zip(batch_ids) {
                let id = id.ok_or_else(|| fail(row, "the id is null"))?;
                if *len == 0 {
                    return Err(fail(row, "the vector is null or empty"));
                }
                let want = match dim {
                    Some(want) => want,
                    None => {
                        let header = npy_header(plan.rows, *len).map_err(|e| invalid(path, e))?;
                        npy.write_all(&header).map_err(io_error(&npy_path))?;
                        *dim.insert(*len)
                    }
                };
                if *len != want {
                    return Err(fail(
                        row,
                        &format!("the vector has {len} values, the first had {want}"),
                    ));
                }
                for v in values.by_ref().take(*len) {
                    npy.write_all(&v.to_le_bytes())
                        .map_err(io_error(&npy_path))?;
                }
                if id.contains('\n') {
                    return Err(fail(row, "the id holds a line break"));
                }
                writeln!(ids, "{id}").map_err(io_error(&ids_path))?;
                row += 1;
            }
        }
    }
    npy.flush().map_err(io_error(&npy_path))?;
    ids.flush().map_err(io_error(&ids_path))?;
    let dim = dim.ok_or_else(|| invalid(path, "the file holds no vector"))?;
    if row != plan.rows {
        return Err(invalid(
            path,
            format!("read {row} rows, the footer says {}", plan.rows),
        ));
    }
    Ok((npy_path, ids_path, dim))
}

#[cfg(test)]
#[path = "parquet_vectors_tests.rs"]
mod tests;
