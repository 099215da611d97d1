//! The summary, added up while the run goes: each flow as it ends, each address as it is
//! written out. Bounded: the totals are keyed by zone, provider, service and verdict, and the
//! terminal's lists keep only their top rows.

use super::answer::{AnswerTotals, HostFlow, HostTotals};
use super::geo_errors::GeoErrorTotals;
use super::model::*;
use super::names::{FlowNaming, ServiceTotals};
use super::physics::PhysicsTotals;
use super::place::PlacementTotals;
use crate::analyze::Skipped;
use crate::flow::{CaptureLoss, FragmentStats, TableStats};
use crate::names::NameStats;
use crate::names::dns::CacheStats;
use crate::place::Placement;
use crate::place::addresses::AddressStats;
use crate::place::physics::Physics;
use crate::rtt::RttStats;
use crate::timestamp::Timestamp;

/// Everything the summary needs that is known only at the end.
pub struct RunEnd<'a> {
    pub inputs: &'a [crate::analyze::InputSummary],
    pub incomplete: Vec<Incomplete>,
    pub interrupted_by: Option<&'static str>,
    pub digits: u8,
    pub max_flows: usize,
    /// Flows still open (0 at the end of a run).
    pub open_flows: usize,
    pub table: TableStats,
    pub addresses: AddressStats,
    pub max_addresses: usize,
    pub fragments: FragmentStats,
    pub capture_loss: &'a CaptureLoss,
    pub names: NameStats,
    pub dns_cache: CacheStats,
    pub rtt: RttStats,
    pub physics: &'a Physics,
}

#[derive(Clone)]
pub struct SummaryBuilder {
    totals: FlowTotals,
    bytes: u64,
    to_remote: u64,
    from_remote: u64,
    in_flows: u64,
    placement: PlacementTotals,
    services: ServiceTotals,
    physics: PhysicsTotals,
    /// Most bytes first, at most `top`.
    top: Vec<AddressReport>,
    top_n: usize,
    destinations: u64,
    answer: AnswerTotals,
    hosts: HostTotals,
    geo_errors: GeoErrorTotals,
}

impl SummaryBuilder {
    /// `top`: rows kept for the terminal's lists.
    pub fn new(home: Option<String>, top: usize) -> Self {
        let home_given = home.is_some();
        SummaryBuilder {
            totals: FlowTotals::default(),
            bytes: 0,
            to_remote: 0,
            from_remote: 0,
            in_flows: 0,
            services: ServiceTotals::new(home.is_some()),
            placement: PlacementTotals::new(home),
            physics: PhysicsTotals::new(top),
            top: Vec::new(),
            top_n: top,
            destinations: 0,
            answer: AnswerTotals::new(home_given),
            hosts: HostTotals::new(home_given),
            geo_errors: GeoErrorTotals::default(),
        }
    }

    /// One ended flow; `placement` is its remote address's (None for internal flows), `sent`
    /// and `received` the bytes to and from it.
    pub fn flow(
        &mut self,
        flow: &FlowReport,
        naming: &FlowNaming,
        placement: Option<&Placement>,
        sent: u64,
        received: u64,
    ) {
        let t = &mut self.totals;
        t.total += 1;
        *t.by_transport.entry(flow.transport.name()).or_default() += 1;
        *t.by_scope.entry(flow.scope.name()).or_default() += 1;
        *t.by_end.entry(flow.end.name()).or_default() += 1;
        self.bytes += flow.bytes.to_server + flow.bytes.to_client;
        self.in_flows += flow.packets.to_server + flow.packets.to_client;
        let Some(pl) = placement else {
            return;
        };
        // Flows never answered exchanged no data: kept apart from where data went.
        if !flow.answer.answered {
            self.placement.unanswered(sent, received);
            self.services.unanswered(naming);
        } else {
            self.placement.add(pl, sent, received);
            self.services
                .add(naming, pl, sent, received, flow.answer.payload_to_remote);
        }
        self.to_remote += sent;
        self.from_remote += received;
    }

    /// One ended flow with a remote side, for the per-host breakdown.
    pub fn host(&mut self, f: &HostFlow<'_>) {
        self.hosts.flow(f);
    }

