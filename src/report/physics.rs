//! From round-trip samples to the report: per flow (`rtt`, `physics`) and the summary.
//!
//! Per address and vantage, the fastest answer over the whole run gives the bound; every flow
//! to that address shares its verdict (and names the flow that gave the bound).

use super::model::PacketRefReport;
use super::physics_model::*;
use super::place_model::Volume;
use crate::analyze::Analysis;
use crate::digest::sha256_hex;
use crate::flow::{Endpoint, Flow, PacketRef};
use crate::place::Placer;
use crate::place::physics::Physics;
use crate::place::physics::anycast::ANYCAST_TOML;
use crate::place::physics::bounds::{LIKELY_KM_PER_MS, STRICT_KM_PER_MS};
use crate::place::physics::geometry::{BOUNDARY_TOLERANCE_KM, EARTH_RADIUS_KM, Geometry};
use crate::place::physics::judge::{self, Anycast, Judge, Judgement, Verdict};
use crate::rtt::Sample;
use std::collections::BTreeMap;
use std::net::IpAddr;

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

/// The remote endpoint of a flow (`remote` as the report decided it; the server for internal
/// flows).
fn remote_endpoint(f: &Flow, remote: Option<&'static str>) -> (Endpoint, &'static str) {
    match remote {
        Some("client") => (f.client, "client"),
        _ => (f.server, "server"),
    }
}

/// A flow's `rtt` field; `None` when nothing was timed.
pub fn rtt_report(
    analysis: &Analysis,
    f: &Flow,
    remote: Option<&'static str>,
) -> Option<RttReport> {
    let rtt = analysis.rtts.flows.get(&f.id)?;
    let (endpoint, side) = remote_endpoint(f, remote);
    let responder = rtt.answered_by(endpoint);
    let local = if endpoint == f.server {
        f.client
    } else {
        f.server
    };
    let other = rtt.answered_by(local);
    Some(RttReport {
        handshake_ms: rtt.handshake.map(|s| ms(s.nanos)),
        handshake_packets: rtt
            .handshake
            .map(|s| [packet(s.request), packet(s.response)]),
        client_side_ms: rtt.handshake_ack.map(|s| ms(s.nanos)),
        min_ms: responder.map(|r| ms(r.min.nanos)),
        samples: responder.map_or(0, |r| r.samples),
        source: responder.map(|r| r.min.source.name()),
        answered_by: side,
        request: responder.map(|r| packet(r.min.request)),
        response: responder.map(|r| packet(r.min.response)),
        other_min_ms: other.map(|r| ms(r.min.nanos)),
        other_samples: other.map_or(0, |r| r.samples),
    })
}

/// The fastest answer of one address to one vantage.
#[derive(Clone, Copy)]
struct Fastest {
    sample: Sample,
    /// The sample lengthened by one tick of its file's timestamp resolution: a clock that
    /// counts in ticks can show a round trip up to one tick shorter than it was. Bounds use
    /// this.
    padded: u64,
    flow: u64,
    samples: u64,
}

/// One tick of each input's timestamps, ns (1,000 for microsecond captures).
fn ticks(analysis: &Analysis) -> Vec<u64> {
    analysis
        .inputs
        .iter()
        .map(|i| 10u64.pow(9 - u32::from(i.precision.min(9))))
        .collect()
}

struct Judged {
    judgement: Judgement,
    anycast: Option<Anycast>,
    country: Option<String>,
}

type Key = (IpAddr, Option<usize>);

/// Every address's fastest answer and verdict, per vantage.
pub struct PhysicsView<'p> {
    physics: &'p Physics,
    fastest: BTreeMap<Key, Fastest>,
    judged: BTreeMap<Key, Judged>,
    volumes: Totals,
}

#[derive(Default)]
struct Totals {
    by_verdict: BTreeMap<&'static str, Volume>,
    contradicted: Volume,
    any_claim_contradicted: Volume,
    proven_eu_eea: Volume,
    anycast: Volume,
    per_key: BTreeMap<Key, (u64, u64)>,
}

impl<'p> PhysicsView<'p> {
    /// Collect the fastest answer per remote address and vantage; `remotes` gives each flow's
    /// remote side as the report decided it.
    pub fn new(
        analysis: &Analysis,
        remotes: &[Option<&'static str>],
        physics: &'p Physics,
    ) -> PhysicsView<'p> {
        let ticks = ticks(analysis);
        let mut fastest: BTreeMap<Key, Fastest> = BTreeMap::new();
        for (f, remote) in analysis.flows.iter().zip(remotes) {
            if remote.is_none() {
                continue;
            }
            let (endpoint, _) = remote_endpoint(f, *remote);
            let Some(r) = analysis
                .rtts
                .flows
                .get(&f.id)
                .and_then(|rtt| rtt.answered_by(endpoint))
            else {
                continue;
            };
            let key = (endpoint.ip, physics.vantage_of(r.min.request.input));
            let tick = usize::try_from(r.min.request.input)
                .ok()
                .and_then(|i| ticks.get(i))
                .copied()
                .unwrap_or(1);
            let padded = r.min.nanos.saturating_add(tick);
            let entry = fastest.entry(key).or_insert(Fastest {
                sample: r.min,
                padded,
                flow: f.id,
                samples: 0,
            });
            entry.samples += u64::from(r.samples);
            if padded < entry.padded {
                entry.sample = r.min;
                entry.padded = padded;
                entry.flow = f.id;
            }
        }
        PhysicsView {
            physics,
            fastest,
            judged: BTreeMap::new(),
            volumes: Totals::default(),
        }
    }

