//! What the page reads from a finished JSON report: the small parts (head, inputs, summary)
//! whole, as JSON values; `flows` and `addresses` streamed, keeping only the largest rows
//! (by bytes) and totals, so that a report of millions of flows renders in bounded memory.
//!
//! Reading the JSON report, rather than the analysis' own types, makes the page show what the
//! JSON says by construction: every figure on it is a field of that document.

use serde::de::{Deserializer, SeqAccess, Visitor};
use serde::{Deserialize, de};
use serde_json::Value;
use std::cmp::Reverse;
use std::collections::BTreeMap;
use std::fmt;

/// Flows listed in the flow table: the largest by bytes. A page of a few thousand rows stays
/// usable in a browser (sorting, filtering) and a few MB in size; the rest are counted.
pub const MAX_FLOW_ROWS: usize = 2_000;
/// Destinations listed in the table and drawn on the map: the largest by bytes sent to them.
pub const MAX_ADDRESS_ROWS: usize = 2_000;

/// The report, as the page needs it.
#[derive(Deserialize)]
pub struct ReportView {
    pub schema: String,
    #[serde(default)]
    pub tool: Value,
    #[serde(default)]
    pub settings: Value,
    #[serde(default)]
    pub geo: Value,
    pub flows: Kept<FlowRow>,
    pub addresses: Kept<AddressRow>,
    #[serde(default)]
    pub resolve: Value,
    #[serde(default)]
    pub inputs: Value,
    #[serde(default)]
    pub summary: Value,
}

#[derive(Deserialize, Default, Clone)]
pub struct PacketRef {
    #[serde(default)]
    pub input: u64,
    pub number: u64,
}

#[derive(Deserialize, Default)]
pub struct Endpoint {
    pub ip: String,
    pub port: Option<u64>,
}

#[derive(Deserialize, Default)]
pub struct Directions {
    pub to_server: u64,
    pub to_client: u64,
}

#[derive(Deserialize)]
pub struct FlowAnswer {
    pub left_home: Option<String>,
    pub left_eu_eea: String,
    pub basis: String,
    pub basis_home: Option<String>,
}

#[derive(Deserialize)]
pub struct Hostname {
    pub name: String,
    pub source: String,
    pub packet: u64,
    #[serde(default)]
    pub input: u64,
}

#[derive(Deserialize)]
pub struct Service {
    pub name: String,
    pub provider: Option<String>,
    pub category: String,
    pub rule: String,
}

#[derive(Deserialize)]
pub struct Rtt {
    pub min_ms: Option<f64>,
    pub source: Option<String>,
    pub request: Option<PacketRef>,
    pub response: Option<PacketRef>,
}

/// One `flows[]` entry, the fields the flow table shows.
#[derive(Deserialize)]
pub struct FlowRow {
    pub id: u64,
    pub transport: String,
    pub client: Endpoint,
    pub server: Endpoint,
    pub scope: String,
    pub address: Option<String>,
    pub bytes: Directions,
    pub answer: Option<FlowAnswer>,
    pub first_packet: PacketRef,
    pub hostname: Option<Hostname>,
    pub service: Option<Service>,
    pub rtt: Option<Rtt>,
}

impl Row for FlowRow {
    type Key = (Reverse<u64>, u64);
    const LIMIT: usize = MAX_FLOW_ROWS;
    fn key(&self) -> Self::Key {
        (
            Reverse(self.bytes.to_server + self.bytes.to_client),
            self.id,
        )
    }
}

#[derive(Deserialize)]
pub struct Source {
    pub db: String,
    pub country: Option<String>,
    pub registered_country: Option<String>,
    pub asn: Option<u64>,
}

#[derive(Deserialize, Default)]
pub struct Geo {
    pub country: Option<String>,
    pub country_name: Option<String>,
    pub asn: Option<u64>,
    pub as_org: Option<String>,
    pub special: Option<String>,
    #[serde(default)]
    pub sources: Vec<Source>,
    #[serde(default = "yes")]
    pub agree: bool,
}

fn yes() -> bool {
    true
}

#[derive(Deserialize)]
pub struct Provider {
    pub name: String,
    pub parent: Option<String>,
    pub jurisdiction: Option<String>,
    pub cloud_act: Option<bool>,
    #[serde(default)]
    pub fallback: bool,
}

#[derive(Deserialize, Default)]
pub struct Jurisdiction {
    pub zone: String,
    pub foreign_control: Option<bool>,
    pub control_zone: Option<String>,
}

#[derive(Deserialize)]
pub struct Claim {
    pub db: String,
    pub country: String,
    pub distance_km: Option<u64>,
    #[serde(default)]
    pub contradicted: bool,
}

#[derive(Deserialize)]
pub struct AddressAnswer {
    pub left_home: Option<String>,
    pub left_eu_eea: String,
    pub basis: String,
}

