use std::sync::Arc;

use parquet::data_type::{ByteArray, ByteArrayType, DoubleType, FloatType, Int64Type};
use parquet::file::properties::WriterProperties;
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use super::*;
use crate::row_file::RowFile;

type TestResult = Result<(), Box<dyn std::error::Error>>;

/// Writes ids and list-of-float vectors the way arrow does (`list` / `element` groups), in
/// row groups of `group_rows`; `None` vectors are null lists (the column is then optional).
fn write(path: &Path, ids: &[&str], vectors: &[Option<Vec<f32>>], group_rows: usize) -> TestResult {
    let schema = "message vectors {
        required binary id (UTF8);
        optional group embedding (LIST) { repeated group list { required float element; } }
    }";
    let schema = Arc::new(parse_message_type(schema)?);
    let props = Arc::new(WriterProperties::builder().build());
    let mut writer = SerializedFileWriter::new(File::create(path)?, schema, props)?;
    for (ids, vectors) in ids.chunks(group_rows).zip(vectors.chunks(group_rows)) {
        let mut group = writer.next_row_group()?;
        let mut column = group.next_column()?.ok_or("no id column")?;
        let values: Vec<ByteArray> = ids.iter().map(|s| ByteArray::from(*s)).collect();
        column
            .typed::<ByteArrayType>()
            .write_batch(&values, None, None)?;
        column.close()?;
        let (mut values, mut defs, mut reps) = (Vec::new(), Vec::new(), Vec::new());
        for vector in vectors {
            match vector {
                None => {
                    defs.push(0);
                    reps.push(0);
                }
                Some(v) => {
                    for (i, x) in v.iter().enumerate() {
                        values.push(*x);
                        defs.push(2);
                        reps.push(i16::from(i > 0));
                    }
                }
            }
        }
        let mut column = group.next_column()?.ok_or("no vector column")?;
        column
            .typed::<FloatType>()
            .write_batch(&values, Some(&defs), Some(&reps))?;
        column.close()?;
        group.close()?;
    }
    writer.close()?;
    Ok(())
}

/// Asserts that `result` failed with a message holding every one of `parts`.
fn assert_fails<T, E: std::fmt::Display>(result: Result<T, E>, parts: &[&str]) {
    let err = result.err().map(|e| e.to_string());
    assert!(
        err.as_deref()
            .is_some_and(|e| parts.iter().all(|p| e.contains(p))),
        "{err:?}"
    );
}

fn unit(i: usize) -> Vec<f32> {
    let mut v = vec![0.0; 4];
    v[i % 4] = 1.0;
    v
}

#[test]
fn a_parquet_file_becomes_an_npy_and_its_ids_across_row_groups() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("v.parquet");
    let ids = ["a", "b#1", "c", "d", "e"];
    let vectors: Vec<Option<Vec<f32>>> = (0..5).map(|i| Some(unit(i))).collect();
    write(&path, &ids, &vectors, 2)?;
    assert!(is_parquet(&path)?);
    assert_eq!(first_dim(&path, None, None)?, 4);
    let (npy, ids_path, dim) = convert(&path, dir.path(), None, None)?;
    assert_eq!(dim, 4);
    let mut rows = RowFile::open(&npy)?;
    assert_eq!((rows.rows, rows.dim), (5, 4));
    let mut row = vec![0f32; 4];
    rows.read_row(4, &mut row)?;
    assert_eq!(row, unit(4));
    assert_eq!(std::fs::read_to_string(ids_path)?, "a\nb#1\nc\nd\ne\n");
    Ok(())
}

#[test]
fn null_short_and_missing_vectors_are_clear_errors() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("v.parquet");
    write(&path, &["a", "b"], &[Some(unit(0)), None], 10)?;
    assert_fails(
        convert(&path, dir.path(), None, None),
        &["row 1: the vector is null or empty"],
    );

    write(
        &path,
        &["a", "b"],
        &[Some(unit(0)), Some(vec![1.0, 0.0])],
        10,
    )?;
    assert_fails(
        convert(&path, dir.path(), None, None),
        &["has 2 values, the first had 4"],
    );

    assert_fails(
        convert(&path, dir.path(), Some("key"), None),
        &["--vector-id-column", "id, embedding"],
    );
    assert_fails(
        convert(&path, dir.path(), None, Some("emb")),
        &["--vector-column"],
    );

    std::fs::write(&path, b"PAR1 not really")?;
    assert_fails(
        first_dim(&path, None, None),
        &["not a readable Parquet file"],
    );
    Ok(())
}

#[test]
fn integer_ids_and_double_vectors_are_read() -> TestResult {
    let dir = tempfile::tempdir()?;
    let path = dir.path().join("v.parquet");
    let schema = "message vectors {
        required int64 docid;
        required group vector (LIST) { repeated group list { required double item; } }
    }";
    let schema = Arc::new(parse_message_type(schema)?);
    let mut writer = SerializedFileWriter::new(File::create(&path)?, schema, Default::default())?;
    let mut group = writer.next_row_group()?;
    let mut column = group.next_column()?.ok_or("no id column")?;
    column
        .typed::<Int64Type>()
        .write_batch(&[7, 9], None, None)?;
    column.close()?;
    let mut column = group.next_column()?.ok_or("no vector column")?;
    column.typed::<DoubleType>().write_batch(
        &[0.6, 0.8, 1.0, 0.0],
        Some(&[1, 1, 1, 1]),
        Some(&[0, 1, 0, 1]),
    )?;
    column.close()?;
    group.close()?;
    writer.close()?;
    let (npy, ids, dim) = convert(&path, dir.path(), None, None)?;
    assert_eq!(dim, 2);
    assert_eq!(std::fs::read_to_string(ids)?, "7\n9\n");
    let mut rows = RowFile::open(&npy)?;
    let mut row = vec![0f32; 2];
    rows.read_row(0, &mut row)?;
    assert_eq!(row, vec![0.6, 0.8]);
    Ok(())
}
