//! Round trips and physics in the report: a flow's own samples (`flows[].rtt`), and the
//! summary, added up from the addresses as they are written out (each address's verdict per
//! vantage is judged once, in `place::addresses`).

use super::model::{AddressReport, PacketRefReport};
use super::physics_model::*;
use super::place_model::Volume;
use crate::flow::{Flow, PacketRef, Side};
use crate::place::physics::Physics;
use crate::place::physics::anycast::ANYCAST_TOML;
use crate::place::physics::bounds::{LIKELY_KM_PER_MS, STRICT_KM_PER_MS};
use crate::place::physics::geometry::{BOUNDARY_TOLERANCE_KM, EARTH_RADIUS_KM, Geometry};
use crate::place::physics::judge::Verdict;
use crate::rtt::{FlowRtt, RttStats};
use std::collections::BTreeMap;

/// Milliseconds with microsecond precision.
pub fn ms(nanos: u64) -> f64 {
    (nanos as f64 / 1000.0).round() / 1000.0
}

/// Milliseconds, unrounded (a nanosecond tick is 0.000001 ms).
fn ms_exact(nanos: u64) -> f64 {
    nanos as f64 / 1e6
}

fn packet(at: PacketRef) -> PacketRefReport {
    PacketRefReport {
        input: at.input,
        number: at.number,
    }
}

/// A flow's `rtt` field; `None` when nothing was timed. `remote` is the flow's remote side
/// (the server for internal flows).
pub fn rtt_report(f: &Flow, rtt: Option<&FlowRtt>, remote: Option<Side>) -> Option<RttReport> {
    let rtt = rtt?;
    let side = remote.unwrap_or(Side::Server);
    let (endpoint, local) = match side {
        Side::Client => (f.client, f.server),
        Side::Server => (f.server, f.client),
    };
    let responder = rtt.answered_by(endpoint);
    let other = rtt.answered_by(local);
    Some(RttReport {
        handshake_ms: rtt.handshake.map(|s| ms(s.nanos)),
        // Left out when they are `request` and `response` below (the handshake gave min_ms).
        handshake_packets: rtt
            .handshake
            .filter(|s| responder.is_none_or(|r| r.min != *s))
            .map(|s| [packet(s.request), packet(s.response)]),
        client_side_ms: rtt.handshake_ack.map(|s| ms(s.nanos)),
        min_ms: responder.map(|r| ms(r.min.nanos)),
        samples: responder.map_or(0, |r| r.samples),
        source: responder.map(|r| r.min.source),
        answered_by: side,
        request: responder.map(|r| packet(r.min.request)),
        response: responder.map(|r| packet(r.min.response)),
        other_min_ms: other.map(|r| ms(r.min.nanos)),
        other_samples: other.map_or(0, |r| r.samples),
    })
}

/// Adds up the physics of addresses as they are written out.
#[derive(Clone)]
pub struct PhysicsTotals {
    by_verdict: BTreeMap<Verdict, Volume>,
    contradicted: Volume,
    any_claim_contradicted: Volume,
    proven_eu_eea: Volume,
    anycast: Volume,
    timed: u64,
    contradicted_destinations: u64,
    proven_destinations: u64,
    /// The terminal's rows, best first, at most `top`.
    table: Vec<PhysicsDestination>,
    top: usize,
}

impl PhysicsTotals {
    pub fn new(top: usize) -> Self {
        PhysicsTotals {
            by_verdict: Verdict::ALL
                .iter()
                .map(|v| (*v, Volume::default()))
                .collect(),
            contradicted: Volume::default(),
            any_claim_contradicted: Volume::default(),
            proven_eu_eea: Volume::default(),
            anycast: Volume::default(),
            timed: 0,
            contradicted_destinations: 0,
            proven_destinations: 0,
            table: Vec::new(),
            top,
        }
    }