/// One `addresses[].physics[]` entry.
#[derive(Deserialize)]
pub struct Physics {
    pub vantage: Option<String>,
    pub rtt_ms: Option<f64>,
    pub rtt_request: Option<PacketRef>,
    pub rtt_response: Option<PacketRef>,
    pub max_distance_km: Option<u64>,
    pub verdict: String,
    #[serde(default)]
    pub within_eu_eea: bool,
    #[serde(default)]
    pub claims: Vec<Claim>,
    pub answer: Option<AddressAnswer>,
}

/// One `addresses[]` entry.
#[derive(Deserialize)]
pub struct AddressRow {
    pub ip: String,
    pub part: u64,
    pub flows: u64,
    pub bytes_to: u64,
    pub bytes_from: u64,
    #[serde(default)]
    pub hostnames: Vec<String>,
    #[serde(default)]
    pub services: Vec<String>,
    #[serde(default)]
    pub geo: Geo,
    pub provider: Option<Provider>,
    #[serde(default)]
    pub jurisdiction: Jurisdiction,
    #[serde(default)]
    pub physics: Vec<Physics>,
}

impl AddressRow {
    /// True when any vantage's round trip rules out the report's country.
    pub fn contradicted(&self) -> bool {
        self.physics
            .iter()
            .any(|p| p.verdict == "contradicts-database")
    }
}

impl Row for AddressRow {
    type Key = (Reverse<u64>, Reverse<u64>, String, u64);
    const LIMIT: usize = MAX_ADDRESS_ROWS;
    fn country(&self) -> Option<(&str, u64, u64, bool)> {
        self.geo
            .country
            .as_deref()
            .map(|c| (c, self.bytes_to, self.bytes_from, self.part == 1))
    }
    fn key(&self) -> Self::Key {
        (
            Reverse(self.bytes_to),
            Reverse(self.bytes_from),
            self.ip.clone(),
            self.part,
        )
    }
}

/// Bytes sent to the destinations of one country (by the report's country of each address).
#[derive(Default, Clone, Copy)]
pub struct CountryTotal {
    pub bytes_to: u64,
    pub bytes_from: u64,
    /// Address entries of part 1 (distinct addresses, see [`Kept::placed`]).
    pub destinations: u64,
}

/// A row of a streamed array: its rank (smaller keys are kept first; keys are unique, so the
/// rows kept never depend on the order they came in) and how many are kept.
pub trait Row: for<'de> Deserialize<'de> {
    type Key: Ord;
    const LIMIT: usize;
    fn key(&self) -> Self::Key;
    /// The row's country, bytes to and from it, and whether it is an address's first part:
    /// for the totals per country (addresses only).
    fn country(&self) -> Option<(&str, u64, u64, bool)> {
        None
    }
}

/// The first `limit` rows by [`Row::key`], and what the rest add up to.
pub struct Kept<T> {
    pub rows: Vec<T>,
    /// Rows in the report.
    pub total: u64,
    /// Address entries of part 1 with a country: the destinations the databases place. An
    /// address written out early and seen again has parts 2, 3...; counting part 1 only counts
    /// each address once without remembering every address.
    pub placed: u64,
    pub by_country: BTreeMap<String, CountryTotal>,
}

impl<T: Row> Kept<T> {
    /// Rows beyond the limit, left out of the page.
    pub fn left_out(&self) -> u64 {
        self.total.saturating_sub(self.rows.len() as u64)
    }

    fn prune(&mut self, limit: usize) {
        self.rows.sort_by_cached_key(Row::key);
        self.rows.truncate(limit);
    }
}

/// Streams a JSON array into [`Kept`]: rows beyond twice the limit are pruned as they come, so
/// memory holds at most 2 × limit rows.
struct KeptVisitor<T>(std::marker::PhantomData<T>);

impl<'de, T: Row> Visitor<'de> for KeptVisitor<T> {
    type Value = Kept<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("an array of report rows")
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Kept<T>, A::Error> {
        let limit = T::LIMIT;
        let mut kept = Kept {
            rows: Vec::new(),
            total: 0,
            placed: 0,
            by_country: BTreeMap::new(),
        };
        while let Some(row) = seq.next_element::<T>()? {
            kept.total += 1;
            if let Some((country, to, from, first)) = row.country() {
                let t = kept.by_country.entry(country.to_string()).or_default();
                t.bytes_to += to;
                t.bytes_from += from;
                if first {
                    t.destinations += 1;
                    kept.placed += 1;
                }
            }
            kept.rows.push(row);
            if kept.rows.len() >= 2 * limit {
                kept.prune(limit);
            }
        }
        kept.prune(limit);
        Ok(kept)
    }
}

impl<'de, T: Row> Deserialize<'de> for Kept<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_seq(KeptVisitor(std::marker::PhantomData))
    }
}

/// Reads a report; a document that is not a `residency.report/2` is refused.
pub fn read(reader: impl std::io::Read) -> Result<ReportView, serde_json::Error> {
    let view: ReportView = serde_json::from_reader(reader)?;
    if !view.schema.starts_with("residency.report/2") {
        return Err(de::Error::custom(format!(
            "schema {:?}: this page reads residency.report/2",
            view.schema
        )));
    }
    Ok(view)
}
