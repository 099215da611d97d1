//! From the analysis to the report model: once per flow, never per packet.

use super::model::*;
use super::names::{FlowNaming, Naming, ServiceTotals, flow_naming};
use super::physics::{PhysicsView, rtt_report};
use super::place::{PlacementTotals, flow_placement, geo_report};
use crate::analyze::{Analysis, InputSummary, Options, Skipped};
use crate::decode::TcpFlags;
use crate::flow::{Endpoint, Flow, FlowEnd, Scope};
use crate::place::Placer;
use crate::place::physics::Physics;
use crate::timestamp::Timestamp;
use std::collections::BTreeMap;
use std::net::IpAddr;

/// Builds the report; `placer` places each remote address once (its cache persists, so a
/// `lookup` after a report costs nothing); `physics` judges each one's round trips.
pub fn build(
    analysis: &Analysis,
    options: &Options,
    placer: &mut Placer,
    naming: &Naming<'_>,
    physics: &Physics,
) -> Report {
    // One precision for the whole report: the finest of its inputs.
    let digits = analysis
        .inputs
        .iter()
        .map(|i| i.precision)
        .max()
        .unwrap_or(6);
    let namings: Vec<FlowNaming> = analysis
        .flows
        .iter()
        .map(|f| {
            let remote = remote_ip(f, remote_side(options.inside.scope(f)));
            flow_naming(f, remote, &analysis.names, naming)
        })
        .collect();
    let remotes: Vec<Option<&'static str>> = analysis
        .flows
        .iter()
        .map(|f| remote_side(options.inside.scope(f)))
        .collect();
    let mut view = PhysicsView::new(analysis, &remotes, physics);
    let flows: Vec<FlowReport> = analysis
        .flows
        .iter()
        .zip(&namings)
        .map(|(f, n)| {
            let mut report = flow_report(f, n, options, digits, placer);
            let (sent, received) = remote_bytes(f, report.remote);
            report.rtt = rtt_report(analysis, f, report.remote);
            let rtt = analysis.rtts.flows.get(&f.id);
            report.physics = view.flow(f, rtt, report.remote, placer, sent, received);
            report
        })
        .collect();
    let physics = view.summary(analysis, analysis.inputs.len());
    let summary = summary(analysis, options, &flows, &namings, digits, placer, physics);
    Report {
        schema: SCHEMA,
        tool: Tool {
            name: env!("CARGO_PKG_NAME"),
            version: env!("CARGO_PKG_VERSION"),
        },
        settings: Settings {
            inside: options
                .inside
                .nets()
                .iter()
                .map(|n| n.to_string())
                .collect(),
            tcp_idle_timeout_s: options.timeouts.tcp_idle,
            tcp_close_timeout_s: options.timeouts.tcp_close,
            udp_idle_timeout_s: options.timeouts.udp_idle,
            other_idle_timeout_s: options.timeouts.other_idle,
            max_flows: options.max_flows,
        },
        geo: geo_report(placer, naming.catalog),
        resolve: naming.ptr.map(|p| ResolveReport {
            resolver: p.resolver.clone(),
            started: p.started.clone(),
            looked_up: p.answers.len(),
            found: p
                .answers
                .values()
                .filter(|a| matches!(a, crate::names::resolve::PtrAnswer::Name(_)))
                .count(),
            skipped: p.skipped,
        }),
        inputs: analysis.inputs.iter().map(input_report).collect(),
        flows,
        summary,
    }
}

pub fn transport_name(protocol: u8) -> &'static str {
    match protocol {
        6 => "tcp",
        17 => "udp",
        1 => "icmp",
        58 => "icmpv6",
        _ => "other",
    }
}

fn input_report(input: &InputSummary) -> Input {
    let stamp = |t: Option<Timestamp>| t.map(|t| t.rfc3339(input.precision));
    Input {
        path: input.path.display().to_string(),
        sha256: input.sha256.clone(),
        size: input.size,
        format: input.format.name(),
        link_types: input.link_types.iter().map(|l| l.name()).collect(),
        packets: input.packets,
        first_packet: stamp(input.first_packet),
        last_packet: stamp(input.last_packet),
        precision: input.precision,
        complete: input.damage.is_none(),
        errors: input
            .damage
            .iter()
            .map(|d| InputError {
                kind: d.kind.name(),
                offset: d.offset,
                packet: d.packet,
                message: d.message.clone(),
            })
            .collect(),
        skipped: skipped_report(&input.skipped),
    }
}

fn skipped_report(s: &Skipped) -> SkippedPackets {
    SkippedPackets {
        non_ip: s.non_ip,
        unsupported_link: s.unsupported_link,
        malformed: s.malformed_total(),
        malformed_reasons: s
            .malformed
            .iter()
            .map(|(k, v)| (k.to_string(), *v))
            .collect(),
        invalid_record: s.invalid_record,
    }
}

