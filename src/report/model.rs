//! The JSON contract, schema `residency.report/2`. Field names here are what scripts depend
//! on: add fields freely, never rename or remove one within a schema version. Documented in
//! docs/report-schema.md, and as a JSON Schema in docs/report.schema.json.
//!
//! The report is normalised: each remote address has one entry (`addresses`: placement,
//! provider, jurisdiction, round trips and physics, traffic), and flows refer to it by
//! `address`. It is written while the run goes: the head (`schema` … `geo`), then each flow as
//! it ends, then the addresses and the parts known only at the end (`inputs`, `summary`).
//! Categorical values are enums, serialised in kebab-case.

use crate::flow::{ClientBy, FlowEnd, Scope, Side};
use serde::Serialize;

pub use super::names_model::*;
pub use super::physics_model::*;
pub use super::place_model::*;

pub const SCHEMA: &str = "residency.report/2";

/// The report without its flows and addresses (they are streamed): the head, written first,
/// and the tail (`resolve`, `inputs`, `summary`), written when the run ends. Serialised in
/// the order of the fields; see `super::json` for where `flows` and `addresses` go.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    #[serde(flatten)]
    pub head: Head,
    /// Reverse lookups made for `--resolve` (null without it): not from the capture.
    pub resolve: Option<ResolveReport>,
    pub inputs: Vec<Input>,
    pub summary: Summary,
}

/// What is known before the first packet: written first.
#[derive(Clone, Debug, Serialize)]
pub struct Head {
    pub schema: &'static str,
    pub tool: Tool,
    pub settings: Settings,
    /// The geo databases and tables behind every placement.
    pub geo: GeoReport,
}

#[derive(Clone, Debug, Serialize)]
pub struct Tool {
    pub name: &'static str,
    pub version: &'static str,
}

/// The options that shaped the result, so a reader can reproduce it.
#[derive(Clone, Debug, Serialize)]
pub struct Settings {
    pub inside: Vec<String>,
    pub tcp_idle_timeout_s: u64,
    pub tcp_close_timeout_s: u64,
    pub udp_idle_timeout_s: u64,
    pub other_idle_timeout_s: u64,
    pub max_flows: usize,
    /// Remote addresses held at once in the per-address table (`place::addresses`).
    pub max_addresses: usize,
    /// The sensor's name (`--sensor`); left out without it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub sensor: Option<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct Input {
    pub path: String,
    /// Null when the file could not be read to its end (an I/O error, in `errors`).
    pub sha256: Option<String>,
    pub size: u64,
    pub format: &'static str,
    pub link_types: Vec<String>,
    pub packets: u64,
    pub first_packet: Option<String>,
    pub last_packet: Option<String>,
    /// Fractional digits of the file's timestamps (6 = microseconds, 9 = nanoseconds).
    pub precision: u8,
    /// True when the file was read to its end.
    pub complete: bool,
    pub errors: Vec<InputError>,
    pub skipped: SkippedPackets,
    /// Problems that did not stop the reading: e.g. a file whose first packet is older than
    /// the last packet of the file before it (rotated parts out of order: flows that span
    /// them split).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// The index of an earlier input with the same SHA-256: this one was not read again
    /// (its packets would be counted twice).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub duplicate_of: Option<u32>,
    /// A live capture's interface, settings and counters (`residency live`; absent for
    /// files).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub live: Option<LiveReport>,
}

