//! `--vectors` from a Parquet file (ids in a column, bare document ids) and from a FAISS
//! flat index (positional rows named by an ids file) give the same snapshot, to the id, as
//! the `.npy` they hold the same vectors as: the imported bytes are what enters the identity.
use std::path::Path;
use std::sync::Arc;

use parquet::data_type::{ByteArray, ByteArrayType, FloatType};
use parquet::file::writer::SerializedFileWriter;
use parquet::schema::parser::parse_message_type;

use crate::ivf::{DOCS, Ivf, SQ8, vectors};

/// The vectors in reverse passage order under bare document ids (`d00042`, not `d00042#0`).
fn write_parquet(path: &Path, rows: &[Vec<f32>]) {
    let schema = "message vectors {
        required binary docid (UTF8);
        required binary url (UTF8);
        optional group embedding (LIST) { repeated group list { required float element; } }
    }";
    let schema = Arc::new(parse_message_type(schema).expect("schema"));
    let file = std::fs::File::create(path).expect("parquet");
    let mut writer = SerializedFileWriter::new(file, schema, Default::default()).expect("writer");
    for chunk in (0..DOCS).rev().collect::<Vec<_>>().chunks(1000) {
        let mut group = writer.next_row_group().expect("group");
        let ids: Vec<ByteArray> = chunk
            .iter()
            .map(|i| ByteArray::from(format!("d{i:05}").as_str()))
            .collect();
        for column in [&ids, &ids] {
            let mut out = group.next_column().expect("column").expect("id");
            out.typed::<ByteArrayType>()
                .write_batch(column, None, None)
                .expect("ids");
            out.close().expect("close");
        }
        let values: Vec<f32> = chunk.iter().flat_map(|&i| rows[i].clone()).collect();
        let defs = vec![2i16; values.len()];
        let reps: Vec<i16> = (0..values.len()).map(|j| i16::from(j % 384 != 0)).collect();
        let mut out = group.next_column().expect("column").expect("vectors");
        out.typed::<FloatType>()
            .write_batch(&values, Some(&defs), Some(&reps))
            .expect("vectors");
        out.close().expect("close");
        group.close().expect("group");
    }
    writer.close().expect("close");
}

/// An `IndexFlatIP` as `faiss.write_index` saves it.
fn write_faiss(path: &Path, rows: &[Vec<f32>]) {
    let mut bytes = b"IxFI".to_vec();
    bytes.extend(384i32.to_le_bytes());
    bytes.extend((rows.len() as i64).to_le_bytes());
    bytes.extend([(1i64 << 20).to_le_bytes(), (1i64 << 20).to_le_bytes()].concat());
    bytes.push(1);
    bytes.extend(0i32.to_le_bytes());
    bytes.extend((rows.len() as u64 * 384).to_le_bytes());
    bytes.extend(rows.iter().flatten().flat_map(|v| v.to_le_bytes()));
    std::fs::write(path, bytes).expect("faiss");
}

#[test]
fn parquet_and_faiss_vectors_give_the_npy_snapshot() {
    let Some(ivf) = Ivf::prepare() else { return };
    let from_npy = ivf.build("npy", &ivf.npy, ivf.npy_ids(), SQ8, 2);
    let (rows, _) = vectors();

    let parquet = ivf.path("vectors.parquet");
    write_parquet(&parquet, &rows);
    let from_parquet = ivf.build("parquet", &parquet, None, SQ8, 2);
    assert_eq!(from_parquet.id(), from_npy.id());
    assert!(
        !ivf.path("parquet/dense/vectors.npy").exists(),
        "the conversion is removed"
    );

    let faiss = ivf.path("e5_Flat.index");
    write_faiss(&faiss, &rows);
    let ids = ivf.path("faiss-ids.txt");
    let lines: Vec<String> = (0..DOCS).map(|i| format!("d{i:05}\n")).collect();
    std::fs::write(&ids, lines.concat()).expect("ids");
    let from_faiss = ivf.build("faiss", &faiss, Some(ids), SQ8, 2);
    assert_eq!(from_faiss.id(), from_npy.id());
}
