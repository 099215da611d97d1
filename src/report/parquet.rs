//! `--parquet PATH`: the per-flow records (`super::ecs`) as one Parquet file, for DuckDB,
//! Spark, pandas and the rest. The same facts as each NDJSON line, flattened: one typed column
//! per scalar field, named by its dotted path exactly as in the NDJSON (`source.ip`,
//! `destination.geo.country_iso_code`, `Residency.destination.zone`), so one mapping serves
//! both; engines quote such names (`"source.ip"` in DuckDB, `` `source.ip` `` in Spark).
//! Repeated values (addresses, countries, zones, services, names) are dictionary-encoded.
//! Constant fields of the NDJSON (`event.kind`, `event.category`, `event.type`,
//! `observer.vendor`, `observer.type`, `event.dataset`, `event.module`) are left out; the
//! file's key-value metadata names the schema (`residency.flows/2`) and the tool version.
//!
//! Rows are written a row group at a time (`ROWS_PER_GROUP`), so memory stays bounded
//! whatever the number of flows. Compression: Snappy (pure Rust, every engine's default).
//! The file is deterministic: the same flows give the same bytes.

use super::ecs::{self, Record};
use crate::analyze::{Ended, Sink};
use crate::report::AddressReport;
use arrow_array::builder::{
    BooleanBuilder, Float64Builder, Int64Builder, StringBuilder, StringDictionaryBuilder,
    TimestampMicrosecondBuilder, UInt16Builder, UInt32Builder, UInt64Builder,
};
use arrow_array::types::Int32Type;
use arrow_array::{ArrayRef, RecordBatch};
use arrow_schema::{DataType, Field, Schema, SchemaRef, TimeUnit};
use parquet::arrow::ArrowWriter;
use parquet::basic::Compression;
use parquet::file::metadata::KeyValue;
use parquet::file::properties::WriterProperties;
use std::io::{self, Write};
use std::sync::Arc;

/// Flows per row group. A row group is held in memory until written: 32,768 flows of about
/// 60 columns are a few MiB in the builders (dictionaries keep repeated strings once), while
/// engines still read whole groups efficiently (DuckDB and Spark split work by row group).
pub const ROWS_PER_GROUP: usize = 32_768;

/// The schema id in the file's key-value metadata.
pub const SCHEMA_ID: &str = "residency.flows/2";

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Kind {
    /// Dictionary-encoded UTF-8.
    Dict,
    /// Plain UTF-8 (values that rarely repeat).
    Str,
    Ts,
    I64,
    U64,
    U32,
    U16,
    F64,
    Bool,
}

