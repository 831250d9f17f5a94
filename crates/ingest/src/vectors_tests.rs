use super::*;

fn unit(i: usize, dim: usize) -> Vec<f32> {
    let mut v = vec![0f32; dim];
    v[i % dim] = 1.0;
    v
}

fn raw(dir: &Path, rows: &[Vec<f32>]) -> PathBuf {
    let path = dir.join("vectors.f32");
    let bytes: Vec<u8> = rows
        .iter()
        .flatten()
        .flat_map(|v| v.to_le_bytes())
        .collect();
    std::fs::write(&path, bytes).ok();
    path
}

fn tmp() -> tempfile::TempDir {
    tempfile::tempdir().unwrap_or_else(|e| panic!("tempdir: {e}"))
}

/// Writes each case's bytes to `path` and expects `RowFile::open` to refuse them with a
/// message containing the case's text.
fn refused_with(path: &Path, cases: &[(Vec<u8>, &str)]) -> Result<(), IngestError> {
    for (bytes, expected) in cases {
        std::fs::write(path, bytes).map_err(io_error(path))?;
        let err = RowFile::open(path)
            .err()
            .map(|e| e.to_string())
            .unwrap_or_default();
        assert!(err.contains(expected), "{expected:?} not in {err:?}");
    }
    Ok(())
}

#[test]
fn npy_written_is_read_back_row_by_row() -> Result<(), IngestError> {
    let dir = tmp();
    let rows: Vec<Vec<f32>> = (0..5).map(|i| unit(i, 4)).collect();
    let npy = dir.path().join("v.npy");
    assert_eq!(write_npy(&npy, &raw(dir.path(), &rows), 4)?, 5);
    let bytes = std::fs::read(&npy).map_err(io_error(&npy))?;
    // NumPy's layout: magic, version 1.0, data on a 64-byte boundary.
    assert_eq!(&bytes[..8], b"\x93NUMPY\x01\x00");
    assert_eq!((bytes.len() - 5 * 4 * 4) % 64, 0);
    let mut back = RowFile::open(&npy)?;
    assert_eq!((back.rows, back.dim), (5, 4));
    let mut row = vec![0f32; 4];
    back.read_row(3, &mut row)?;
    assert_eq!(row, rows[3]);
    Ok(())
}

#[test]
fn bad_npy_files_are_clear_errors() -> Result<(), IngestError> {
    let dir = tmp();
    let path = dir.path().join("bad.npy");
    let header = |descr: &str, order: &str, shape: &str| {
        let h = format!("{{'descr': '{descr}', 'fortran_order': {order}, 'shape': {shape}, }}\n");
        let mut b = b"\x93NUMPY\x01\x00".to_vec();
        b.extend_from_slice(&(h.len() as u16).to_le_bytes());
        b.extend_from_slice(h.as_bytes());
        b
    };
    let cases: [(Vec<u8>, &str); 5] = [
        (b"hello".to_vec(), "too short"),
        (header("<f8", "False", "(1, 2)"), "float32"),
        (header("<f4", "True", "(1, 2)"), "C order"),
        (header("<f4", "False", "(4,)"), "not (passages, dim)"),
        (header("<f4", "False", "(2, 2)"), "needs"),
    ];
    refused_with(&path, &cases)
}

