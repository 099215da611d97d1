//! The JSON contract, schema `residency.report/1`. Field names here are what scripts depend
//! on: add fields freely, never rename or remove one. Documented in docs/report-schema.md.

use serde::Serialize;

pub use super::names_model::*;
pub use super::physics_model::*;
pub use super::place_model::*;

pub const SCHEMA: &str = "residency.report/1";

#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub schema: &'static str,
    pub tool: Tool,
    pub settings: Settings,
    /// The geo databases and tables behind every placement.
    pub geo: GeoReport,
    /// Reverse lookups made for `--resolve` (null without it): not from the capture.
    pub resolve: Option<ResolveReport>,
    pub inputs: Vec<Input>,
    pub flows: Vec<FlowReport>,
    pub summary: Summary,
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

#[derive(Clone, Debug, Serialize)]
pub struct FlowReport {
    pub id: u64,
    pub transport: &'static str,
    pub ip_protocol: u8,
    pub client: EndpointReport,
    pub server: EndpointReport,
    /// How the client was decided: `syn`, `syn-ack`, `port-heuristic`, `first-packet`.
    pub client_by: &'static str,
    /// `outbound`, `inbound`, `internal`, `external` (relative to the inside networks).
    pub scope: &'static str,
    /// Which side is the remote destination: `server`, `client`, or null (internal flows).
    pub remote: Option<&'static str>,
    pub packets: Directions,
    pub bytes: Directions,
    /// TCP flags seen per direction (null for other transports).
    pub tcp_flags: Option<FlagsReport>,
    /// Packets of this flow that were IP fragments.
    pub fragments: u64,
    pub first_seen: String,
    pub last_seen: String,
    pub first_packet: PacketRefReport,
    pub last_packet: PacketRefReport,
    /// `fin`, `rst`, `idle-timeout`, `evicted`, `end-of-capture`.
    pub end: &'static str,
    /// Where the remote side is (null for internal flows).
    pub server_geo: Option<ServerGeo>,
    /// Who operates the remote side and whose law controls it (null: unknown or internal).
    pub provider: Option<ProviderReport>,
    /// The verdict for the remote side (null for internal flows).
    pub jurisdiction: Option<JurisdictionReport>,
    /// The name the client used for the server, and where it came from (null: none known).
    pub hostname: Option<HostnameReport>,
    /// The service by the catalog, and the rule that matched (null: none matched).
    pub service: Option<ServiceReport>,
    /// Every name fact behind `hostname` (null: nothing was read).
    pub names: Option<NamesReport>,
    /// Round-trip samples taken from the flow's packets; null when none.
    pub rtt: Option<RttReport>,
    /// What the round trips prove about where the remote address is; null for internal flows.
    pub physics: Option<PhysicsReport>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct EndpointReport {
    pub ip: String,
    /// Null for transports without ports, and for fragments whose first fragment was never seen.
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

#[derive(Clone, Debug, Serialize)]
pub struct Summary {
    /// True when every input was read to its end.
    pub complete: bool,
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
    pub fragments: FragmentReport,
    /// Where the data went: per zone, per provider jurisdiction, and the headline totals.
    pub placement: PlacementSummary,
    /// Per service and category, with how much left; how flows were named.
    pub services: ServicesSummary,
    /// What the round trips prove: per verdict, contradicted and proven volumes, and the
    /// table of database claims against the physics.
    pub physics: PhysicsSummary,
    /// Every remote address, most bytes first.
    pub destinations: Vec<Destination>,
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
    pub peak_active: usize,
    /// Flows closed early because the table was full (still reported, with `end: evicted`).
    pub evicted: u64,
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

#[derive(Clone, Debug, Serialize)]
pub struct Destination {
    pub ip: String,
    /// The names its flows were given, most flows first (at most 8).
    pub hostnames: Vec<String>,
    /// The services its flows were matched to, most flows first.
    pub services: Vec<String>,
    pub flows: u64,
    pub packets: u64,
    /// Bytes sent to this address.
    pub bytes_to: u64,
    /// Bytes received from it.
    pub bytes_from: u64,
    pub country: Option<String>,
    pub asn: Option<u32>,
    pub as_org: Option<String>,
    pub provider: Option<String>,
    /// The provider's jurisdiction.
    pub jurisdiction: Option<String>,
    pub zone: &'static str,
    /// Databases disagree on the country.
    pub disputed: bool,
}