/// Every column, in order: name and type. `Columns::append` fills them in this order.
const COLUMNS: &[(&str, Kind)] = &[
    ("@timestamp", Kind::Ts),
    ("ecs.version", Kind::Dict),
    ("event.id", Kind::Str),
    ("event.start", Kind::Ts),
    ("event.end", Kind::Ts),
    ("event.duration", Kind::I64),
    ("source.ip", Kind::Dict),
    ("source.port", Kind::U16),
    ("source.bytes", Kind::U64),
    ("source.packets", Kind::U64),
    ("source.geo.country_iso_code", Kind::Dict),
    ("source.as.number", Kind::U32),
    ("source.as.organization.name", Kind::Dict),
    ("destination.ip", Kind::Dict),
    ("destination.port", Kind::U16),
    ("destination.bytes", Kind::U64),
    ("destination.packets", Kind::U64),
    ("destination.domain", Kind::Dict),
    ("destination.geo.country_iso_code", Kind::Dict),
    ("destination.as.number", Kind::U32),
    ("destination.as.organization.name", Kind::Dict),
    ("network.transport", Kind::Dict),
    ("network.iana_number", Kind::Dict),
    ("network.bytes", Kind::U64),
    ("network.packets", Kind::U64),
    ("network.community_id", Kind::Str),
    ("network.direction", Kind::Dict),
    ("server.domain", Kind::Dict),
    ("tls.client.server_name", Kind::Dict),
    ("observer.name", Kind::Dict),
    ("observer.product", Kind::Dict),
    ("observer.version", Kind::Dict),
    ("observer.geo.location.lat", Kind::F64),
    ("observer.geo.location.lon", Kind::F64),
    ("Residency.flow_id", Kind::U64),
    ("Residency.end", Kind::Dict),
    ("Residency.client_by", Kind::Dict),
    ("Residency.remote", Kind::Dict),
    ("Residency.hostname.name", Kind::Dict),
    ("Residency.hostname.source", Kind::Dict),
    ("Residency.hostname.input", Kind::U32),
    ("Residency.hostname.packet", Kind::U64),
    ("Residency.service.id", Kind::Dict),
    ("Residency.service.name", Kind::Dict),
    ("Residency.service.provider", Kind::Dict),
    ("Residency.service.category", Kind::Dict),
    ("Residency.service.rule", Kind::Dict),
    ("Residency.destination.zone", Kind::Dict),
    ("Residency.destination.legal_basis", Kind::Dict),
    ("Residency.destination.leaves_home", Kind::Bool),
    ("Residency.destination.leaves_eu_eea", Kind::Bool),
    ("Residency.destination.foreign_control", Kind::Bool),
    ("Residency.destination.agree", Kind::Bool),
    ("Residency.destination.provider", Kind::Dict),
    ("Residency.destination.provider_jurisdiction", Kind::Dict),
    ("Residency.destination.cloud_act", Kind::Bool),
    ("Residency.physics.verdict", Kind::Dict),
    ("Residency.physics.within_eu_eea", Kind::Bool),
    ("Residency.physics.max_distance_km", Kind::U64),
    ("Residency.physics.country", Kind::Dict),
    ("Residency.rtt_ms", Kind::F64),
    ("Residency.capture_gaps.to_server", Kind::U64),
    ("Residency.capture_gaps.to_client", Kind::U64),
    ("Residency.answer.left_home", Kind::Dict),
    ("Residency.answer.left_eu_eea", Kind::Dict),
    ("Residency.answer.basis", Kind::Dict),
    ("Residency.answer.basis_home", Kind::Dict),
    ("Residency.answer.payload_to_remote", Kind::U64),
    ("Residency.answer.answered", Kind::Bool),
    ("Residency.control.network.provider", Kind::Dict),
    ("Residency.control.service.provider", Kind::Dict),
    ("Residency.control.decided_by", Kind::Dict),
    ("Residency.control.rule", Kind::Dict),
    ("Residency.evidence.input", Kind::U32),
    ("Residency.evidence.input_path", Kind::Dict),
    ("Residency.evidence.input_sha256", Kind::Dict),
    ("Residency.evidence.first_packet.input", Kind::U32),
    ("Residency.evidence.first_packet.number", Kind::U64),
    ("Residency.evidence.last_packet.input", Kind::U32),
    ("Residency.evidence.last_packet.number", Kind::U64),
];

/// The Arrow schema of the file.
pub fn schema() -> SchemaRef {
    let fields: Vec<Field> = COLUMNS
        .iter()
        .map(|(name, kind)| {
            let data_type = match kind {
                Kind::Dict => {
                    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
                }
                Kind::Str => DataType::Utf8,
                Kind::Ts => DataType::Timestamp(TimeUnit::Microsecond, Some("UTC".into())),
                Kind::I64 => DataType::Int64,
                Kind::U64 => DataType::UInt64,
                Kind::U32 => DataType::UInt32,
                Kind::U16 => DataType::UInt16,
                Kind::F64 => DataType::Float64,
                Kind::Bool => DataType::Boolean,
            };
            Field::new(*name, data_type, true)
        })
        .collect();
    Arc::new(Schema::new(fields))
}

