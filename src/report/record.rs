//! The report's records: one flow as it ends (`flow_report`), one input (`input_report`), and
//! the head of the report (`head`). Built once per flow, never per packet.

use super::answer_model::FlowAnswerReport;
use super::model::*;
use super::names::FlowNaming;
use super::physics::rtt_report;
use super::place::geo_report;
use crate::analyze::{InputSummary, Options, Skipped};
use crate::decode::TcpFlags;
use crate::flow::{Endpoint, Flow, Side};
use crate::place::Placer;
use crate::rtt::FlowRtt;
use crate::services::Catalog;
use crate::timestamp::Timestamp;
use std::net::IpAddr;

/// A flow's transport, by its IP protocol number (`ip_protocol` keeps the number itself).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum TransportName {
    Tcp,
    Udp,
    Icmp,
    Icmpv6,
    Other,
}

impl TransportName {
    pub fn of(protocol: u8) -> TransportName {
        match protocol {
            6 => TransportName::Tcp,
            17 => TransportName::Udp,
            1 => TransportName::Icmp,
            58 => TransportName::Icmpv6,
            _ => TransportName::Other,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            TransportName::Tcp => "tcp",
            TransportName::Udp => "udp",
            TransportName::Icmp => "icmp",
            TransportName::Icmpv6 => "icmpv6",
            TransportName::Other => "other",
        }
    }
}

/// The head of the report: what is known before the first packet.
pub fn head(options: &Options, placer: &Placer, catalog: &Catalog) -> Head {
    Head {
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
            max_addresses: options.max_addresses,
            sensor: options.sensor.clone(),
        },
        geo: geo_report(placer, catalog),
    }
}

pub fn input_report(input: &InputSummary) -> Input {
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
        complete: input.damage.is_none() && input.stopped.is_none(),
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
        warnings: input.warnings.clone(),
        duplicate_of: input.duplicate_of,
        live: input.live.clone(),
    }
}

pub fn skipped_report(s: &Skipped) -> SkippedPackets {
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

/// The remote address of a flow, by its remote side.
pub fn remote_ip(f: &Flow, remote: Option<Side>) -> Option<IpAddr> {
    match remote? {
        Side::Server => Some(f.server.ip),
        Side::Client => Some(f.client.ip),
    }
}

/// Bytes sent to and received from a flow's remote side (both 0 without one).
pub fn remote_bytes(f: &Flow, remote: Option<Side>) -> (u64, u64) {
    match remote {
        Some(Side::Server) => (f.bytes[0], f.bytes[1]),
        Some(Side::Client) => (f.bytes[1], f.bytes[0]),
        None => (0, 0),
    }
}

/// Transport payload sent to a flow's remote side (0 without one).
pub fn remote_payload(f: &Flow, remote: Option<Side>) -> u64 {
    match remote {
        Some(Side::Server) => f.payload[0],
        Some(Side::Client) => f.payload[1],
        None => 0,
    }
}

/// Whether the flow's other side (its remote side, else its server) answered: sent any
/// packet, and for TCP one with more than RST and ACK (a reset refuses, it does not answer).
pub fn answered(f: &Flow, remote: Option<Side>) -> bool {
    let back = match remote {
        Some(Side::Client) => 0,
        _ => 1,
    };
    let refused_only = f.protocol == 6
        && f.tcp_flags[back] & !(TcpFlags::RST | TcpFlags::ACK) == 0
        && f.tcp_flags[back] & TcpFlags::RST != 0;
    f.packets[back] > 0 && !refused_only
}

/// The Community ID v1 (seed 0, the default of Zeek, Suricata and Arkime) of a flow.
pub fn community_id_of(f: &Flow) -> String {
    crate::flow::flow_community_id(0, f)
}

/// A flow's record: its names (`names`, taken out of `naming`) and its service and hostname.
pub fn flow_report(
    f: &Flow,
    naming: &FlowNaming,
    names: Option<NamesReport>,
    rtt: Option<&FlowRtt>,
    options: &Options,
    digits: u8,
    answer: FlowAnswerReport,
) -> FlowReport {
    let scope = options.inside.scope(f);
    let remote = scope.remote_side();
    FlowReport {
        id: f.id,
        community_id: community_id_of(f),
        transport: TransportName::of(f.protocol),
        ip_protocol: f.protocol,
        client: endpoint(&f.client, f.has_ports),
        server: endpoint(&f.server, f.has_ports),
        client_by: f.client_by,
        scope,
        remote,
        address: remote_ip(f, remote).map(|ip| ip.to_string()),
        packets: Directions {
            to_server: f.packets[0],
            to_client: f.packets[1],
        },
        bytes: Directions {
            to_server: f.bytes[0],
            to_client: f.bytes[1],
        },
        payload: Directions {
            to_server: f.payload[0],
            to_client: f.payload[1],
        },
        control: None,
        answer,
        tcp_flags: (f.protocol == 6).then(|| FlagsReport {
            to_server: flags(f.tcp_flags[0]),
            to_client: flags(f.tcp_flags[1]),
        }),
        fragments: f.fragments,
        capture_gaps: (f.capture_gaps != [0, 0]).then(|| Directions {
            to_server: u64::from(f.capture_gaps[0]),
            to_client: u64::from(f.capture_gaps[1]),
        }),
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
        end: f.end.unwrap_or(crate::flow::FlowEnd::EndOfCapture),
        hostname: naming.hostname.clone(),
        service: naming.service.clone(),
        names,
        rtt: rtt_report(f, rtt, remote),
    }
}