    /// One address written out.
    pub fn address(&mut self, a: &AddressReport) {
        self.destinations += 1;
        self.answer.address(a);
        self.geo_errors.address(a);
        if !a.geo.agree {
            self.placement.disputed();
        }
        self.physics.address(a);
        if self.top_n == 0 {
            return;
        }
        let key = |d: &AddressReport| (std::cmp::Reverse(d.bytes_to + d.bytes_from), d.ip.clone());
        let k = key(a);
        let at = self.top.partition_point(|d| key(d) <= k);
        if at < self.top_n {
            self.top.insert(at, a.clone());
            self.top.truncate(self.top_n);
        }
    }

    pub fn finish(self, mut end: RunEnd<'_>) -> Summary {
        if self.geo_errors.any() {
            end.incomplete.push(Incomplete::GeoRecordErrors);
            end.incomplete.sort_unstable();
        }
        let mut skipped = Skipped::default();
        for input in end.inputs {
            skipped.non_ip += input.skipped.non_ip;
            skipped.unsupported_link += input.skipped.unsupported_link;
            skipped.invalid_record += input.skipped.invalid_record;
            for (reason, n) in &input.skipped.malformed {
                *skipped.malformed.entry(reason).or_default() += n;
            }
        }
        let first: Option<Timestamp> = end.inputs.iter().filter_map(|i| i.first_packet).min();
        let last: Option<Timestamp> = end.inputs.iter().filter_map(|i| i.last_packet).max();
        let ticks: Vec<u64> = end
            .inputs
            .iter()
            .map(|i| 10u64.pow(9 - u32::from(i.precision.min(9))))
            .collect();
        Summary {
            complete: end.incomplete.is_empty(),
            incomplete: end.incomplete,
            interrupted_by: end.interrupted_by,
            first_packet: first.map(|t| t.rfc3339(end.digits)),
            last_packet: last.map(|t| t.rfc3339(end.digits)),
            packets: PacketTotals {
                read: end.inputs.iter().map(|i| i.packets).sum(),
                in_flows: self.in_flows,
                skipped: super::record::skipped_report(&skipped),
            },
            flows: self.totals,
            bytes: self.bytes,
            bytes_to_remote: self.to_remote,
            bytes_from_remote: self.from_remote,
            flow_table: FlowTableReport {
                max_flows: end.max_flows,
                open: end.open_flows,
                peak_active: end.table.peak_active,
                evicted: end.table.evicted,
                expiry_sweeps: end.table.expiry_sweeps,
            },
            address_table: AddressTableReport {
                max_addresses: end.max_addresses,
                peak: end.addresses.peak,
                evicted: end.addresses.evicted,
            },
            fragments: FragmentReport {
                attributed: end.fragments.attributed,
                unattributed: end.fragments.unattributed,
                tracker_evicted: end.fragments.evicted,
            },
            capture_loss: capture_loss_report(end.capture_loss, end.digits),
            placement: self.placement.finish(),
            geo_errors: self.geo_errors.finish(),
            services: self.services.finish(end.names, end.dns_cache),
            physics: self.physics.finish(end.physics, end.rtt, &ticks),
            answer: self.answer.finish(),
            hosts: self.hosts.finish(),
            top_destinations: self.top,
            destinations: self.destinations,
        }
    }
}

/// `summary.capture_loss`: the totals and intervals, timestamps with the run's digits.
pub fn capture_loss_report(loss: &CaptureLoss, digits: u8) -> CaptureLossReport {
    let t = loss.totals;
    CaptureLossReport {
        acks: t.acks,
        gaps: t.gaps,
        gap_bytes: t.gap_bytes,
        percent: t.percent(),
        interval_seconds: loss.interval_seconds(),
        intervals: loss
            .intervals()
            .map(|i| LossIntervalReport {
                start: i.start.rfc3339(digits),
                end: i.end.rfc3339(digits),
                acks: i.counts.acks,
                gaps: i.counts.gaps,
                gap_bytes: i.counts.gap_bytes,
                percent: i.counts.percent(),
            })
            .collect(),
    }
}