enum Builder {
    Dict(StringDictionaryBuilder<Int32Type>),
    Str(StringBuilder),
    Ts(TimestampMicrosecondBuilder),
    I64(Int64Builder),
    U64(UInt64Builder),
    U32(UInt32Builder),
    U16(UInt16Builder),
    F64(Float64Builder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(kind: Kind) -> Builder {
        match kind {
            Kind::Dict => Builder::Dict(StringDictionaryBuilder::new()),
            Kind::Str => Builder::Str(StringBuilder::new()),
            Kind::Ts => Builder::Ts(TimestampMicrosecondBuilder::new().with_timezone("UTC")),
            Kind::I64 => Builder::I64(Int64Builder::new()),
            Kind::U64 => Builder::U64(UInt64Builder::new()),
            Kind::U32 => Builder::U32(UInt32Builder::new()),
            Kind::U16 => Builder::U16(UInt16Builder::new()),
            Kind::F64 => Builder::F64(Float64Builder::new()),
            Kind::Bool => Builder::Bool(BooleanBuilder::new()),
        }
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Dict(b) => Arc::new(b.finish()),
            Builder::Str(b) => Arc::new(b.finish()),
            Builder::Ts(b) => Arc::new(b.finish()),
            Builder::I64(b) => Arc::new(b.finish()),
            Builder::U64(b) => Arc::new(b.finish()),
            Builder::U32(b) => Arc::new(b.finish()),
            Builder::U16(b) => Arc::new(b.finish()),
            Builder::F64(b) => Arc::new(b.finish()),
            Builder::Bool(b) => Arc::new(b.finish()),
        }
    }
}

/// One value, as `Columns::append` hands it to the next column.
enum Value<'a> {
    Str(Option<&'a str>),
    Int(Option<i64>),
    Uint(Option<u64>),
    Float(Option<f64>),
    Bool(Option<bool>),
}

/// The builders of one row group, filled column by column.
struct Columns {
    builders: Vec<Builder>,
    rows: usize,
}

fn mismatch(column: &str) -> io::Error {
    io::Error::other(format!(
        "parquet column {column}: value of the wrong type (a bug in residency)"
    ))
}

impl Columns {
    fn new() -> Columns {
        Columns {
            builders: COLUMNS
                .iter()
                .map(|(_, kind)| Builder::new(*kind))
                .collect(),
            rows: 0,
        }
    }