    /// One address written out: each vantage's flows count under its verdict.
    pub fn address(&mut self, a: &AddressReport) {
        for p in &a.physics {
            let v = Volume {
                flows: p.flows,
                bytes_to: p.bytes_to,
                bytes_from: p.bytes_from,
            };
            self.by_verdict.entry(p.verdict).or_default().merge(&v);
            if p.verdict == Verdict::ContradictsDatabase {
                self.contradicted.merge(&v);
            }
            if p.claims.iter().any(|c| c.contradicted) {
                self.any_claim_contradicted.merge(&v);
            }
            if p.within_eu_eea {
                self.proven_eu_eea.merge(&v);
            }
            if p.anycast.is_some() {
                self.anycast.merge(&v);
            }
            let (Some(rtt_ms), Some(source)) = (p.rtt_ms, p.rtt_source) else {
                continue;
            };
            self.timed += 1;
            self.contradicted_destinations += u64::from(p.verdict == Verdict::ContradictsDatabase);
            self.proven_destinations += u64::from(p.within_eu_eea);
            self.row(PhysicsDestination {
                ip: a.ip.clone(),
                vantage: p.vantage.clone().unwrap_or_else(|| "-".to_string()),
                country: p.country.clone(),
                rtt_ms,
                rtt_source: source,
                max_distance_km: p.max_distance_km.unwrap_or(0),
                claim_distance_km: p.claim_distance_km,
                verdict: p.verdict,
                within_eu_eea: p.within_eu_eea,
                contradicted: p
                    .claims
                    .iter()
                    .filter(|c| c.contradicted)
                    .map(|c| format!("{}={}", c.db, c.country))
                    .collect(),
                anycast: p.anycast.as_ref().map(|a| a.reason),
            });
        }
    }

    /// Keep the row if it is among the `top` best: contradictions first, then fastest, then
    /// by address and vantage.
    fn row(&mut self, d: PhysicsDestination) {
        if self.top == 0 {
            return;
        }
        let key = |d: &PhysicsDestination| {
            (
                d.verdict != Verdict::ContradictsDatabase,
                ordered(d.rtt_ms),
                d.ip.clone(),
                d.vantage.clone(),
            )
        };
        let k = key(&d);
        let at = self.table.partition_point(|e| key(e) <= k);
        if at < self.top {
            self.table.insert(at, d);
            self.table.truncate(self.top);
        }
    }

    pub fn finish(self, physics: &Physics, stats: RttStats, ticks: &[u64]) -> PhysicsSummary {
        let inputs = ticks.len();
        PhysicsSummary {
            vantages: physics
                .judges
                .iter()
                .enumerate()
                .map(|(i, j)| VantageReport {
                    vantage: j.vantage.label(),
                    kind: j.vantage.kind(),
                    inputs: physics.inputs_of(i, inputs),
                    from_home: physics.from_home,
                })
                .collect(),
            strict_km_per_ms: STRICT_KM_PER_MS,
            likely_km_per_ms: LIKELY_KM_PER_MS,
            earth_radius_km: EARTH_RADIUS_KM,
            boundary_tolerance_km: BOUNDARY_TOLERANCE_KM,
            geometry: Geometry::source().to_string(),
            anycast_table: AnycastTableReport {
                file: "geo/anycast.toml",
                date: physics.anycast.date().to_string(),
                entries: physics.anycast.len(),
                sha256: super::place::embedded_sha256("geo/anycast.toml", ANYCAST_TOML),
            },
            samples: stats.samples,
            discarded: stats.discarded,
            requests_dropped: stats.requests_dropped,
            pending_evicted: stats.pending_evicted,
            by_verdict: self.by_verdict,
            contradicted: self.contradicted,
            any_claim_contradicted: self.any_claim_contradicted,
            timestamp_ticks_ms: ticks.iter().map(|t| ms_exact(*t)).collect(),
            proven_eu_eea: self.proven_eu_eea,
            anycast: self.anycast,
            timed: self.timed,
            contradicted_destinations: self.contradicted_destinations,
            proven_eu_eea_destinations: self.proven_destinations,
            table: self.table,
        }
    }
}

/// An f64 that sorts (round trips are finite and non-negative).
fn ordered(x: f64) -> u64 {
    x.to_bits()
}
