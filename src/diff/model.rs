//! The result of comparing two reports: a plain serialisable value, the contract of
//! `residency diff --json` (schema `residency.diff/1`, docs/diff.md), and what the terminal and
//! an HTML page render. Every list has a fixed order (docs/diff.md, "Order").

use super::read::Answer;
use serde::Serialize;

/// The schema name of the JSON diff.
pub const DIFF_SCHEMA: &str = "residency.diff/1";

/// Two reports compared: OLD (before) and NEW (after).
#[derive(Debug, Clone, Serialize)]
pub struct Diff {
    pub schema: &'static str,
    pub old: Side,
    pub new: Side,
    /// How the two reports were made differently (tool, data, settings), or why one of them
    /// is not the whole story (incomplete). Differences below may come from these.
    pub warnings: Vec<Warning>,
    /// True when anything below differs (warnings aside).
    pub differences: bool,
    pub totals: Totals,
    pub answer: AnswerDiff,
    pub placement: PlacementDiff,
    pub services: Vec<ServiceRow>,
    pub destinations: Changes<Destination>,
    pub hostnames: Changes<HostnameEntry>,
    pub verdicts: Verdicts,
}

/// Which report one side is.
#[derive(Debug, Clone, Serialize)]
pub struct Side {
    /// As given on the command line.
    pub path: String,
    pub schema: String,
    pub tool_version: String,
    pub home: Option<String>,
    pub inputs: Vec<InputRef>,
    pub first_packet: Option<String>,
    pub last_packet: Option<String>,
    pub complete: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct InputRef {
    pub path: String,
    pub sha256: Option<String>,
    pub packets: u64,
}

/// What kind of difference in provenance a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum WarningKind {
    /// The report schemas differ.
    Schema,
    /// The tool's name or version differs.
    Tool,
    /// A geo database differs (present in one only, another build, another file).
    GeoDatabase,
    /// A table (legal, providers, services, regions) differs.
    Table,
    /// A setting differs: `--home`, the vantages, timeouts, inside networks, bounds.
    Setting,
    /// A report does not cover its inputs completely.
    Incomplete,
}

impl WarningKind {
    /// The name in the JSON (`geo-database`).
    pub fn name(self) -> &'static str {
        match self {
            WarningKind::Schema => "schema",
            WarningKind::Tool => "tool",
            WarningKind::GeoDatabase => "geo-database",
            WarningKind::Table => "table",
            WarningKind::Setting => "setting",
            WarningKind::Incomplete => "incomplete",
        }
    }
}

/// One thing that differs in how the reports were made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Warning {
    pub kind: WarningKind,
    /// The report field, as a path: `settings.udp_idle_timeout_s`, `geo.home`,
    /// `geo.databases[dbip-country-lite].build`.
    pub field: String,
    /// Its value in each report as text (JSON for non-strings); `null` when absent.
    pub old: String,
    pub new: String,
}

/// A number in both reports and the change (new − old).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Count {
    pub old: u64,
    pub new: u64,
    pub change: i64,
}

impl Count {
    pub fn of(old: u64, new: u64) -> Count {
        let change = i128::from(new) - i128::from(old);
        Count {
            old,
            new,
            change: i64::try_from(change).unwrap_or(if change > 0 { i64::MAX } else { i64::MIN }),
        }
    }

    pub fn changed(&self) -> bool {
        self.old != self.new
    }
}

/// Flows and IP bytes each way (`summary.placement` volumes).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Volume {
    pub flows: Count,
    pub bytes_to: Count,
    pub bytes_from: Count,
}

impl Volume {
    pub fn changed(&self) -> bool {
        self.flows.changed() || self.bytes_to.changed() || self.bytes_from.changed()
    }
}

/// Flows, payload and IP bytes sent (`summary.answer` volumes).
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Sent {
    pub flows: Count,
    pub payload_to_remote: Count,
    pub bytes_to_remote: Count,
}

impl Sent {
    pub fn changed(&self) -> bool {
        self.flows.changed() || self.payload_to_remote.changed() || self.bytes_to_remote.changed()
    }
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct Totals {
    /// `summary.flows.total`.
    pub flows: Count,
    pub bytes_to_remote: Count,
    pub bytes_from_remote: Count,
    /// `summary.destinations` (entries of `addresses[]`).
    pub destinations: Count,
}

/// `summary.answer` compared.
#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct AnswerDiff {
    /// Null unless both reports have a `--home` (the same one or not: see the warnings).
    pub left_home: Option<ByLeft>,
    pub left_eu_eea: ByLeft,
    pub unanswered: Sent,
}

#[derive(Debug, Clone, Copy, Default, Serialize)]
pub struct ByLeft {
    pub yes: Sent,
    pub no: Sent,
    pub unknown: Sent,
}

impl ByLeft {
    pub fn changed(&self) -> bool {
        self.yes.changed() || self.no.changed() || self.unknown.changed()
    }
}

/// Whether a keyed row (zone, jurisdiction, provider, service) occurs in each report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Status {
    /// Only in NEW.
    New,
    /// Only in OLD.
    Vanished,
    /// In both, with different numbers.
    Changed,
    /// In both, the same numbers.
    Same,
}