    /// One row: the values in `COLUMNS` order.
    fn append(&mut self, values: &[Value<'_>]) -> io::Result<()> {
        if values.len() != COLUMNS.len() {
            return Err(io::Error::other(format!(
                "parquet row of {} values for {} columns (a bug in residency)",
                values.len(),
                COLUMNS.len()
            )));
        }
        for ((builder, value), (name, _)) in self.builders.iter_mut().zip(values).zip(COLUMNS) {
            match (builder, value) {
                (Builder::Dict(b), Value::Str(v)) => match v {
                    Some(s) => {
                        b.append(*s).map_err(io::Error::other)?;
                    }
                    None => b.append_null(),
                },
                (Builder::Str(b), Value::Str(v)) => b.append_option(*v),
                (Builder::Ts(b), Value::Int(v)) => b.append_option(*v),
                (Builder::I64(b), Value::Int(v)) => b.append_option(*v),
                (Builder::U64(b), Value::Uint(v)) => b.append_option(*v),
                (Builder::U32(b), Value::Uint(v)) => {
                    b.append_option(v.map(|n| u32::try_from(n).unwrap_or(u32::MAX)))
                }
                (Builder::U16(b), Value::Uint(v)) => {
                    b.append_option(v.map(|n| u16::try_from(n).unwrap_or(u16::MAX)))
                }
                (Builder::F64(b), Value::Float(v)) => b.append_option(*v),
                (Builder::Bool(b), Value::Bool(v)) => b.append_option(*v),
                _ => return Err(mismatch(name)),
            }
        }
        self.rows += 1;
        Ok(())
    }

    fn batch(&mut self, schema: &SchemaRef) -> io::Result<RecordBatch> {
        let arrays: Vec<ArrayRef> = self.builders.iter_mut().map(Builder::finish).collect();
        self.rows = 0;
        RecordBatch::try_new(Arc::clone(schema), arrays).map_err(io::Error::other)
    }
}

/// The values of one record, in `COLUMNS` order.
fn row<'a>(r: &'a Record<'a>, e: &Ended<'_>) -> Vec<Value<'a>> {
    // Microseconds, floored: Spark reads no nanosecond Parquet timestamp (`Illegal Parquet
    // type: INT64 (TIMESTAMP(NANOS,true))`, Spark 3 and 4), and DuckDB, pandas and Arrow read
    // microseconds too. A nanosecond capture's last three digits are in the NDJSON and the
    // report; `event.duration` keeps nanoseconds.
    let ts = |t: crate::timestamp::Timestamp| Value::Int(Some(t.0.div_euclid(1_000)));
    let s = Value::Str;
    let u = |n: u64| Value::Uint(Some(n));
    let peer_geo = |p: &'a ecs::Peer<'a>| p.geo.as_ref().map(|g| g.country_iso_code);
    let peer_as = |p: &'a ecs::Peer<'a>| p.asn.as_ref().map(|a| u64::from(a.number));
    let peer_org = |p: &'a ecs::Peer<'a>| {
        p.asn
            .as_ref()
            .and_then(|a| a.organization.as_ref())
            .map(|o| o.name)
    };
    let c = &r.residency;
    let hostname = c.hostname;
    let service = c.service.as_ref();
    let place = c.destination.as_ref();
    let physics = c.physics.as_ref();
    let control = c.control;
    let ev = &c.evidence;
    vec![
        ts(e.flow.first_seen),
        s(Some(r.ecs.version)),
        s(Some(r.event.id.as_str())),
        ts(e.flow.first_seen),
        ts(e.flow.last_seen),
        Value::Int(Some(r.event.duration)),
        s(Some(r.source.ip)),
        Value::Uint(r.source.port.map(u64::from)),
        u(r.source.bytes),
        u(r.source.packets),
        s(peer_geo(&r.source)),
        Value::Uint(peer_as(&r.source)),
        s(peer_org(&r.source)),
        s(Some(r.destination.ip)),
        Value::Uint(r.destination.port.map(u64::from)),
        u(r.destination.bytes),
        u(r.destination.packets),
        s(r.destination.domain),
        s(peer_geo(&r.destination)),
        Value::Uint(peer_as(&r.destination)),
        s(peer_org(&r.destination)),
        s(Some(r.network.transport)),
        s(Some(r.network.iana_number.as_str())),
        u(r.network.bytes),
        u(r.network.packets),
        s(Some(r.network.community_id)),
        s(Some(r.network.direction)),
        s(r.server.as_ref().map(|d| d.domain)),
        s(r.tls.as_ref().map(|t| t.client.server_name)),
        s(r.observer.name),
        s(Some(r.observer.product)),
        s(Some(r.observer.version)),
        Value::Float(r.observer.geo.as_ref().map(|g| g.location.lat)),
        Value::Float(r.observer.geo.as_ref().map(|g| g.location.lon)),
        u(c.flow_id),
        s(Some(c.end.name())),
        s(Some(c.client_by.name())),
        s(c.remote.map(|side| side.name())),
        s(hostname.map(|h| h.name.as_str())),
        s(hostname.map(|h| h.source.name())),
        Value::Uint(hostname.and_then(|h| h.input).map(u64::from)),
        Value::Uint(hostname.and_then(|h| h.packet)),
        s(service.map(|v| v.id)),
        s(service.map(|v| v.name)),
        s(service.and_then(|v| v.provider)),
        s(service.map(|v| v.category.name())),
        s(service.map(|v| v.rule)),
        s(place.map(|p| p.zone.name())),
        s(place.and_then(|p| p.legal_basis)),
        Value::Bool(place.and_then(|p| p.leaves_home)),
        Value::Bool(place.and_then(|p| p.leaves_eu_eea)),
        Value::Bool(place.and_then(|p| p.foreign_control)),
        Value::Bool(place.map(|p| p.agree)),
        s(place.and_then(|p| p.provider)),
        s(place.and_then(|p| p.provider_jurisdiction)),
        Value::Bool(place.map(|p| p.cloud_act)),
        s(physics.map(|p| p.verdict.name())),
        Value::Bool(physics.map(|p| p.within_eu_eea)),
        Value::Uint(physics.and_then(|p| p.max_distance_km)),
        s(physics.and_then(|p| p.country)),
        Value::Float(c.rtt_ms),
        Value::Uint(c.capture_gaps.map(|g| g.to_server)),
        Value::Uint(c.capture_gaps.map(|g| g.to_client)),
        s(c.answer.answer.left_home.map(|l| l.name())),
        s(Some(c.answer.answer.left_eu_eea.name())),
        s(Some(c.answer.answer.basis.name())),
        s(c.answer.answer.basis_home.map(|b| b.name())),
        u(c.answer.payload_to_remote),
        Value::Bool(Some(c.answer.answered)),
        s(control
            .and_then(|k| k.network.as_ref())
            .map(|n| n.provider.as_str())),
        s(control.map(|k| k.service.provider.as_str())),
        s(control.map(|k| match k.decided_by {
            crate::place::control::DecidedBy::Network => "network",
            crate::place::control::DecidedBy::Service => "service",
        })),
        s(control.map(|k| k.rule)),
        u(u64::from(ev.input)),
        s(Some(ev.input_path)),
        s(ev.input_sha256),
        u(u64::from(ev.first_packet.input)),
        u(ev.first_packet.number),
        u(u64::from(ev.last_packet.input)),
        u(ev.last_packet.number),
    ]
}

