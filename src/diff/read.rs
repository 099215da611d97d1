//! Typed views of the JSON evidence report (`residency.report/2`, docs/report-schema.md): only
//! the fields `residency diff` compares, read with serde and defaulted where a field may be
//! absent (fields added within report/2, optional ones), so that a report from an earlier
//! build of the same schema still reads. Fields not named here are skipped unread.

use crate::digest::HashingReader;
use serde::de::{Deserializer, Error as _, SeqAccess, Visitor};
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;
use std::fs::File;
use std::io::{self, BufReader, Read};
use std::path::{Path, PathBuf};

/// The report schemas this module reads. A report of any other schema is refused: its fields
/// may mean something else, and a diff of misread numbers would be worse than none.
pub const KNOWN_SCHEMAS: &[&str] = &["residency.report/2"];

/// Marks the error raised for an unknown schema inside serde, so that [`read`] can tell it
/// from other data errors (serde carries only a message).
const UNKNOWN_SCHEMA: &str = "residency-diff-unknown-schema:";

/// Why a report could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("cannot read {path}")]
    Io {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    #[error(
        "{path} is not complete JSON (give a report written by `residency analyze --json PATH` \
         that finished)"
    )]
    NotJson {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "{path} is not a residency report (give one written by `residency analyze --json PATH`)"
    )]
    NotAReport {
        path: PathBuf,
        source: serde_json::Error,
    },
    #[error(
        "{path} has no `schema` field: it is not a report written by `residency analyze --json`"
    )]
    NoSchema { path: PathBuf },
    #[error(
        "{path} has schema {schema:?}, which this version of residency does not read (it reads \
         {known}); analyse the capture again with this version (`residency analyze --json`) \
         and compare that"
    )]
    UnknownSchema {
        path: PathBuf,
        schema: String,
        known: String,
    },
}

/// Reads the report at `path` (`-` = standard input).
pub fn read(path: &Path) -> Result<Report, ReadError> {
    let io_error = |source| ReadError::Io {
        path: path.to_owned(),
        source,
    };
    let reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(File::open(path).map_err(io_error)?)
    };
    from_reader(path, BufReader::new(reader))
}

/// Reads the report at `path` (`-` = standard input) and hashes it as it goes: the report and
/// the SHA-256 of its bytes, which an HTML page of the diff names.
pub fn read_hashed(path: &Path) -> Result<(Report, String), ReadError> {
    let io_error = |source| ReadError::Io {
        path: path.to_owned(),
        source,
    };
    let reader: Box<dyn Read> = if path.as_os_str() == "-" {
        Box::new(io::stdin().lock())
    } else {
        Box::new(File::open(path).map_err(io_error)?)
    };
    from_reader_hashed(path, reader)
}

/// [`from_reader`], with the SHA-256 of every byte read (trailing whitespace included).
pub fn from_reader_hashed(path: &Path, reader: impl Read) -> Result<(Report, String), ReadError> {
    let mut hashing = HashingReader::new(BufReader::new(reader));
    let report = from_reader(path, &mut hashing)?;
    io::copy(&mut hashing, &mut io::sink()).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok((report, hashing.sha256_hex()))
}

/// Another typed view of a report (`residency merge` reads its own) from `reader`, with the
/// SHA-256 of its bytes; the same errors as [`read_hashed`], `path` naming it. `schema` gives
/// the view's `schema` field, which the view reads with [`known_schema`].
pub fn view_from_reader_hashed<T: serde::de::DeserializeOwned>(
    path: &Path,
    reader: impl Read,
    schema: fn(&T) -> &str,
) -> Result<(T, String), ReadError> {
    let mut hashing = HashingReader::new(BufReader::new(reader));
    let view: T = serde_json::from_reader(&mut hashing).map_err(|e| classify(path, e))?;
    if schema(&view).is_empty() {
        return Err(ReadError::NoSchema {
            path: path.to_owned(),
        });
    }
    io::copy(&mut hashing, &mut io::sink()).map_err(|source| ReadError::Io {
        path: path.to_owned(),
        source,
    })?;
    Ok((view, hashing.sha256_hex()))
}