/// `summary.placement` compared.
#[derive(Debug, Clone, Default, Serialize)]
pub struct PlacementDiff {
    pub by_zone: Vec<VolumeRow>,
    pub by_jurisdiction: Vec<VolumeRow>,
    pub by_provider: Vec<ProviderRow>,
    pub left_home: Option<Volume>,
    pub left_eu_eea: Volume,
    pub non_eu_control: Volume,
    pub cloud_act: Volume,
    pub unplaced: Volume,
    pub unanswered: Volume,
}

/// A zone or a jurisdiction.
#[derive(Debug, Clone, Serialize)]
pub struct VolumeRow {
    pub name: String,
    pub status: Status,
    #[serde(flatten)]
    pub volume: Volume,
}

#[derive(Debug, Clone, Serialize)]
pub struct ProviderRow {
    pub name: String,
    pub status: Status,
    pub jurisdiction: Pair<Option<String>>,
    #[serde(flatten)]
    pub volume: Volume,
}

/// A service of `summary.services.by_service`.
#[derive(Debug, Clone, Serialize)]
pub struct ServiceRow {
    pub name: String,
    /// NEW's, else OLD's.
    pub provider: Option<String>,
    pub category: Option<String>,
    pub status: Status,
    #[serde(flatten)]
    pub volume: Volume,
    pub payload_to: Count,
    pub unanswered: Count,
}

/// A value in each report.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Pair<T> {
    pub old: T,
    pub new: T,
}

/// What only NEW has, and what only OLD had.
#[derive(Debug, Clone, Serialize)]
pub struct Changes<T> {
    pub new: Vec<T>,
    pub vanished: Vec<T>,
}

impl<T> Default for Changes<T> {
    fn default() -> Self {
        Changes {
            new: Vec::new(),
            vanished: Vec::new(),
        }
    }
}

impl<T> Changes<T> {
    pub fn is_empty(&self) -> bool {
        self.new.is_empty() && self.vanished.is_empty()
    }
}

/// A remote address (all its parts added up) as one report has it.
#[derive(Debug, Clone, Serialize)]
pub struct Destination {
    pub ip: String,
    pub hostnames: Vec<String>,
    pub services: Vec<String>,
    pub flows: u64,
    pub bytes_to: u64,
    pub bytes_from: u64,
    pub verdict: Verdict,
}

/// A host name of the flows (their `hostname.name`, remote side the server) as one report has
/// it.
#[derive(Debug, Clone, Serialize)]
pub struct HostnameEntry {
    pub name: String,
    pub flows: u64,
    pub bytes_to: u64,
    pub bytes_from: u64,
    pub verdict: HostVerdict,
}

/// Where an address is and what its answer is, with the evidence behind it.
#[derive(Debug, Clone, Default, PartialEq, Serialize)]
pub struct Verdict {
    /// The final answer of its dominant physics entry (docs/diff.md, "Verdicts").
    pub answer: Answer,
    /// `jurisdiction.zone`.
    pub zone: String,
    /// `geo.country`: the country the databases gave.
    pub country: Option<String>,
    /// Every database's country (`geo.sources`), in priority order.
    pub databases: Vec<DatabaseCountry>,
    pub provider: Option<String>,
    /// The provider's jurisdiction.
    pub jurisdiction: Option<String>,
    /// The physics entry: its vantage, verdict and round trip.
    pub vantage: Option<String>,
    pub physics: Option<String>,
    pub rtt_ms: Option<f64>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct DatabaseCountry {
    pub db: String,
    pub country: Option<String>,
}

/// A host name's verdict: the sets of values over the addresses its flows went to, each
/// sorted (several values: the name's addresses were judged differently).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct HostVerdict {
    pub addresses: Vec<String>,
    pub left_home: Vec<String>,
    pub left_eu_eea: Vec<String>,
    pub basis: Vec<String>,
    pub zones: Vec<String>,
    pub countries: Vec<String>,
    pub providers: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Verdicts {
    pub addresses: Vec<AddressChange>,
    pub hostnames: Vec<HostnameChange>,
}

/// An address in both reports whose verdict changed.
#[derive(Debug, Clone, Serialize)]
pub struct AddressChange {
    pub ip: String,
    /// NEW's, else OLD's.
    pub hostnames: Vec<String>,
    /// Which of `left_home`, `left_eu_eea`, `basis`, `basis_home`, `zone`, `country`,
    /// `provider`, `jurisdiction` differ, in that order.
    pub changed: Vec<&'static str>,
    pub bytes_to: Count,
    pub old: Verdict,
    pub new: Verdict,
}

/// A host name in both reports whose verdict changed.
#[derive(Debug, Clone, Serialize)]
pub struct HostnameChange {
    pub name: String,
    /// Which of `left_home`, `left_eu_eea`, `basis`, `zones`, `countries`, `providers`
    /// differ, in that order (not `addresses`: a name moving between addresses of the same
    /// verdict is not a change of verdict).
    pub changed: Vec<&'static str>,
    pub bytes_to: Count,
    pub old: HostVerdict,
    pub new: HostVerdict,
}
