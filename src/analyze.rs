//! The offline pipeline: capture files → decode → fragments → flow table.
//!
//! Per packet this does no allocation (new flows aside) and copies no packet bytes; everything
//! after the flow table runs once per flow when the report is built.

use crate::decode::{self, Skip, Transport};
use crate::flow::{
    Endpoint, Flow, FlowTable, FragmentStats, FragmentTracker, Inside, PacketMeta, PacketRef,
    TableStats, Timeouts,
};
use crate::names::{Namer, Names, Seen};
use crate::rtt::{self, RttTracker, Rtts};
use crate::source::{self, Capture, Damage, DamageKind, Format, LinkType, OpenError};
use crate::timestamp::Timestamp;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};

/// Flows held open at once by default. A flow costs about 250 bytes, so a million is ~250 MB;
/// a busy office mirror port has tens of thousands alive at once.
pub const DEFAULT_MAX_FLOWS: usize = 1_000_000;

/// What the user chose.
#[derive(Clone, Debug)]
pub struct Options {
    pub inside: Inside,
    pub timeouts: Timeouts,
    pub max_flows: usize,
    /// The site of each input, by input index: inputs of different sites never share a flow.
    /// Empty: every input is one site (rotated parts of one capture).
    pub sites: Vec<u32>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            inside: Inside::default_nets(),
            timeouts: Timeouts::default(),
            max_flows: DEFAULT_MAX_FLOWS,
            sites: Vec::new(),
        }
    }
}

/// Packets that did not become part of a flow, by reason.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Skipped {
    /// Frames without IP (ARP, LLDP, spanning tree, ...).
    pub non_ip: u64,
    /// Frames of a link type this tool does not read.
    pub unsupported_link: u64,
    /// Frames whose headers contradict themselves, by the first problem found.
    pub malformed: BTreeMap<&'static str, u64>,
    /// Capture records that could not be placed (e.g. a pcapng packet naming an undescribed
    /// interface).
    pub invalid_record: u64,
}

impl Skipped {
    pub fn malformed_total(&self) -> u64 {
        self.malformed.values().sum()
    }
}

/// One input file after reading.
#[derive(Clone, Debug)]
pub struct InputSummary {
    pub path: PathBuf,
    /// SHA-256 of the whole file; `None` when it could not be read to its end.
    pub sha256: Option<String>,
    pub size: u64,
    pub format: Format,
    pub link_types: Vec<LinkType>,
    pub packets: u64,
    pub first_packet: Option<Timestamp>,
    pub last_packet: Option<Timestamp>,
    /// Fractional digits of its timestamps.
    pub precision: u8,
    pub damage: Option<Damage>,
    pub skipped: Skipped,
}

/// Everything the report is built from.
#[derive(Debug)]
pub struct Analysis {
    pub inputs: Vec<InputSummary>,
    pub flows: Vec<Flow>,
    pub table: TableStats,
    pub fragments: FragmentStats,
    /// Names read from the packets: per-flow facts and the DNS answers.
    pub names: Names,
    /// Round-trip samples per flow.
    pub rtts: Rtts,
}

impl Analysis {
    /// True when some input could not be read to its end.
    pub fn is_partial(&self) -> bool {
        self.inputs.iter().any(|i| i.damage.is_some())
    }
}

/// Analyse capture files in order, as one stream (rotated parts of one capture join up).
/// `-` reads a capture from standard input (`tcpdump -w - | residency analyze -`).
/// Fails before reading any packet if a file cannot be opened or is not a capture.
pub fn analyze(paths: &[PathBuf], options: &Options) -> Result<Analysis, OpenError> {
    let is_stdin = |p: &Path| p.as_os_str() == "-";
    for path in paths.iter().filter(|p| !is_stdin(p)) {
        source::open(path)?;
    }
    let mut analyzer = Analyzer::new(options);
    for path in paths {
        if is_stdin(path) {
            let capture =
                Capture::new(std::io::stdin().lock()).map_err(|e| source::header_error(path, e))?;
            analyzer.read(path, capture);
        } else {
            analyzer.read(path, source::open(path)?);
        }
    }
    Ok(analyzer.finish())
}

/// The per-packet stages: each packet goes through all of them (`count`).
pub struct Stages {
    pub table: FlowTable,
    pub fragments: FragmentTracker,
    pub namer: Namer,
    pub rtt: RttTracker,
}

impl Stages {
    pub fn new(options: &Options) -> Self {
        Stages {
            table: FlowTable::new(options.max_flows, options.timeouts)
                .with_sites(options.sites.clone()),
            fragments: FragmentTracker::new(),
            namer: Namer::new(),
            rtt: RttTracker::new(),
        }
    }
}

/// The pipeline's state across inputs: feed it captures in order, then finish.
pub struct Analyzer {
    stages: Stages,
    inputs: Vec<InputSummary>,
}

