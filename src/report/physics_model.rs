//! The round-trip and physics parts of the report (see docs/report-schema.md).

use super::model::PacketRefReport;
use super::place_model::Volume;
use crate::flow::{FlowId, Side};
use crate::place::physics::judge::Verdict;
use crate::rtt::Source;
use serde::Serialize;
use std::collections::BTreeMap;

/// A flow's round-trip samples (`flows[].rtt`).
#[derive(Clone, Debug, Serialize)]
pub struct RttReport {
    /// TCP SYN → SYN/ACK, from the first copy of the SYN, ms (µs precision).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handshake_ms: Option<f64>,
    /// The SYN (first copy) and the SYN/ACK that gave `handshake_ms`; left out when they are
    /// `request` and `response` (the handshake gave `min_ms`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handshake_packets: Option<[PacketRefReport; 2]>,
    /// TCP SYN/ACK → ACK: the client's side of the handshake, ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_side_ms: Option<f64>,
    /// The fastest answer from the flow's remote endpoint (`answered_by`), ms.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub min_ms: Option<f64>,
    /// Samples the remote endpoint answered.
    pub samples: u32,
    /// What gave `min_ms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    /// The remote endpoint, whose answers these are.
    pub answered_by: Side,
    /// The request and the answer that gave `min_ms`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub request: Option<PacketRefReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub response: Option<PacketRefReport>,
    /// The fastest answer from the other (local) endpoint and how many it gave: the TCP
    /// SYN/ACK → ACK of an outbound flow, ICE checks the remote peer sent. Not used by the
    /// physics of the remote address.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub other_min_ms: Option<f64>,
    #[serde(skip_serializing_if = "is_zero")]
    pub other_samples: u32,
}

fn is_zero(n: &u32) -> bool {
    *n == 0
}

/// One database's country against the bound.
#[derive(Clone, Debug, Serialize)]
pub struct ClaimReport {
    pub db: String,
    pub country: String,
    /// Least great-circle distance from the vantage to the country's shape, km (rounded down).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<u64>,
    pub contradicted: bool,
}

/// Why an address is flagged as anycast.
#[derive(Clone, Debug, Serialize)]
pub struct AnycastReport {
    /// `known-range` or `vantages-disagree`.
    pub reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub operator: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
    /// For `vantages-disagree`: the two vantages, each with its fastest round trip and bound.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub vantages: Vec<VantageRtt>,
    /// Least distance between the two vantages, km, and by how much it exceeds the sum of
    /// their bounds.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub distance_km: Option<u64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub gap_km: Option<u64>,
}

#[derive(Clone, Debug, Serialize)]
pub struct VantageRtt {
    pub vantage: String,
    pub rtt_ms: f64,
    pub max_distance_km: u64,
}

/// What the physics says of a remote address from one vantage (`addresses[].physics[]`),
/// from the fastest answer that address gave to this vantage over the run (over this part of
/// it, when the address table wrote the address out early).
#[derive(Clone, Debug, Serialize)]
pub struct PhysicsReport {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub vantage: Option<String>,
    /// The flows to the address captured from this vantage, and their bytes.
    pub flows: u64,
    pub bytes_to: u64,
    pub bytes_from: u64,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_ms: Option<f64>,
    /// The flow that gave `rtt_ms`, and its request and answer packets.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_flow: Option<FlowId>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_source: Option<Source>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_request: Option<PacketRefReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub rtt_response: Option<PacketRefReport>,
    /// Round-trip samples this address answered, over all its flows from this vantage.
    pub samples: u64,
    /// Farthest the address can be: light in vacuum, km (rounded up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub max_distance_km: Option<u64>,
    /// Farthest it likely is: light in fibre, km (rounded up).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub likely_distance_km: Option<u64>,
    pub verdict: Verdict,
    /// The country judged: the one the report places the address in.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
    /// Least distance from the vantage to that country's shape, km (rounded down).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub claim_distance_km: Option<u64>,
    /// Countries within `max_distance_km` of the vantage; null without a vantage or a round
    /// trip.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feasible: Option<Vec<&'static str>>,
    /// Countries within `likely_distance_km` (light in fibre); left out without a vantage or a
    /// round trip, and when it is the `feasible` list itself.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub likely: Option<Vec<&'static str>>,
    /// Every feasible country is in the EU/EEA: the server is proven to be there.
    pub within_eu_eea: bool,
    /// Each database's country, checked the same way.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub claims: Vec<ClaimReport>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub anycast: Option<AnycastReport>,
    /// Left the home country, the EU/EEA? This address's answer from this vantage, from all
    /// of the above: what `summary.answer` counts its flows by.
    pub answer: super::AnswerReport,
    /// The address's declared regions (as in `declared_regions`) that this round trip rules
    /// out: no country of theirs is feasible.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub declared_contradicted: Vec<String>,
    /// Its flows from this vantage that were answered, and what they sent.
    pub answered: super::Sent,
    /// Its flows from this vantage never answered (kept apart in `summary.answer`).
    pub unanswered: super::Sent,
}