/// A live capture (`residency live`): where it listened, how, and what it may have missed.
#[derive(Clone, Debug, Serialize)]
pub struct LiveReport {
    /// The capture device (e.g. `eth1`).
    pub interface: String,
    /// The host name of the sensor that captured.
    pub sensor: String,
    pub link_type: String,
    /// Bytes kept of each packet (longer packets are cut, their wire length kept).
    pub snaplen: u32,
    /// The BPF filter expression, as given (null: every packet).
    pub filter: Option<String>,
    pub promiscuous: bool,
    /// The kernel capture buffer asked for, bytes.
    pub buffer_bytes: u64,
    /// libpcap's counters (64-bit: its 32-bit counters are read every second and their
    /// wrap-arounds added): packets the kernel received for this capture, dropped because the
    /// capture buffer was full, and dropped by the interface or its driver. A mirror port
    /// that is oversubscribed drops before any of these see it: see
    /// `summary.capture_loss` for an estimate from the traffic itself. On Linux `received`
    /// counts the dropped packets too, and a stop reads the packets still queued first, so
    /// `received` = the input's `packets` + `dropped` unless the run warned that it stopped
    /// with packets unread (or ended on an error).
    pub received: u64,
    pub dropped: u64,
    pub if_dropped: u64,
    /// When the capture started and stopped, by the sensor's clock (RFC 3339, UTC): the run's
    /// bounds, not derived from packets.
    pub started: String,
    pub stopped: String,
    /// What ended the capture: `duration`, `SIGINT`, `SIGTERM`, or `error` (then see
    /// `errors`).
    pub stopped_by: String,
    /// The raw packets kept with `--write-pcap`: every finished file with its SHA-256 and
    /// capture-time range (re-analysing them offline gives the same flows).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub pcap_files: Vec<crate::output::PartReport>,
    /// The per-flow record files written with `--flows` (rotated parts when `--rotate`).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub flow_files: Vec<crate::output::PartReport>,
}

