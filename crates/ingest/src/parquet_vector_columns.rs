//! The two columns of a Parquet vectors file (`parquet_vectors.rs`), read a batch of
//! records at a time: the list-of-float vectors with their repetition and definition
//! levels, and the ids as strings.
use driftless_corpus::parquet_guarded as guarded;
use parquet::column::reader::{ColumnReader, ColumnReaderImpl};
use parquet::data_type::DataType;

/// One batch of vectors: their lengths (0 for a null or empty list) and their values.
pub(crate) struct FloatBatch {
    pub lengths: Vec<usize>,
    pub values: Vec<f32>,
}

/// A list-of-float column read a batch of records at a time.
pub(crate) enum FloatColumn {
    F32(parquet::column::reader::ColumnReaderImpl<parquet::data_type::FloatType>),
    F64(parquet::column::reader::ColumnReaderImpl<parquet::data_type::DoubleType>),
}

impl FloatColumn {
    pub(crate) fn new(reader: ColumnReader) -> Result<Self, String> {
        match reader {
            ColumnReader::FloatColumnReader(r) => Ok(Self::F32(r)),
            ColumnReader::DoubleColumnReader(r) => Ok(Self::F64(r)),
            _ => Err("the vector column changed type within the file".into()),
        }
    }

    /// Up to `records` vectors. A level with repetition 0 starts a record; a level at the
    /// leaf's full definition is a value; anything less is a null or empty list.
    pub(crate) fn next(&mut self, records: usize, max_def: i16) -> Result<FloatBatch, String> {
        let (mut defs, mut reps) = (Vec::new(), Vec::new());
        let values: Vec<f32> = match self {
            Self::F32(r) => read(r, records, &mut defs, Some(&mut reps))?,
            Self::F64(r) => read(r, records, &mut defs, Some(&mut reps))?
                .into_iter()
                .map(|v| v as f32)
                .collect(),
        };
        let mut lengths: Vec<usize> = Vec::new();
        for (&def, &rep) in defs.iter().zip(&reps) {
            if rep == 0 {
                lengths.push(0);
            }
            if def == max_def
                && let Some(last) = lengths.last_mut()
            {
                *last += 1;
            } else if def != max_def && rep != 0 {
                // A null element inside a list: mark the vector unusable.
                return Err("a vector holds a null value".into());
            }
        }
        if lengths.iter().sum::<usize>() != values.len() {
            return Err("the vector column's levels and values disagree".into());
        }
        Ok(FloatBatch { lengths, values })
    }
}

/// The id column read a batch of records at a time, as strings.
pub(crate) enum IdColumn {
    Bytes(parquet::column::reader::ColumnReaderImpl<parquet::data_type::ByteArrayType>),
    Int32(parquet::column::reader::ColumnReaderImpl<parquet::data_type::Int32Type>),
    Int64(parquet::column::reader::ColumnReaderImpl<parquet::data_type::Int64Type>),
}

impl IdColumn {
    pub(crate) fn new(reader: ColumnReader) -> Result<Self, String> {
        match reader {
            ColumnReader::ByteArrayColumnReader(r) => Ok(Self::Bytes(r)),
            ColumnReader::Int32ColumnReader(r) => Ok(Self::Int32(r)),
            ColumnReader::Int64ColumnReader(r) => Ok(Self::Int64(r)),
            _ => Err("the id column changed type within the file".into()),
        }
    }

    /// The next `records` ids (`None` for a null); `max_def` is 0 for a required column.
    pub(crate) fn next(
        &mut self,
        records: usize,
        max_def: i16,
    ) -> Result<Vec<Option<String>>, String> {
        let mut defs = Vec::new();
        let present: Vec<String> = match self {
            Self::Bytes(r) => read(r, records, &mut defs, None)?
                .iter()
                .map(|v| {
                    std::str::from_utf8(v.data())
                        .map(str::to_string)
                        .map_err(|_| "an id is not UTF-8".to_string())
                })
                .collect::<Result<_, _>>()?,
            Self::Int32(r) => read(r, records, &mut defs, None)?
                .iter()
                .map(i32::to_string)
                .collect(),
            Self::Int64(r) => read(r, records, &mut defs, None)?
                .iter()
                .map(i64::to_string)
                .collect(),
        };
        // A required column has no levels: every record has a value.
        if max_def == 0 {
            return Ok(present.into_iter().map(Some).collect());
        }
        let mut present = present.into_iter();
        Ok(defs
            .iter()
            .map(|&def| if def == max_def { present.next() } else { None })
            .collect())
    }
}

/// Up to `records` records of one column: their values, with their definition levels
/// (and repetition levels when asked) appended.
fn read<T: DataType>(
    reader: &mut ColumnReaderImpl<T>,
    records: usize,
    defs: &mut Vec<i16>,
    reps: Option<&mut Vec<i16>>,
) -> Result<Vec<T::T>, String> {
    let mut values = Vec::new();
    guarded(|| reader.read_records(records, Some(defs), reps, &mut values))?;
    Ok(values)
}