/// A vantage of the run (`summary.physics.vantages`).
#[derive(Clone, Debug, Serialize)]
pub struct VantageReport {
    pub vantage: String,
    /// `country`, `city` or `point`.
    pub kind: &'static str,
    /// Inputs (by index) measured from it.
    pub inputs: Vec<u32>,
    /// Given as `--home` (no `--vantage`).
    pub from_home: bool,
}

/// One timed address and vantage, for the terminal's table (not in the JSON: the same facts
/// are in `addresses[].physics[]`).
#[derive(Clone, Debug)]
pub struct PhysicsDestination {
    pub ip: String,
    pub vantage: String,
    pub country: Option<String>,
    pub rtt_ms: f64,
    pub rtt_source: Source,
    pub max_distance_km: u64,
    pub claim_distance_km: Option<u64>,
    pub verdict: Verdict,
    pub within_eu_eea: bool,
    /// Databases whose country the bound rules out (`db=CC`).
    pub contradicted: Vec<String>,
    /// `known-range` or `vantages-disagree`.
    pub anycast: Option<&'static str>,
}

/// The physics in one place (`summary.physics`).
#[derive(Clone, Debug, Serialize)]
pub struct PhysicsSummary {
    pub vantages: Vec<VantageReport>,
    /// The constants used: km per ms of round trip (vacuum, fibre), the Earth radius, and the
    /// tolerance added for the boundary data's generalisation.
    pub strict_km_per_ms: f64,
    pub likely_km_per_ms: f64,
    pub earth_radius_km: f64,
    pub boundary_tolerance_km: f64,
    pub geometry: String,
    pub anycast_table: AnycastTableReport,
    pub samples: u64,
    /// Samples not used: an answer before its request, or in another file.
    pub discarded: u64,
    pub requests_dropped: u64,
    pub pending_evicted: u64,
    /// Flows and bytes by verdict (every verdict listed).
    pub by_verdict: BTreeMap<Verdict, Volume>,
    /// Flows to addresses whose database location (the country the report gives) the physics
    /// contradicts.
    pub contradicted: Volume,
    /// Flows to addresses where at least one database's country is contradicted.
    pub any_claim_contradicted: Volume,
    /// One tick of each input's timestamps, ms: added to every round trip before its bound.
    pub timestamp_ticks_ms: Vec<f64>,
    /// Flows to addresses proven within the EU/EEA.
    pub proven_eu_eea: Volume,
    /// Flows to addresses flagged as anycast.
    pub anycast: Volume,
    /// Addresses with a round trip (counted per address and vantage), those whose database
    /// country is contradicted, and those proven within the EU/EEA.
    pub timed: u64,
    pub contradicted_destinations: u64,
    pub proven_eu_eea_destinations: u64,
    /// The terminal's table: contradictions first, then fastest; at most `--top` rows.
    #[serde(skip)]
    pub table: Vec<PhysicsDestination>,
}

#[derive(Clone, Debug, Serialize)]
pub struct AnycastTableReport {
    pub file: &'static str,
    pub date: String,
    pub entries: usize,
    pub sha256: String,
}