/// Reads a report from `reader`; `path` names it in errors.
pub fn from_reader(path: &Path, reader: impl Read) -> Result<Report, ReadError> {
    let mut report: Report =
        serde_json::from_reader(reader).map_err(|source| classify(path, source))?;
    report.path = path.display().to_string();
    if report.schema.is_empty() {
        return Err(ReadError::NoSchema {
            path: path.to_owned(),
        });
    }
    Ok(report)
}

/// Reads a report already parsed as a JSON value (tests, and callers that hold one).
pub fn from_value(path: &Path, value: Value) -> Result<Report, ReadError> {
    from_reader(path, value.to_string().as_bytes())
}

fn classify(path: &Path, source: serde_json::Error) -> ReadError {
    use serde_json::error::Category;
    let path = path.to_owned();
    if source.is_io() {
        return ReadError::Io {
            path,
            source: source.into(),
        };
    }
    let message = source.to_string();
    if let Some(rest) = message.strip_prefix(UNKNOWN_SCHEMA) {
        // The message is the marker, the schema, then serde_json's " at line L column C".
        let schema = rest.rsplit_once(" at line ").map_or(rest, |(s, _)| s);
        return ReadError::UnknownSchema {
            path,
            schema: schema.to_owned(),
            known: KNOWN_SCHEMAS.join(", "),
        };
    }
    match source.classify() {
        Category::Data => ReadError::NotAReport { path, source },
        _ => ReadError::NotJson { path, source },
    }
}

/// `schema` is the report's first key, so an unknown schema stops the reading at once.
pub fn known_schema<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    let schema = String::deserialize(d)?;
    if KNOWN_SCHEMAS.contains(&schema.as_str()) {
        Ok(schema)
    } else {
        Err(D::Error::custom(format_args!("{UNKNOWN_SCHEMA}{schema}")))
    }
}

/// The report, as far as a diff needs it.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Report {
    /// The path the report was read from, as given (`-` for standard input); not in the JSON.
    #[serde(skip)]
    pub path: String,
    #[serde(deserialize_with = "known_schema")]
    pub schema: String,
    pub tool: Tool,
    /// Every setting, compared key by key (a setting added later is compared too).
    pub settings: BTreeMap<String, Value>,
    pub geo: Geo,
    /// `flows[]` folded by host name as it is read: a report's flows are never all in memory.
    pub flows: FlowsByName,
    pub addresses: Vec<Address>,
    pub inputs: Vec<Input>,
    pub summary: Summary,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Tool {
    pub name: String,
    pub version: String,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Geo {
    pub home: Option<String>,
    pub databases: Vec<Database>,
    pub legal_table: Option<Table>,
    pub providers_table: Option<Table>,
    pub services_table: Option<Table>,
    pub regions_table: Option<Table>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Database {
    pub name: String,
    pub origin: Option<String>,
    pub source: Option<String>,
    pub build: Option<String>,
    pub sha256: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Table {
    pub file: Option<String>,
    pub date: Option<String>,
    pub entries: Option<u64>,
    pub sha256: Option<String>,
}

/// The flows of a report added up per host name (`hostname.name`), counting only flows whose
/// remote side is the server the name names (`remote: server`, with an `address`). Read one
/// flow at a time, so memory grows with the names and their addresses, not with the flows.
#[derive(Debug, Default)]
pub struct FlowsByName(pub BTreeMap<String, NamedFlows>);

/// The flows to one host name.
#[derive(Debug, Default, Clone)]
pub struct NamedFlows {
    pub flows: u64,
    /// Bytes the flows sent to the server, and received from it.
    pub bytes_to: u64,
    pub bytes_from: u64,
    /// The addresses they went to.
    pub addresses: BTreeSet<String>,
}

impl FlowsByName {
    /// Counts one flow.
    pub fn add(&mut self, flow: Flow) {
        let (Some(host), Some(ip), Some("server")) =
            (flow.hostname, flow.address, flow.remote.as_deref())
        else {
            return;
        };
        let entry = self.0.entry(host.name).or_default();
        entry.flows += 1;
        entry.bytes_to += flow.bytes.to_server;
        entry.bytes_from += flow.bytes.to_client;
        entry.addresses.insert(ip);
    }
}

impl<'de> Deserialize<'de> for FlowsByName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Fold;
        impl<'de> Visitor<'de> for Fold {
            type Value = FlowsByName;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an array of flows")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<FlowsByName, A::Error> {
                let mut out = FlowsByName::default();
                while let Some(flow) = seq.next_element::<Flow>()? {
                    out.add(flow);
                }
                Ok(out)
            }
        }
        d.deserialize_seq(Fold)
    }
}