fn endpoint(e: &Endpoint, has_ports: bool) -> EndpointReport {
    EndpointReport {
        ip: e.ip.to_string(),
        port: has_ports.then_some(e.port),
    }
}

fn flags(bits: u8) -> Vec<&'static str> {
    TcpFlags::NAMES
        .iter()
        .enumerate()
        .filter(|(i, _)| bits & (1 << i) != 0)
        .map(|(_, name)| *name)
        .collect()
}

/// Remote addresses of flows the capture gives no name, in address order: what `--resolve`
/// looks up.
pub fn unnamed_destinations(analysis: &Analysis, options: &Options) -> Vec<IpAddr> {
    let set: std::collections::BTreeSet<IpAddr> = analysis
        .flows
        .iter()
        .filter(|f| analysis.names.hostname(f).is_none())
        .filter_map(|f| remote_ip(f, remote_side(options.inside.scope(f))))
        .collect();
    set.into_iter().collect()
}

/// Which side of a flow is the remote destination.
pub fn remote_side(scope: Scope) -> Option<&'static str> {
    match scope {
        Scope::Outbound | Scope::External => Some("server"),
        Scope::Inbound => Some("client"),
        Scope::Internal => None,
    }
}

/// The remote address of a flow, by the side `remote_side` chose.
fn remote_ip(f: &Flow, remote: Option<&'static str>) -> Option<IpAddr> {
    match remote {
        Some("server") => Some(f.server.ip),
        Some("client") => Some(f.client.ip),
        _ => None,
    }
}

fn flow_report(
    f: &Flow,
    naming: &FlowNaming,
    options: &Options,
    digits: u8,
    placer: &mut Placer,
) -> FlowReport {
    let scope = options.inside.scope(f);
    let placement = remote_ip(f, remote_side(scope)).map(|ip| {
        let pl = placer.place(ip);
        flow_placement(placer, &pl)
    });
    let (server_geo, provider, jurisdiction) = match placement {
        Some(p) => (Some(p.server_geo), p.provider, Some(p.jurisdiction)),
        None => (None, None, None),
    };
    FlowReport {
        id: f.id,
        transport: transport_name(f.protocol),
        ip_protocol: f.protocol,
        client: endpoint(&f.client, f.has_ports),
        server: endpoint(&f.server, f.has_ports),
        client_by: f.client_by.name(),
        scope: scope.name(),
        remote: remote_side(scope),
        packets: Directions {
            to_server: f.packets[0],
            to_client: f.packets[1],
        },
        bytes: Directions {
            to_server: f.bytes[0],
            to_client: f.bytes[1],
        },
        tcp_flags: (f.protocol == 6).then(|| FlagsReport {
            to_server: flags(f.tcp_flags[0]),
            to_client: flags(f.tcp_flags[1]),
        }),
        fragments: f.fragments,
        first_seen: f.first_seen.rfc3339(digits),
        last_seen: f.last_seen.rfc3339(digits),
        first_packet: PacketRefReport {
            input: f.first_packet.input,
            number: f.first_packet.number,
        },
        last_packet: PacketRefReport {
            input: f.last_packet.input,
            number: f.last_packet.number,
        },
        end: f.end.unwrap_or(FlowEnd::EndOfCapture).name(),
        server_geo,
        provider,
        jurisdiction,
        hostname: naming.hostname.clone(),
        service: naming.service.clone(),
        names: naming.names.clone(),
        rtt: None,
        physics: None,
    }
}

/// Bytes sent to and received from a flow's remote side (both 0 without one).
fn remote_bytes(f: &Flow, remote: Option<&'static str>) -> (u64, u64) {
    match remote {
        Some("server") => (f.bytes[0], f.bytes[1]),
        Some("client") => (f.bytes[1], f.bytes[0]),
        _ => (0, 0),
    }
}

/// Names listed per destination: a CDN address may serve hundreds of names.
const MAX_HOSTNAMES_PER_DESTINATION: usize = 8;

#[derive(Default)]
struct DestinationTotals {
    flows: u64,
    packets: u64,
    bytes_to: u64,
    bytes_from: u64,
    hostnames: BTreeMap<String, u64>,
    services: BTreeMap<String, u64>,
}

/// Keys by count, most first (ties by key), at most `max`.
fn most_common(counts: BTreeMap<String, u64>, max: usize) -> Vec<String> {
    let mut v: Vec<(String, u64)> = counts.into_iter().collect();
    v.sort_by(|a, b| b.1.cmp(&a.1).then_with(|| a.0.cmp(&b.0)));
    v.into_iter().take(max).map(|(k, _)| k).collect()
}

