//! The Parquet sink on a shipped capture, read back with the parquet crate's own reader.

use super::*;
use crate::analyze::collect::Embedded;
use crate::analyze::{Analyzer, Options};
use arrow_array::Array;
use arrow_array::cast::AsArray;
use arrow_array::types::UInt64Type;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use std::path::Path;

fn write(rows_per_group: usize) -> Vec<u8> {
    let options = Options::default();
    let tables = Embedded::load(Some("SE")).unwrap();
    let ctx = tables.context(&options);
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures/teams-like.pcap");
    let capture = crate::source::open(&path).unwrap();
    let sha = capture.sha256_upfront().map(str::to_string);
    let mut analyzer = Analyzer::new(ctx, 10);
    let mut sink = ParquetSink::with_rows_per_group(Vec::new(), rows_per_group).unwrap();
    analyzer
        .read(&path, sha.as_deref(), capture, &mut sink, &mut |_| None)
        .unwrap();
    analyzer.finish(&mut sink, None).unwrap();
    sink.finish().unwrap()
}

#[test]
fn records_read_back_typed_a_row_group_at_a_time() {
    let bytes = write(3);
    let reader =
        ParquetRecordBatchReaderBuilder::try_new(bytes::Bytes::from(bytes.clone())).unwrap();
    let meta = reader.metadata().clone();
    // 4 flows, 3 per group: two row groups.
    assert_eq!(meta.num_row_groups(), 2);
    assert_eq!(meta.file_metadata().num_rows(), 4);
    let kv = meta.file_metadata().key_value_metadata().unwrap();
    assert!(
        kv.iter()
            .any(|k| k.key == "residency.schema" && k.value.as_deref() == Some(SCHEMA_ID))
    );
    let batches: Vec<RecordBatch> = reader.build().unwrap().map(|b| b.unwrap()).collect();
    let rows: usize = batches.iter().map(RecordBatch::num_rows).sum();
    assert_eq!(rows, 4);
    let schema = batches[0].schema();
    assert_eq!(schema.fields().len(), COLUMNS.len());
    assert_eq!(
        schema.field_with_name("network.bytes").unwrap().data_type(),
        &DataType::UInt64
    );
    // Bytes add up to the capture's 7,053 bytes in flows.
    let total: u64 = batches
        .iter()
        .map(|b| {
            let col = b.column_by_name("network.bytes").unwrap();
            col.as_primitive::<UInt64Type>()
                .iter()
                .flatten()
                .sum::<u64>()
        })
        .sum();
    assert_eq!(total, 7053);
    // Every record has its Community ID and its input's hash.
    for b in &batches {
        let cid = b.column_by_name("network.community_id").unwrap();
        assert_eq!(cid.null_count(), 0);
        let sha = b.column_by_name("Residency.evidence.input_sha256").unwrap();
        assert_eq!(sha.null_count(), 0);
    }
    // Deterministic bytes.
    assert_eq!(bytes, write(3));
}