/// A flow: only what names a destination and what it carried.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Flow {
    pub remote: Option<String>,
    pub address: Option<String>,
    pub bytes: Directions,
    pub hostname: Option<Hostname>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Directions {
    pub to_server: u64,
    pub to_client: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Hostname {
    pub name: String,
}

/// One entry (part) of `addresses[]`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Address {
    pub ip: String,
    pub part: u64,
    pub flows: u64,
    pub bytes_to: u64,
    pub bytes_from: u64,
    pub hostnames: Vec<String>,
    pub services: Vec<String>,
    pub geo: AddressGeo,
    pub provider: Option<Provider>,
    pub jurisdiction: Jurisdiction,
    pub physics: Vec<Physics>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AddressGeo {
    pub country: Option<String>,
    pub sources: Vec<GeoSource>,
    pub agree: bool,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct GeoSource {
    pub db: String,
    pub country: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Provider {
    pub name: String,
    pub jurisdiction: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Jurisdiction {
    pub zone: String,
}

/// One entry of `addresses[].physics[]`: the address judged from one vantage.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Physics {
    pub vantage: Option<String>,
    pub flows: u64,
    pub bytes_to: u64,
    pub rtt_ms: Option<f64>,
    pub verdict: Option<String>,
    pub answer: Option<Answer>,
    pub answered: Sent,
}

#[derive(Debug, Default, Clone, PartialEq, Eq, Deserialize, Serialize)]
#[serde(default)]
pub struct Answer {
    pub left_home: Option<String>,
    pub left_eu_eea: Option<String>,
    pub basis: Option<String>,
    pub basis_home: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Input {
    pub path: String,
    pub sha256: Option<String>,
    pub packets: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Summary {
    pub complete: Option<bool>,
    pub incomplete: Vec<String>,
    pub first_packet: Option<String>,
    pub last_packet: Option<String>,
    pub flows: FlowTotals,
    pub bytes_to_remote: u64,
    pub bytes_from_remote: u64,
    pub answer: SummaryAnswer,
    pub placement: Placement,
    pub services: Services,
    pub physics: SummaryPhysics,
    pub destinations: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct FlowTotals {
    pub total: u64,
}

/// `{"flows", "payload_to_remote", "bytes_to_remote"}`.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(default)]
pub struct Sent {
    pub flows: u64,
    pub payload_to_remote: u64,
    pub bytes_to_remote: u64,
}

/// `{"yes", "no", "unknown"}`.
#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ByLeft {
    pub yes: Sent,
    pub no: Sent,
    pub unknown: Sent,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SummaryAnswer {
    pub left_home: Option<ByLeft>,
    pub left_eu_eea: ByLeft,
    pub unanswered: Sent,
}

/// `{"flows", "bytes_to", "bytes_from"}`.
#[derive(Debug, Default, Clone, Copy, Deserialize)]
#[serde(default)]
pub struct Volume {
    pub flows: u64,
    pub bytes_to: u64,
    pub bytes_from: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Placement {
    pub home: Option<String>,
    pub by_zone: BTreeMap<String, Volume>,
    pub by_jurisdiction: BTreeMap<String, Volume>,
    pub by_provider: Vec<ProviderVolume>,
    pub left_home: Option<Volume>,
    pub left_eu_eea: Volume,
    pub non_eu_control: Volume,
    pub cloud_act: Volume,
    pub unplaced: Volume,
    pub unanswered: Volume,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ProviderVolume {
    pub name: String,
    pub jurisdiction: Option<String>,
    pub flows: u64,
    pub bytes_to: u64,
    pub bytes_from: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Services {
    pub by_service: Vec<ServiceVolume>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct ServiceVolume {
    pub name: String,
    pub provider: Option<String>,
    pub category: Option<String>,
    pub flows: u64,
    pub bytes_to: u64,
    pub bytes_from: u64,
    pub payload_to: u64,
    pub unanswered: u64,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct SummaryPhysics {
    pub vantages: Vec<Vantage>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct Vantage {
    pub vantage: Option<String>,
}