fn summary(
    analysis: &Analysis,
    options: &Options,
    flows: &[FlowReport],
    namings: &[FlowNaming],
    digits: u8,
    placer: &mut Placer,
    physics: PhysicsSummary,
) -> Summary {
    let mut placement = PlacementTotals::new(placer.home.clone());
    let mut services = ServiceTotals::new(placer.home.is_some());
    let mut totals = FlowTotals::default();
    let mut destinations: BTreeMap<IpAddr, DestinationTotals> = BTreeMap::new();
    let (mut bytes, mut to_remote, mut from_remote, mut in_flows) = (0u64, 0u64, 0u64, 0u64);
    for ((flow, report), naming) in analysis.flows.iter().zip(flows).zip(namings) {
        totals.total += 1;
        *totals.by_transport.entry(report.transport).or_default() += 1;
        *totals.by_scope.entry(report.scope).or_default() += 1;
        *totals.by_end.entry(report.end).or_default() += 1;
        let flow_bytes = flow.bytes[0] + flow.bytes[1];
        bytes += flow_bytes;
        in_flows += flow.packets[0] + flow.packets[1];
        // The remote side was decided once, in the flow's report (`remote_side`).
        let Some(remote) = remote_ip(flow, report.remote) else {
            continue;
        };
        let (sent, received) = remote_bytes(flow, report.remote);
        let pl = placer.place(remote);
        placement.add(&pl, sent, received);
        services.add(naming, &pl, sent, received);
        to_remote += sent;
        from_remote += received;
        let d = destinations.entry(remote).or_default();
        d.flows += 1;
        d.packets += flow.packets[0] + flow.packets[1];
        d.bytes_to += sent;
        d.bytes_from += received;
        // A flow's hostname and service describe its server: they are the destination's
        // only when the destination is that server (not on inbound flows).
        if report.remote == Some("server") {
            if let Some(h) = &report.hostname {
                *d.hostnames.entry(h.name.clone()).or_default() += 1;
            }
            if let Some(s) = &report.service {
                *d.services.entry(s.name.clone()).or_default() += 1;
            }
        }
    }
    let mut destinations: Vec<(IpAddr, DestinationTotals)> = destinations.into_iter().collect();
    destinations.sort_by(|(a_ip, a), (b_ip, b)| {
        (b.bytes_to + b.bytes_from)
            .cmp(&(a.bytes_to + a.bytes_from))
            .then(a_ip.cmp(b_ip))
    });
    let mut skipped = Skipped::default();
    for input in &analysis.inputs {
        skipped.non_ip += input.skipped.non_ip;
        skipped.unsupported_link += input.skipped.unsupported_link;
        skipped.invalid_record += input.skipped.invalid_record;
        for (reason, n) in &input.skipped.malformed {
            *skipped.malformed.entry(reason).or_default() += n;
        }
    }
    let first = analysis.inputs.iter().filter_map(|i| i.first_packet).min();
    let last = analysis.inputs.iter().filter_map(|i| i.last_packet).max();
    Summary {
        complete: !analysis.is_partial(),
        first_packet: first.map(|t| t.rfc3339(digits)),
        last_packet: last.map(|t| t.rfc3339(digits)),
        packets: PacketTotals {
            read: analysis.inputs.iter().map(|i| i.packets).sum(),
            in_flows,
            skipped: skipped_report(&skipped),
        },
        flows: totals,
        bytes,
        bytes_to_remote: to_remote,
        bytes_from_remote: from_remote,
        flow_table: FlowTableReport {
            max_flows: options.max_flows,
            peak_active: analysis.table.peak_active,
            evicted: analysis.table.evicted,
        },
        fragments: FragmentReport {
            attributed: analysis.fragments.attributed,
            unattributed: analysis.fragments.unattributed,
            tracker_evicted: analysis.fragments.evicted,
        },
        placement: placement.finish(),
        services: services.finish(&analysis.names),
        physics,
        destinations: destinations
            .into_iter()
            .map(|(ip, d)| {
                let pl = placer.place(ip);
                let provider = pl.provider.as_ref();
                Destination {
                    ip: ip.to_string(),
                    hostnames: most_common(d.hostnames, MAX_HOSTNAMES_PER_DESTINATION),
                    services: most_common(d.services, usize::MAX),
                    flows: d.flows,
                    packets: d.packets,
                    bytes_to: d.bytes_to,
                    bytes_from: d.bytes_from,
                    country: pl.country.clone(),
                    asn: pl.asn,
                    as_org: pl.as_org.clone(),
                    provider: provider.and_then(|p| p.name.clone()),
                    jurisdiction: provider.and_then(|p| p.jurisdiction.clone()),
                    zone: pl.zone.name(),
                    disputed: !pl.agree,
                }
            })
            .collect(),
    }
}