impl Analyzer {
    pub fn new(options: &Options) -> Self {
        Analyzer {
            stages: Stages::new(options),
            inputs: Vec::new(),
        }
    }

    /// Read one capture to its end (or its damage). `path` names it in the report.
    pub fn read<R: Read>(&mut self, path: &Path, mut capture: Capture<R>) {
        let input = u32::try_from(self.inputs.len()).unwrap_or(u32::MAX);
        let mut skipped = Skipped::default();
        let (mut packets, mut first, mut last) = (0u64, None::<Timestamp>, None::<Timestamp>);
        while let Some(packet) = capture.next_packet() {
            packets += 1;
            first = Some(first.map_or(packet.ts, |f| f.min(packet.ts)));
            last = Some(last.map_or(packet.ts, |l| l.max(packet.ts)));
            let at = PacketRef {
                input,
                number: packet.number,
            };
            let missing = packet.wire_len.saturating_sub(packet.data.len() as u32);
            match decode::decode(packet.link_type, packet.data, missing) {
                Ok(d) => count(&d, packet.ts, at, &mut self.stages),
                Err(Skip::NotIp) => skipped.non_ip += 1,
                Err(Skip::UnsupportedLink) => skipped.unsupported_link += 1,
                Err(Skip::Malformed(why)) => *skipped.malformed.entry(why).or_default() += 1,
            }
        }
        skipped.invalid_record = capture.invalid_records();
        let mut damage = capture.damage().cloned();
        let digest = capture.finish();
        if let (None, Some(error)) = (&damage, &digest.error) {
            // Every packet was read, but the rest of the file (for the digest) was not.
            damage = Some(Damage {
                kind: DamageKind::Io,
                offset: digest.size,
                packet: packets + 1,
                message: error.to_string(),
            });
        }
        self.inputs.push(InputSummary {
            path: path.to_owned(),
            sha256: digest.sha256,
            size: digest.size,
            format: capture.format(),
            link_types: capture.link_types(),
            packets,
            first_packet: first,
            last_packet: last,
            precision: capture.precision_digits(),
            damage,
            skipped,
        });
    }

    /// Release waiting fragments, close every flow, and hand over the result.
    pub fn finish(self) -> Analysis {
        let Stages {
            mut table,
            mut fragments,
            namer,
            rtt,
        } = self.stages;
        fragments.flush(|p| {
            table.add(p);
        });
        let fragments = fragments.stats();
        let (flows, table_stats) = table.finish();
        Analysis {
            inputs: self.inputs,
            flows,
            table: table_stats,
            fragments,
            names: namer.finish(),
            rtts: rtt.finish(),
        }
    }
}

/// Count one decoded packet into its flow (through the fragment tracker when it is a
/// fragment), and let the names and round-trip stages look at it (a payload the capture cut
/// short is marked partial). Public for benchmarks that time single packets.
pub fn count(d: &decode::Decoded<'_>, ts: Timestamp, at: PacketRef, stages: &mut Stages) {
    let Stages {
        table,
        fragments,
        namer,
        rtt,
    } = stages;
    let (src_port, dst_port, tcp_flags, has_ports) = match d.transport {
        Transport::Tcp {
            src_port,
            dst_port,
            flags,
            ..
        } => (src_port, dst_port, Some(flags), true),
        Transport::Udp {
            src_port, dst_port, ..
        } => (src_port, dst_port, None, true),
        Transport::Icmp { .. } | Transport::Other => (0, 0, None, false),
    };
    let meta = PacketMeta {
        ts,
        protocol: d.protocol,
        src: Endpoint {
            ip: d.src,
            port: src_port,
        },
        dst: Endpoint {
            ip: d.dst,
            port: dst_port,
        },
        has_ports,
        ip_len: d.ip_len,
        tcp_flags,
        fragment: d.fragment.is_some(),
        at,
    };
    let seen = |flow, opened, partial| Seen {
        flow,
        opened,
        src: meta.src,
        dst: meta.dst,
        transport: &d.transport,
        partial,
        ts,
        at,
    };
    let timed = |flow, partial| rtt::Packet {
        flow,
        src: meta.src,
        dst: meta.dst,
        transport: &d.transport,
        partial,
        ts,
        at,
    };
    match d.fragment {
        None => {
            let (flow, opened) = table.add_opened(&meta);
            namer.packet(&seen(flow, opened, d.cut));
            rtt.packet(&timed(flow, d.cut));
        }
        // A first fragment carries the transport header and the start of the payload: enough
        // for a DNS response's question and first answers (large answers fragment), so the
        // names stage sees it as a partial payload.
        Some(f) => fragments.fragment(meta, f.id, f.is_first(), |p| {
            let (flow, opened) = table.add_opened(p);
            if f.is_first() && p.at == at {
                namer.packet(&seen(flow, opened, true));
                rtt.packet(&timed(flow, true));
            }
        }),
    }
}
