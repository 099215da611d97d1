//! The placement part of the JSON contract: per remote address (`addresses[].geo`,
//! `provider`, `jurisdiction`), per report (`geo`) and in the summary (`summary.placement`). Documented in
//! docs/report-schema.md and docs/placement.md.

use serde::Serialize;
use std::collections::BTreeMap;

/// Where the remote endpoint of a flow is (the server, or the client when it is outside).
#[derive(Clone, Debug, Serialize)]
pub struct ServerGeo {
    pub ip: String,
    /// The chosen country (ISO 3166-1 alpha-2), null when no database knows the address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_name: Option<&'static str>,
    /// `geolocation` or `declared`: what kind of database gave `country`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country_basis: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_org: Option<String>,
    /// The network of the record that gave the ASN (else the country).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Every database's answer, in priority order; databases without a record are absent.
    pub sources: Vec<GeoSource>,
    /// Databases whose record (or search tree) for this address could not be decoded: not
    /// "no record" but "unknown"; the placement rests on the other databases. Absent when none.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<GeoSourceError>,
    /// Every database that gave a country gave the same one.
    pub agree: bool,
    /// Why the address is not routable (`private`, `multicast`, ...), else null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub special: Option<&'static str>,
    /// The address looked up instead (IPv4-mapped or NAT64 `64:ff9b::/96`), else null.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub looked_up: Option<LookedUp>,
}

#[derive(Clone, Debug, Serialize)]
pub struct LookedUp {
    pub ip: String,
    pub via: &'static str,
}

/// One database's answer for one address.
#[derive(Clone, Debug, Serialize)]
pub struct GeoSource {
    /// The database's name in `geo.databases`.
    pub db: String,
    /// Its build date (metadata `build_epoch`, UTC).
    pub build: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// MaxMind layout only, when it differs from `country`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub registered_country: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub asn: Option<u32>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub as_org: Option<String>,
    /// The network of the matching record.
    pub prefix: String,
    /// Offset of the record in the database's data section (with the file's SHA-256 in
    /// `geo.databases`, it names the record).
    pub record: u64,
}