    /// The physics of a flow's remote address (judged once per address and vantage), counted
    /// into the summary with the flow's bytes sent and received.
    pub fn flow(
        &mut self,
        f: &Flow,
        analysis_rtt: Option<&crate::rtt::FlowRtt>,
        remote: Option<&'static str>,
        placer: &mut Placer,
        sent: u64,
        received: u64,
    ) -> Option<PhysicsReport> {
        remote?;
        let (endpoint, _) = remote_endpoint(f, remote);
        let rtt = analysis_rtt.and_then(|r| r.answered_by(endpoint));
        // The vantage of the flow's own fastest answer (the key it was collected under), else
        // of its first packet.
        let input = rtt.map_or(f.first_packet.input, |r| r.min.request.input);
        let key = (endpoint.ip, self.physics.vantage_of(input));
        if !self.judged.contains_key(&key) {
            let judged = self.judge(key, placer);
            self.judged.insert(key, judged);
        }
        let judged = self.judged.get(&key)?;
        let t = &mut self.volumes;
        t.by_verdict
            .entry(judged.judgement.verdict.name())
            .or_default()
            .add(sent, received);
        if judged.judgement.verdict == Verdict::ContradictsDatabase {
            t.contradicted.add(sent, received);
        }
        if judged.judgement.claims.iter().any(|c| c.contradicted) {
            t.any_claim_contradicted.add(sent, received);
        }
        if judged.judgement.within_eu_eea {
            t.proven_eu_eea.add(sent, received);
        }
        if judged.anycast.is_some() {
            t.anycast.add(sent, received);
        }
        let volume = t.per_key.entry(key).or_default();
        volume.0 += sent;
        volume.1 += received;
        Some(self.report(key, judged))
    }

    fn judge(&self, key: Key, placer: &mut Placer) -> Judged {
        let (ip, vantage) = key;
        let pl = placer.place(ip);
        let claims: Vec<(String, String)> = pl
            .answers
            .iter()
            .filter_map(|a| {
                let db = placer.geo.dbs.get(a.db)?;
                Some((db.name.clone(), a.country.clone()?))
            })
            .collect();
        let rtt = self.fastest.get(&key).map(|f| f.padded);
        let judgement = match vantage.and_then(|v| self.physics.judges.get(v)) {
            Some(judge) => judge.judge(rtt, pl.country.as_deref(), &claims, &placer.tables.legal),
            None => Judge::without_vantage(rtt),
        };
        let across: Vec<(usize, u64)> = self
            .fastest
            .range((ip, None)..=(ip, Some(usize::MAX)))
            .filter_map(|((_, v), f)| Some(((*v)?, f.padded)))
            .collect();
        Judged {
            judgement,
            anycast: judge::anycast(ip, &self.physics.anycast, &self.physics.judges, &across),
            country: pl.country.clone(),
        }
    }

    fn label(&self, vantage: Option<usize>) -> Option<String> {
        vantage
            .and_then(|v| self.physics.judges.get(v))
            .map(|j| j.vantage.label())
    }

    fn report(&self, key: Key, judged: &Judged) -> PhysicsReport {
        let j = &judged.judgement;
        let fastest = self.fastest.get(&key);
        PhysicsReport {
            vantage: self.label(key.1),
            rtt_ms: fastest.map(|f| ms(f.sample.nanos)),
            rtt_flow: fastest.map(|f| f.flow),
            rtt_source: fastest.map(|f| f.sample.source.name()),
            max_distance_km: j.bound.map(|b| b.strict_km.ceil() as u64),
            likely_distance_km: j.bound.map(|b| b.likely_km.ceil() as u64),
            verdict: j.verdict.name(),
            country: judged.country.clone(),
            claim_distance_km: j.claim_distance_km.map(|d| d.floor() as u64),
            feasible: j.feasible.clone(),
            within_eu_eea: j.within_eu_eea,
            claims: j
                .claims
                .iter()
                .map(|c| ClaimReport {
                    db: c.source.clone(),
                    country: c.country.clone(),
                    distance_km: c.distance_km.map(|d| d.floor() as u64),
                    contradicted: c.contradicted,
                })
                .collect(),
            anycast: judged
                .anycast
                .as_ref()
                .map(|a| self.anycast_report(key.0, a)),
        }
    }