#[test]
fn import_reorders_by_ids_and_checks_coverage_and_length() -> Result<(), IngestError> {
    let dir = tmp();
    let rows: Vec<Vec<f32>> = (0..3).map(|i| unit(i, 3)).collect();
    let npy = dir.path().join("v.npy");
    write_npy(&npy, &raw(dir.path(), &rows), 3)?;
    let ours = dir.path().join("ours.txt");
    std::fs::write(&ours, "a#0\nb#0\nb#1\n").map_err(io_error(&ours))?;
    let theirs = dir.path().join("theirs.txt");
    std::fs::write(&theirs, "b#1\na#0\nb#0\n").map_err(io_error(&theirs))?;
    let mut out = Vec::new();
    import(&npy, Some(&theirs), &ours, 3, 3, &mut out)?;
    let got: Vec<f32> = out
        .chunks_exact(4)
        .map(|b| f32::from_le_bytes([b[0], b[1], b[2], b[3]]))
        .collect();
    // ours a#0 is their row 1, b#0 row 2, b#1 row 0.
    assert_eq!(
        got,
        [rows[1].clone(), rows[2].clone(), rows[0].clone()].concat()
    );

    let mut out = Vec::new();
    import(&npy, None, &ours, 3, 3, &mut out)?;
    assert_eq!(out.len(), 3 * 3 * 4);

    let missing = dir.path().join("missing.txt");
    std::fs::write(&missing, "b#1\na#0\nc#0\n").map_err(io_error(&missing))?;
    let err = import(&npy, Some(&missing), &ours, 3, 3, &mut Vec::new());
    assert!(err.is_err_and(|e| e.to_string().contains("no vector for passage \"b#0\"")));
    let err = import(&npy, None, &ours, 4, 3, &mut Vec::new());
    assert!(err.is_err_and(|e| e.to_string().contains("dimensions")));
    let err = import(&npy, None, &ours, 3, 4, &mut Vec::new());
    assert!(err.is_err_and(|e| e.to_string().contains("every passage needs one")));

    let long: Vec<Vec<f32>> = (0..3).map(|_| vec![1.0, 1.0, 0.0]).collect();
    write_npy(&npy, &raw(dir.path(), &long), 3)?;
    let err = import(&npy, None, &ours, 3, 3, &mut Vec::new());
    assert!(err.is_err_and(|e| e.to_string().contains("L2-normalise")));
    Ok(())
}

/// A FAISS flat index as `faiss.write_index` lays it out (see row_file.rs).
fn faiss(fourcc: &[u8; 4], metric: i32, rows: &[Vec<f32>], dim: usize, count: u64) -> Vec<u8> {
    let mut bytes = fourcc.to_vec();
    bytes.extend((dim as i32).to_le_bytes());
    bytes.extend((rows.len() as i64).to_le_bytes());
    bytes.extend([(1i64 << 20).to_le_bytes(), (1i64 << 20).to_le_bytes()].concat());
    bytes.push(1);
    bytes.extend(metric.to_le_bytes());
    if metric > 1 {
        bytes.extend(0f32.to_le_bytes());
    }
    bytes.extend(count.to_le_bytes());
    bytes.extend(rows.iter().flatten().flat_map(|v| v.to_le_bytes()));
    bytes
}

#[test]
fn faiss_flat_indexes_are_read_in_place() -> Result<(), IngestError> {
    let dir = tmp();
    let rows: Vec<Vec<f32>> = (0..3).map(|i| unit(i, 4)).collect();
    let path = dir.path().join("e5_Flat.index");
    for (fourcc, metric) in [(b"IxFI", 0), (b"IxF2", 1), (b"IxFl", 4)] {
        std::fs::write(&path, faiss(fourcc, metric, &rows, 4, 12)).map_err(io_error(&path))?;
        let mut file = RowFile::open(&path)?;
        assert_eq!((file.rows, file.dim), (3, 4));
        let mut row = vec![0f32; 4];
        file.read_row(2, &mut row)?;
        assert_eq!(row, rows[2]);
    }
    let cases: [(Vec<u8>, &str); 3] = [
        (faiss(b"IxFI", 0, &rows, 4, 11), "not ntotal × d"),
        (faiss(b"IwFl", 0, &rows, 4, 12), "only flat indexes"),
        (b"IxFI\x04\x00\x00\x00\x03\x00".to_vec(), "cut short"),
    ];
    refused_with(&path, &cases)
}

#[test]
fn bare_document_ids_name_the_first_passage() {
    assert_eq!(passage_id("d1".into()), "d1#0");
    assert_eq!(passage_id("d1#3".into()), "d1#3");
    assert_eq!(
        passage_id("https://x.org/a#intro".into()),
        "https://x.org/a#intro#0"
    );
    assert_eq!(passage_id("d1#".into()), "d1##0");
}