/// One database's failed lookup for one address.
#[derive(Clone, Debug, Serialize)]
pub struct GeoSourceError {
    /// The database's name in `geo.databases`.
    pub db: String,
    pub build: String,
    /// Offset of the undecodable record in the data section; absent when the search tree
    /// itself is broken on the way to it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    /// What the MaxMind DB reader said.
    pub error: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProviderReport {
    /// Provider name; for a fallback, the ASN's organisation name (null if none).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The controlling parent company (null for a fallback).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    /// ISO code of the parent's legal seat; for a fallback, the ASN's registration country.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub jurisdiction: Option<String>,
    /// The provider is under US jurisdiction, which the US CLOUD Act reaches.
    pub cloud_act: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub category: Option<String>,
    /// `asn`, `org-pattern` or `registration-fallback`.
    pub matched_by: &'static str,
    pub fallback: bool,
    /// The table entry or fallback rule, with its source and date.
    pub source: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct JurisdictionReport {
    pub zone: crate::place::legal::Zone,
    /// The act that puts the country in its zone (null for home, third, private, unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_basis: Option<String>,
    /// The limits of that act, when it covers only some recipients (e.g. `us-dpf`: only
    /// organisations certified under the Data Privacy Framework).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub legal_scope: Option<String>,
    /// Null without `--home` or when the country is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaves_home: Option<bool>,
    /// Null when the country is unknown.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub leaves_eu_eea: Option<bool>,
    /// The provider's controlling parent is outside the EU/EEA (null: provider unknown).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub foreign_control: Option<bool>,
    /// The zone of the provider's jurisdiction.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub control_zone: Option<crate::place::legal::Zone>,
}

/// The geo data behind the report.
#[derive(Clone, Debug, Serialize)]
pub struct GeoReport {
    /// `--home`, if given.
    pub home: Option<String>,
    /// In priority order.
    pub databases: Vec<DatabaseReport>,
    pub legal_table: TableReport,
    pub providers_table: TableReport,
    /// The service catalog (geo/services.toml) behind `flows[].service`.
    pub services_table: TableReport,
    /// The cloud regions host names declare (geo/regions.toml) behind
    /// `addresses[].declared_regions`; `entries` counts regions.
    pub regions_table: TableReport,
    /// Attribution the data's licences ask for.
    pub attribution: Vec<String>,
}

#[derive(Clone, Debug, Serialize)]
pub struct DatabaseReport {
    pub name: String,
    /// `embedded` or the `--geo` path.
    pub origin: String,
    /// The npm package(s) an embedded database was built from; null for `--geo` files.
    pub source: Option<&'static str>,
    pub database_type: String,
    /// `maxmind`, `ipinfo` or `country-code`.
    pub layout: &'static str,
    /// `geolocation` or `declared`: what its country answers mean.
    pub role: &'static str,
    pub provides: Vec<&'static str>,
    pub build: String,
    pub build_epoch: u64,
    pub size: u64,
    pub sha256: String,
    pub license: Option<&'static str>,
}

/// A database with records its reader could not decode (`summary.geo_errors`): known only at
/// the end of the run, hence in the summary rather than in `geo.databases`.
#[derive(Clone, Debug, Serialize)]
pub struct GeoErrorsReport {
    /// The database's name in `geo.databases`.
    pub db: String,
    /// Address entries whose lookup met an undecodable record or search-tree node; each says
    /// so in `addresses[].geo.errors`.
    pub addresses: u64,
    /// The first of them by address (at most 8).
    pub first: Vec<RecordErrorReport>,
}

/// One failed lookup.
#[derive(Clone, Debug, Serialize)]
pub struct RecordErrorReport {
    pub ip: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub record: Option<u64>,
    pub error: String,
}

#[derive(Clone, Debug, Serialize)]
pub struct TableReport {
    pub file: String,
    /// The date the table states for its facts.
    pub date: String,
    pub entries: usize,
    pub sha256: String,
}

/// Flows and bytes exchanged with a set of destinations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Volume {
    pub flows: u64,
    /// Bytes sent to the destinations (data leaving).
    pub bytes_to: u64,
    /// Bytes received from them.
    pub bytes_from: u64,
}

impl Volume {
    pub fn add(&mut self, to: u64, from: u64) {
        self.flows += 1;
        self.bytes_to += to;
        self.bytes_from += from;
    }

    /// Add another volume (its flows too).
    pub fn merge(&mut self, other: &Volume) {
        self.flows += other.flows;
        self.bytes_to += other.bytes_to;
        self.bytes_from += other.bytes_from;
    }
}

/// The answer in one place.
#[derive(Clone, Debug, Serialize)]
pub struct PlacementSummary {
    pub home: Option<String>,
    /// Per zone of the destination's country (every zone listed, zero or not).
    pub by_zone: BTreeMap<&'static str, Volume>,
    /// Per jurisdiction of the provider's controlling parent (`unknown` when no provider).
    pub by_jurisdiction: BTreeMap<String, Volume>,
    /// Per provider, most bytes first.
    pub by_provider: Vec<ProviderVolume>,
    /// To destinations outside the home country (null without `--home`).
    pub left_home: Option<Volume>,
    /// To destinations outside the EU/EEA.
    pub left_eu_eea: Volume,
    /// To providers whose controlling parent is outside the EU/EEA.
    pub non_eu_control: Volume,
    /// To providers under US jurisdiction (the CLOUD Act).
    pub cloud_act: Volume,
    /// To destinations without a known country.
    pub unplaced: Volume,
    /// Remote addresses whose databases disagree on the country.
    pub disputed_destinations: u64,
    /// Flows to remote destinations never answered: in none of the figures above.
    pub unanswered: Volume,
}

#[derive(Clone, Debug, Serialize)]
pub struct ProviderVolume {
    pub name: String,
    pub jurisdiction: Option<String>,
    pub fallback: bool,
    #[serde(flatten)]
    pub volume: Volume,
}