    fn anycast_report(&self, ip: IpAddr, a: &Anycast) -> AnycastReport {
        match a {
            Anycast::KnownRange(r) => AnycastReport {
                reason: "known-range",
                prefix: Some(r.prefix.to_string()),
                operator: Some(r.operator.clone()),
                source: Some(r.source.clone()),
                vantages: Vec::new(),
                distance_km: None,
                gap_km: None,
            },
            Anycast::VantagesDisagree {
                a,
                b,
                distance_km,
                gap_km,
                ..
            } => AnycastReport {
                reason: "vantages-disagree",
                prefix: None,
                operator: None,
                source: None,
                vantages: [*a, *b]
                    .iter()
                    .filter_map(|v| {
                        let f = self.fastest.get(&(ip, Some(*v)))?;
                        let bound = crate::place::physics::bounds::Bound::from_rtt(f.padded);
                        Some(VantageRtt {
                            vantage: self.label(Some(*v))?,
                            rtt_ms: ms(f.sample.nanos),
                            max_distance_km: bound.strict_km.ceil() as u64,
                        })
                    })
                    .collect(),
                distance_km: Some(distance_km.floor() as u64),
                gap_km: Some(gap_km.floor() as u64),
            },
        }
    }

    /// The summary section.
    pub fn summary(self, analysis: &Analysis, inputs: usize) -> PhysicsSummary {
        let mut by_verdict: BTreeMap<&'static str, Volume> = Verdict::ALL
            .iter()
            .map(|v| (v.name(), Volume::default()))
            .collect();
        for (k, v) in &self.volumes.by_verdict {
            by_verdict.insert(k, *v);
        }
        let mut destinations: Vec<PhysicsDestination> = self
            .fastest
            .iter()
            .filter_map(|(key, f)| {
                let judged = self.judged.get(key)?;
                let j = &judged.judgement;
                let (bytes_to, bytes_from) =
                    self.volumes.per_key.get(key).copied().unwrap_or_default();
                Some(PhysicsDestination {
                    ip: key.0.to_string(),
                    vantage: self.label(key.1).unwrap_or_else(|| "-".to_string()),
                    country: judged.country.clone(),
                    rtt_ms: ms(f.sample.nanos),
                    rtt_source: f.sample.source.name(),
                    rtt_flow: f.flow,
                    samples: f.samples,
                    max_distance_km: j.bound.map_or(0, |b| b.strict_km.ceil() as u64),
                    claim_distance_km: j.claim_distance_km.map(|d| d.floor() as u64),
                    verdict: j.verdict.name(),
                    within_eu_eea: j.within_eu_eea,
                    contradicted: j
                        .claims
                        .iter()
                        .filter(|c| c.contradicted)
                        .map(|c| format!("{}={}", c.source, c.country))
                        .collect(),
                    feasible: j.feasible.clone().unwrap_or_default(),
                    likely: j.likely.clone().unwrap_or_default(),
                    anycast: judged.anycast.as_ref().map(|a| match a {
                        Anycast::KnownRange(_) => "known-range",
                        Anycast::VantagesDisagree { .. } => "vantages-disagree",
                    }),
                    bytes_to,
                    bytes_from,
                })
            })
            .collect();
        destinations.sort_by(|a, b| {
            a.rtt_ms
                .total_cmp(&b.rtt_ms)
                .then_with(|| a.ip.cmp(&b.ip))
                .then_with(|| a.vantage.cmp(&b.vantage))
        });
        let stats = analysis.rtts.stats;
        PhysicsSummary {
            vantages: self
                .physics
                .judges
                .iter()
                .enumerate()
                .map(|(i, j)| VantageReport {
                    vantage: j.vantage.label(),
                    kind: j.vantage.kind(),
                    inputs: self.physics.inputs_of(i, inputs),
                    from_home: self.physics.from_home,
                })
                .collect(),
            strict_km_per_ms: STRICT_KM_PER_MS,
            likely_km_per_ms: LIKELY_KM_PER_MS,
            earth_radius_km: EARTH_RADIUS_KM,
            boundary_tolerance_km: BOUNDARY_TOLERANCE_KM,
            geometry: Geometry::embedded().source().to_string(),
            anycast_table: AnycastTableReport {
                file: "geo/anycast.toml",
                date: self.physics.anycast.date().to_string(),
                entries: self.physics.anycast.len(),
                sha256: sha256_hex(ANYCAST_TOML.as_bytes()),
            },
            samples: stats.samples,
            discarded: stats.discarded,
            requests_dropped: stats.requests_dropped,
            pending_evicted: stats.pending_evicted,
            by_verdict,
            contradicted: self.volumes.contradicted,
            any_claim_contradicted: self.volumes.any_claim_contradicted,
            timestamp_ticks_ms: ticks(analysis).into_iter().map(ms_exact).collect(),
            proven_eu_eea: self.volumes.proven_eu_eea,
            anycast: self.volumes.anycast,
            destinations,
        }
    }
}