/// `--parquet`: the records as one Parquet file, a row group at a time.
pub struct ParquetSink<W: Write + Send> {
    writer: ArrowWriter<W>,
    schema: SchemaRef,
    columns: Columns,
    rows_per_group: usize,
}

impl<W: Write + Send> ParquetSink<W> {
    pub fn new(out: W) -> io::Result<Self> {
        Self::with_rows_per_group(out, ROWS_PER_GROUP)
    }

    /// With another row group size (tests).
    pub fn with_rows_per_group(out: W, rows_per_group: usize) -> io::Result<Self> {
        let schema = schema();
        let props = WriterProperties::builder()
            .set_compression(Compression::SNAPPY)
            .set_created_by(format!("residency {}", env!("CARGO_PKG_VERSION")))
            .set_max_row_group_row_count(Some(rows_per_group.max(1)))
            .set_key_value_metadata(Some(vec![
                KeyValue::new("residency.schema".to_string(), SCHEMA_ID.to_string()),
                KeyValue::new(
                    "residency.version".to_string(),
                    env!("CARGO_PKG_VERSION").to_string(),
                ),
            ]))
            .build();
        let writer = ArrowWriter::try_new(out, Arc::clone(&schema), Some(props))
            .map_err(io::Error::other)?;
        Ok(ParquetSink {
            writer,
            schema,
            columns: Columns::new(),
            rows_per_group: rows_per_group.max(1),
        })
    }

    fn write_group(&mut self) -> io::Result<()> {
        if self.columns.rows == 0 {
            return Ok(());
        }
        let batch = self.columns.batch(&self.schema)?;
        self.writer.write(&batch).map_err(io::Error::other)?;
        self.writer.flush().map_err(io::Error::other)
    }

    /// Write the last row group and the footer; returns the writer.
    pub fn finish(mut self) -> io::Result<W> {
        self.write_group()?;
        let mut out = self.writer.into_inner().map_err(io::Error::other)?;
        out.flush()?;
        Ok(out)
    }
}

impl<W: Write + Send> Sink for ParquetSink<W> {
    fn flow(&mut self, ended: &Ended<'_>) -> io::Result<()> {
        let record = ecs::record(ended);
        self.columns.append(&row(&record, ended))?;
        if self.columns.rows >= self.rows_per_group {
            self.write_group()?;
        }
        Ok(())
    }

    fn address(&mut self, _: &AddressReport) -> io::Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests;