#[derive(Clone, Debug, Serialize)]
pub struct InputError {
    /// `truncated`, `corrupt` or `io`.
    pub kind: &'static str,
    /// File offset of the damaged record.
    pub offset: u64,
    /// Number the first unread packet would have had.
    pub packet: u64,
    pub message: String,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct SkippedPackets {
    pub non_ip: u64,
    pub unsupported_link: u64,
    pub malformed: u64,
    /// Malformed packets by the first problem found.
    pub malformed_reasons: std::collections::BTreeMap<String, u64>,
    pub invalid_record: u64,
}

/// One flow (`flows[]`), written when it ends.
#[derive(Clone, Debug, Serialize)]
pub struct FlowReport {
    pub id: crate::flow::FlowId,
    /// Community ID v1 (seed 0) of the flow's 5-tuple: the same value Zeek, Suricata and
    /// Arkime give it, to join records across tools.
    pub community_id: String,
    pub transport: super::record::TransportName,
    pub ip_protocol: u8,
    pub client: EndpointReport,
    pub server: EndpointReport,
    /// How the client was decided.
    pub client_by: ClientBy,
    /// Relative to the inside networks.
    pub scope: Scope,
    /// Which side is the remote destination (null for internal flows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub remote: Option<Side>,
    /// The remote side's address: its entry in `addresses` (null for internal flows).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address: Option<String>,
    pub packets: Directions,
    pub bytes: Directions,
    /// Transport payload bytes (the IP length less the IP and transport headers).
    pub payload: Directions,
    /// Left the home country, the EU/EEA? The remote address's answer as known when the flow
    /// ended (`summary.answer` counts the address's final answer), what was sent, and whether
    /// it was answered.
    pub answer: super::FlowAnswerReport,
    /// Who controls the data when the service's operator is not the address's network
    /// operator: both facts, which decided, and the rule (`place::control`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control: Option<crate::place::control::Control>,
    /// TCP flags seen per direction (null for other transports).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub tcp_flags: Option<FlagsReport>,
    /// Packets of this flow that were IP fragments.
    pub fragments: u64,
    /// TCP ACKs, per direction of the data, that acknowledged data the capture never saw
    /// (`summary.capture_loss`); absent when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub capture_gaps: Option<Directions>,
    pub first_seen: String,
    pub last_seen: String,
    pub first_packet: PacketRefReport,
    pub last_packet: PacketRefReport,
    pub end: FlowEnd,
    /// The name the client used for the server, and where it came from (null: none known).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hostname: Option<HostnameReport>,
    /// The service by the catalog, and the rule that matched (null: none matched).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub service: Option<ServiceReport>,
    /// Every name fact behind `hostname` (null: nothing was read).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub names: Option<NamesReport>,
    /// Round-trip samples taken from the flow's packets; null when none.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt: Option<RttReport>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EndpointReport {
    pub ip: String,
    /// Null for transports without ports, and for fragments whose first fragment was never seen.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub port: Option<u16>,
}

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Directions {
    pub to_server: u64,
    pub to_client: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct FlagsReport {
    pub to_server: Vec<&'static str>,
    pub to_client: Vec<&'static str>,
}

#[derive(Clone, Copy, Debug, Serialize)]
pub struct PacketRefReport {
    pub input: u32,
    pub number: u64,
}

/// Why a report does not cover everything it was asked to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Incomplete {
    /// An input is truncated or corrupt (`inputs[].errors`).
    DamagedInput,
    /// SIGINT or SIGTERM stopped the reading; the report covers what was read.
    Interrupted,
    /// A live capture lost packets (`inputs[].live.dropped`, `if_dropped`): every count is a
    /// lower bound.
    DroppedPackets,
    /// A report made while the capture was still running (`residency live --report-every`):
    /// flows still open are not in it (`summary.flow_table.open`).
    Running,
    /// A `--geo` database has records (or search-tree nodes) its reader could not decode:
    /// those addresses are placed without it (`geo.databases[].record_errors`,
    /// `addresses[].geo.errors`).
    GeoRecordErrors,
}

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// True when every input was read to its end and the run was not interrupted.
    pub complete: bool,
    /// Why not (empty when complete).
    pub incomplete: Vec<Incomplete>,
    /// The signal that interrupted the run (`SIGINT`, `SIGTERM`), when one did.
    pub interrupted_by: Option<&'static str>,
    pub first_packet: Option<String>,
    pub last_packet: Option<String>,
    pub packets: PacketTotals,
    pub flows: FlowTotals,
    /// IP bytes of all flows.
    pub bytes: u64,
    /// Bytes sent toward remote destinations, and received from them.
    pub bytes_to_remote: u64,
    pub bytes_from_remote: u64,
    pub flow_table: FlowTableReport,
    pub address_table: AddressTableReport,
    pub fragments: FragmentReport,
    /// Capture loss estimated from the traffic: TCP ACKs of data the capture never saw
    /// (docs/capture-loss.md).
    pub capture_loss: CaptureLossReport,
    /// The headline: did data leave the home country, the EU/EEA? Yes, no and unknown, from
    /// every address's final answer; unanswered flows apart; the databases' figure beside.
    pub answer: super::AnswerSummary,
    /// Which inside host sent what where.
    pub hosts: super::HostsSummary,
    /// Where the data went by the databases' country: per zone, per provider jurisdiction.
    pub placement: PlacementSummary,
    /// `--geo` databases whose record for an address could not be decoded (empty for sound
    /// files): those addresses are placed without them, and the run is incomplete.
    pub geo_errors: Vec<super::place_model::GeoErrorsReport>,
    /// Per service and category, with how much left; how flows were named.
    pub services: ServicesSummary,
    /// What the round trips prove: per verdict, contradicted and proven volumes.
    pub physics: PhysicsSummary,
    /// The remote addresses with the most bytes, for the terminal (every address is in
    /// `addresses`).
    #[serde(skip)]
    pub top_destinations: Vec<AddressReport>,
    /// Distinct remote addresses (entries in `addresses`, counting an address evicted from the
    /// table and seen again once per part).
    pub destinations: u64,
}

/// The per-address table's work.
#[derive(Clone, Debug, Serialize)]
pub struct AddressTableReport {
    pub max_addresses: usize,
    pub peak: usize,
    /// Entries written out early because the table was full. An address seen again after its
    /// entry was written gets a new entry with the next `part` number.
    pub evicted: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct PacketTotals {
    /// Packets read from all inputs.
    pub read: u64,
    /// Packets counted into flows.
    pub in_flows: u64,
    pub skipped: SkippedPackets,
}

#[derive(Clone, Debug, Default, Serialize)]
pub struct FlowTotals {
    pub total: u64,
    pub by_transport: std::collections::BTreeMap<&'static str, u64>,
    pub by_scope: std::collections::BTreeMap<&'static str, u64>,
    pub by_end: std::collections::BTreeMap<&'static str, u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct FlowTableReport {
    pub max_flows: usize,
    /// Flows still open when the report was made, not counted in it: 0 in a final report,
    /// which closes them all; a running capture's report leaves them for later.
    pub open: usize,
    pub peak_active: usize,
    /// Flows closed early because the table was full (still reported, with `end: evicted`).
    pub evicted: u64,
    /// Passes over the table as capture time moved on, closing flows that timed out.
    pub expiry_sweeps: u64,
}

#[derive(Clone, Debug, Serialize)]
pub struct FragmentReport {
    /// Non-first fragments counted into their datagram's flow.
    pub attributed: u64,
    /// Fragments whose first fragment never came: counted into port-less flows.
    pub unattributed: u64,
    /// Datagrams forgotten early because the tracker was full.
    pub tracker_evicted: u64,
}

/// Capture loss estimated from TCP ACKs, as Zeek's `capture-loss` reports it: `percent` =
/// 100 × `gaps` / `acks`, a lower bound of the packets the capture missed.
#[derive(Clone, Debug, Serialize)]
pub struct CaptureLossReport {
    /// ACKs checked: ACK-flagged TCP packets after at least one segment of the other direction.
    pub acks: u64,
    /// Checked ACKs that acknowledged data the capture never saw (one per hole).
    pub gaps: u64,
    /// Bytes of those holes, as far as known (holes over 1 GiB count as gaps, not bytes).
    pub gap_bytes: u64,
    /// 100 × gaps / acks, three decimals; null without checked ACKs.
    pub percent: Option<f64>,
    /// Width of each interval (60 s, doubled each time the list of intervals was full).
    pub interval_seconds: u64,
    /// Intervals of capture time with checked ACKs, in time order.
    pub intervals: Vec<LossIntervalReport>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LossIntervalReport {
    pub start: String,
    pub end: String,
    pub acks: u64,
    pub gaps: u64,
    pub gap_bytes: u64,
    pub percent: Option<f64>,
}

/// A region one of an address's names declares.
#[derive(Clone, Debug, Serialize)]
pub struct DeclaredRegionReport {
    /// The first name of the address that declared it.
    pub name: String,
    #[serde(flatten)]
    pub region: crate::place::region::DeclaredRegion,
}

/// One remote address (`addresses[]`): everything the run learned of it, once.
#[derive(Clone, Debug, Serialize)]
pub struct AddressReport {
    pub ip: String,
    /// 1, or n when the per-address table had to write this address out n-1 times before
    /// (see `summary.address_table`): add the parts up for its totals.
    pub part: u32,
    pub flows: u64,
    pub packets: u64,
    /// Bytes sent to this address.
    pub bytes_to: u64,
    /// Bytes received from it.
    pub bytes_from: u64,
    pub first_seen: String,
    pub last_seen: String,
    /// The names its flows were given (as their server), most flows first (at most 8).
    pub hostnames: Vec<String>,
    /// The services its flows were matched to (as their server), most flows first.
    pub services: Vec<String>,
    /// Regions its names declare (`s3.eu-north-1.amazonaws.com`), with the rule and sources;
    /// physics judges each in `physics[].declared`.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub declared_regions: Vec<DeclaredRegionReport>,
    /// Where it is, by every database, with their records.
    pub geo: ServerGeo,
    /// Who operates it and whose law controls them (null: unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provider: Option<ProviderReport>,
    /// Its zone and what leaves what.
    pub jurisdiction: JurisdictionReport,
    /// What the round trips prove, per vantage its flows were captured from.
    pub physics: Vec<PhysicsReport>,
    /// Reverse DNS, with `--resolve`, for addresses the capture gave no name.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub ptr: Option<PtrReport>,
}
