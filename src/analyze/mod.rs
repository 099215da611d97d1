//! The pipeline: capture → decode → fragments → flow table (names and round trips on the
//! first packets) → each flow as it ends (`ended`): its names and service, its remote address
//! in the per-address table (`place::addresses`: placement, physics) → the summary and the
//! outputs (`Sink`: the JSON report, NDJSON records, Parquet). Addresses the table writes out
//! (when full, or at the end) go to the summary and the outputs the same way. `collect` runs
//! the same pipeline keeping every record in memory, for tests and benchmarks. With more than
//! one thread, everything after a flow's names runs on a thread of its own (`handoff`).
//!
//! Per packet this does no allocation (new flows aside) and copies no packet bytes; everything
//! after the flow table runs once per flow as it ends, and once per address as it is written
//! out. Memory is the open flows, the per-address table and the named caps of each stage,
//! never the number of finished flows. Flows reach the outputs in the order they end (see
//! `FlowTable::take_ended`), so the same input gives the same outputs, byte for byte.
//! Documented in docs/architecture.md.

pub mod collect;
mod ended;
mod feed;
mod handoff;

pub use collect::{Collected, collect};
pub use ended::{Ended, InputInfo, Sink};
pub use feed::{Feed, FeedEnd};

use crate::decode::{self, Transport};
use crate::flow::{
    Endpoint, FlowPacket, FlowTable, FragmentTracker, Inside, PacketMeta, PacketRef, Timeouts,
};
use crate::names::Namer;
use crate::place::addresses::{AddressBook, DEFAULT_MAX_ADDRESSES};
use crate::rtt::RttTracker;
use crate::source::{Capture, Damage, DamageKind, Format, LinkType};
use crate::timestamp::Timestamp;
use std::collections::BTreeMap;
use std::io::Read;
use std::path::PathBuf;

/// Flows held open at once by default. An open flow costs about 250 bytes in the flow table
/// and as much again in the first-packet stages (names, round trips), so a million is about
/// 500 MB; a busy office mirror port has tens of thousands alive at once.
pub const DEFAULT_MAX_FLOWS: usize = 1_000_000;

/// What the user chose.
#[derive(Clone, Debug)]
pub struct Options {
    pub inside: Inside,
    pub timeouts: Timeouts,
    pub max_flows: usize,
    /// Remote addresses held at once in the per-address table.
    pub max_addresses: usize,
    /// The site of each input, by input index: inputs of different sites never share a flow.
    /// Empty: every input is one site (rotated parts of one capture).
    pub sites: Vec<u32>,
    /// Threads the run may use (at least 1). The outputs do not depend on it.
    pub threads: usize,
    /// The sensor's name (`--sensor`): in the report's settings and every per-flow record
    /// (`observer.name`), so that records of many sensors can be told apart when merged.
    pub sensor: Option<String>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            inside: Inside::default_nets(),
            timeouts: Timeouts::default(),
            max_flows: DEFAULT_MAX_FLOWS,
            max_addresses: DEFAULT_MAX_ADDRESSES,
            sites: Vec::new(),
            threads: 1,
            sensor: None,
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
    /// Capture records skipped without stopping the reader. Always 0: every record the
    /// readers cannot place (a pcapng packet block naming an undescribed interface, or
    /// claiming more bytes than it holds) is damage that stops them, as in Wireshark. The
    /// report keeps the field.
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
    /// Problems that did not stop the reading (e.g. rotated parts out of order).
    pub warnings: Vec<String>,
    /// An earlier input with the same SHA-256: this one was not read.
    pub duplicate_of: Option<u32>,
    /// Reading stopped before the end on request (the signal's name).
    pub stopped: Option<&'static str>,
    /// A live capture's interface, settings and counters (`residency live`).
    pub live: Option<crate::report::LiveReport>,
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

/// Why reading stopped before the end of the inputs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Stop {
    /// A signal asked to stop (`SIGINT`, `SIGTERM`).
    Interrupted(&'static str),
}

/// What the pipeline needs besides the packets: the user's options and the tables it places
/// and names with.
pub struct Context<'c> {
    pub options: &'c Options,
    pub placer: &'c crate::place::Placer,
    pub physics: &'c crate::place::physics::Physics,
    pub catalog: &'c crate::services::Catalog,
    /// Judge each flow's address as of the flow's end, for outputs whose records stand alone
    /// (NDJSON, Parquet); the report judges each address once, when it is written out.
    pub judge_per_flow: bool,
    /// Reverse DNS for unnamed addresses (`--resolve`).
    pub resolve: Option<crate::names::resolve::PtrConfig>,
}

/// The pipeline's state across inputs: feed it captures in order, then `finish`. Its two
/// halves (`handoff`): the front reads packets through the stages, the back places, judges,
/// counts and writes the flows that end.
pub struct Analyzer<'c> {
    ctx: Context<'c>,
    front: Front,
    back: ended::Back,
    inputs: Vec<InputSummary>,
}

/// The front half: the per-packet stages.
struct Front {
    stages: Stages,
    /// Flows that ended so far (for progress displays).
    flows_ended: u64,
}

/// How far [`Analyzer::read`] has come: handed to its `stop` callback after every packet, for
/// progress displays. Cheap to make: counters only.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Progress {
    /// Bytes of the input consumed so far.
    pub bytes: u64,
    /// Packets of the input read so far.
    pub packets: u64,
    /// Flows open now, and flows ended so far over all inputs.
    pub open_flows: usize,
    pub flows_ended: u64,
}

impl<'c> Analyzer<'c> {
    /// `top`: rows the terminal's lists keep.
    pub fn new(ctx: Context<'c>, top: usize) -> Self {
        Analyzer {
            front: Front {
                stages: Stages::new(ctx.options),
                flows_ended: 0,
            },
            back: ended::Back {
                addresses: {
                    let mut book = AddressBook::new(ctx.options.max_addresses);
                    book.set_threads(ctx.options.threads);
                    book
                },
                summary: crate::report::summary::SummaryBuilder::new(ctx.placer.home.clone(), top),
                resolve: ended::Resolving::default(),
                infos: Vec::new(),
                ticks: Vec::new(),
                digits: 0,
            },
            inputs: Vec::new(),
            ctx,
        }
    }

    /// What the outputs know of the next input (the one `self.inputs` gets next).
    fn input_info(&self, path: &std::path::Path, sha256: Option<String>) -> ended::InputInfo {
        let index = u32::try_from(self.inputs.len()).unwrap_or(u32::MAX);
        let physics = self.ctx.physics;
        ended::InputInfo {
            index,
            path: path.display().to_string(),
            sha256,
            location: physics
                .vantage_of(index)
                .and_then(|j| physics.judges.get(j))
                .and_then(|judge| judge.vantage.point()),
        }
    }

    /// Record an input that is not read: the same bytes (same SHA-256) as input `of`.
    pub fn skip_duplicate<R: Read>(
        &mut self,
        path: &std::path::Path,
        capture: &Capture<R>,
        of: usize,
    ) {
        let sha256 = capture.sha256_upfront().map(str::to_string);
        self.back.ticks.push(tick(capture.precision_digits()));
        let info = self.input_info(path, sha256.clone());
        self.back.infos.push(info);
        self.inputs.push(InputSummary {
            path: path.to_owned(),
            sha256,
            size: capture.size_upfront().unwrap_or(0),
            format: capture.format(),
            link_types: capture.link_types(),
            packets: 0,
            first_packet: None,
            last_packet: None,
            precision: capture.precision_digits(),
            damage: None,
            skipped: Skipped::default(),
            warnings: Vec::new(),
            duplicate_of: u32::try_from(of).ok(),
            stopped: None,
            live: None,
        });
    }

    /// Read one capture to its end, its damage, or until `stop` says so. `path` names it in
    /// the report; `sha256` is its hash when known before reading (a regular file). Flows
    /// that end go to `sink`; an error of the sink stops the reading and is returned. `stop`
    /// is asked after every packet, with how far the read has come.
    pub fn read<R: Read>(
        &mut self,
        path: &std::path::Path,
        sha256: Option<&str>,
        mut capture: Capture<R>,
        sink: &mut dyn Sink,
        stop: &mut dyn FnMut(&Progress) -> Option<Stop>,
    ) -> Result<Option<Stop>, std::io::Error> {
        let mut feed = self.begin(path, sha256, capture.precision_digits());
        let mut stopped = None;
        let Analyzer {
            ctx, front, back, ..
        } = self;
        // Reading goes on here; the flows that end go to the back half (`handoff`).
        let result = handoff::run(ctx, front, back, sink, |front, out| {
            while let Some(packet) = capture.next_packet() {
                front.feed(&mut feed, &packet);
                // A pcapng file can add a finer clock as it goes.
                feed.set_digits(capture.precision_digits());
                front.flush(&feed, ctx.catalog, out)?;
                let progress = Progress {
                    bytes: capture.offset(),
                    packets: feed.packets(),
                    open_flows: front.stages.table.active_len(),
                    flows_ended: front.flows_ended,
                };
                if let Some(s) = stop(&progress) {
                    stopped = Some(s);
                    break;
                }
            }
            Ok(())
        });
        feed.set_digits(capture.precision_digits());
        let packets = feed.packets();
        let first = feed.first_packet();
        let mut damage = capture.damage().cloned();
        let digest = if stopped.is_none() && result.is_ok() {
            capture.finish()
        } else {
            // Reading stopped: the hash and size are those taken before reading, if any (a
            // hash still being computed on another thread is waited for).
            crate::source::Digest {
                sha256: capture.wait_sha256().map(str::to_string),
                size: capture.size_upfront().unwrap_or(0),
                error: None,
            }
        };
        if let (None, Some(error)) = (&damage, &digest.error) {
            // Every packet was read, but the rest of the file (for the digest) was not.
            damage = Some(Damage {
                kind: DamageKind::Io,
                offset: digest.size,
                packet: packets + 1,
                message: error.to_string(),
            });
        }
        let mut warnings = Vec::new();
        // A pipe's hash is known only now: the same bytes as an earlier input were counted
        // again (a regular file given twice is caught before reading, and not read).
        if sha256.is_none()
            && let Some(s) = digest.sha256.as_deref()
            && let Some(of) = self
                .inputs
                .iter()
                .position(|i| i.sha256.as_deref() == Some(s))
        {
            warnings.push(format!(
                "it has the same SHA-256 as input {of}: its packets were counted again (a pipe is known to repeat an input only once read; give each capture once)"
            ));
        }
        if let Some(Stop::Interrupted(signal)) = stopped {
            warnings.push(format!(
                "reading stopped by {signal} after packet {packets}: the report covers the file up to there"
            ));
        }
        let site = |i: usize| self.ctx.options.sites.get(i).copied().unwrap_or(0);
        let this_site = site(self.inputs.len());
        if let Some((i, prev)) = self
            .inputs
            .iter()
            .enumerate()
            .rev()
            .find(|(i, p)| site(*i) == this_site && p.duplicate_of.is_none())
            && let (Some(prev_last), Some(first)) = (prev.last_packet, first)
            && first < prev_last
        {
            warnings.push(format!(
                "its first packet is older than the last packet of input {i} ({}): rotated parts given out of order split the flows that span them; give the parts in capture order",
                prev.path.display()
            ));
        }
        let end = FeedEnd {
            sha256: sha256.map(str::to_string).or(digest.sha256),
            size: digest.size,
            format: capture.format(),
            link_types: capture.link_types(),
            damage,
            warnings,
            stopped: stopped.map(|Stop::Interrupted(s)| s),
            live: None,
        };
        self.end(feed, path, end);
        result.map(|()| stopped)
    }

    /// Whether records of single flows are judged and written (NDJSON, Parquet): they name
    /// their input's hash, so it must be known before the input is read.
    pub fn judges_per_flow(&self) -> bool {
        self.ctx.judge_per_flow
    }

    /// The inputs read so far.
    pub fn inputs(&self) -> &[InputSummary] {
        &self.inputs
    }

    /// Release waiting fragments, close every flow and write out every address; returns the
    /// report (head, inputs, summary) for the writers' tails.
    pub fn finish(
        mut self,
        sink: &mut dyn Sink,
        interrupted_by: Option<&'static str>,
    ) -> Result<crate::report::Report, std::io::Error> {
        self.close(sink)?;
        Ok(self.into_report(interrupted_by))
    }

    /// The first half of [`finish`](Self::finish): release waiting fragments, close every
    /// flow and write out every address to `sink`. A live capture finishes its files between
    /// the two halves, so that the report can name them.
    pub fn close(&mut self, sink: &mut dyn Sink) -> Result<(), std::io::Error> {
        let Analyzer {
            ctx, front, back, ..
        } = self;
        // Both halves on this thread: at the close there is no reading to overlap, and
        // measured, a second thread closing 30,000 flows at once was no faster and peaked 8 MB
        // higher (what one thread freed, the other could not reuse).
        let out = &mut handoff::Handoff::Direct {
            back,
            ctx,
            sink: &mut *sink,
        };
        let Stages {
            table, fragments, ..
        } = &mut front.stages;
        fragments.flush(|p| {
            table.add(p);
        });
        front.drain(None, ctx.catalog, out)?;
        // A batch at a time: the whole table never waits in a second list.
        while front.stages.table.close_batch(CLOSE_BATCH) {
            front.drain(None, ctx.catalog, out)?;
        }
        front.drain(None, ctx.catalog, out)?;
        sink.flows_done()?;
        while back
            .addresses
            .close_batch(ADDRESS_CLOSE_BATCH, ctx.placer, ctx.physics)
        {
            back.drain_addresses(ctx, sink)?;
        }
        back.drain_addresses(ctx, sink)
    }

    /// The second half of [`finish`](Self::finish): the report of what was closed.
    pub fn into_report(mut self, interrupted_by: Option<&'static str>) -> crate::report::Report {
        let builder = std::mem::replace(
            &mut self.back.summary,
            crate::report::summary::SummaryBuilder::new(None, 0),
        );
        let incomplete = self.incomplete(&self.inputs, interrupted_by);
        let end = self.run_end(&self.inputs, incomplete, interrupted_by);
        let summary = builder.finish(end);
        self.report(summary, &self.inputs)
    }

    /// Why a report of `inputs` is not complete.
    fn incomplete(
        &self,
        inputs: &[InputSummary],
        interrupted_by: Option<&'static str>,
    ) -> Vec<crate::report::Incomplete> {
        use crate::report::Incomplete;
        let mut incomplete = Vec::new();
        if inputs.iter().any(|i| i.damage.is_some()) {
            incomplete.push(Incomplete::DamagedInput);
        }
        if interrupted_by.is_some() {
            incomplete.push(Incomplete::Interrupted);
        }
        if inputs
            .iter()
            .filter_map(|i| i.live.as_ref())
            .any(|l| l.dropped + l.if_dropped > 0)
        {
            incomplete.push(Incomplete::DroppedPackets);
        }
        incomplete
    }

    /// What the summary needs from the stages, as they are now.
    fn run_end<'i>(
        &'i self,
        inputs: &'i [InputSummary],
        incomplete: Vec<crate::report::Incomplete>,
        interrupted_by: Option<&'static str>,
    ) -> crate::report::summary::RunEnd<'i> {
        crate::report::summary::RunEnd {
            inputs,
            incomplete,
            interrupted_by,
            digits: if self.back.digits == 0 {
                6
            } else {
                self.back.digits
            },
            max_flows: self.ctx.options.max_flows,
            open_flows: self.front.stages.table.active_len(),
            table: self.front.stages.table.stats(),
            addresses: self.back.addresses.stats(),
            max_addresses: self.back.addresses.max(),
            fragments: self.front.stages.fragments.stats(),
            capture_loss: self.front.stages.table.capture_loss(),
            names: self.front.stages.namer.stats(),
            dns_cache: self.front.stages.namer.answers().stats(),
            rtt: self.front.stages.rtt.stats(),
            physics: self.ctx.physics,
        }
    }

    /// The report: head, inputs and `summary`.
    fn report(
        &self,
        summary: crate::report::Summary,
        inputs: &[InputSummary],
    ) -> crate::report::Report {
        crate::report::Report {
            head: crate::report::record::head(self.ctx.options, self.ctx.placer, self.ctx.catalog),
            resolve: self.back.resolve.report(),
            inputs: inputs
                .iter()
                .map(crate::report::record::input_report)
                .collect(),
            summary,
        }
    }
}

/// Flows closed at a time at the end of input (`FlowTable::close_batch`).
const CLOSE_BATCH: usize = 4096;

/// Addresses written out at a time at the end of input (`AddressBook::close_batch`). A
/// written-out address's report is several kilobytes (its countries within reach, each
/// database's claim), and a batch waits whole before the outputs take it: 4,096 of them
/// would hold 30 MB at once; 256 hold 2 MB, and still give each core 128 to judge.
const ADDRESS_CLOSE_BATCH: usize = 256;

/// One tick of a clock with `digits` fractional digits, ns.
fn tick(digits: u8) -> u64 {
    10u64.pow(9 - u32::from(digits.min(9)))
}

/// What the flow table is handed for a decoded packet. Public for benchmarks that time the
/// table alone.
pub fn packet_meta(d: &decode::Decoded<'_>, ts: Timestamp, at: PacketRef) -> PacketMeta {
    let (src_port, dst_port, tcp_flags, has_ports, seq, ack) = match d.transport {
        Transport::Tcp {
            src_port,
            dst_port,
            flags,
            seq,
            ack,
            ..
        } => (src_port, dst_port, Some(flags), true, seq, ack),
        Transport::Udp {
            src_port, dst_port, ..
        } => (src_port, dst_port, None, true, 0, 0),
        Transport::Icmp { .. } | Transport::Other => (0, 0, None, false, 0, 0),
    };
    PacketMeta {
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
        payload_len: d.payload_len,
        tcp_flags,
        seq,
        ack,
        fragment: d.fragment.is_some(),
        at,
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
    let meta = packet_meta(d, ts, at);
    // One packet type for both stages; the round-trip stage does not look at `opened`.
    let seen = |flow, opened, partial| FlowPacket {
        flow,
        opened,
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
            rtt.packet(&seen(flow, opened, d.cut));
        }
        // A first fragment carries the transport header and the start of the payload: enough
        // for a DNS response's question and first answers (large answers fragment), so the
        // names stage sees it as a partial payload.
        Some(f) => fragments.fragment(meta, f.id, f.is_first(), |p| {
            let (flow, opened) = table.add_opened(p);
            if f.is_first() && p.at == at {
                namer.packet(&seen(flow, opened, true));
                rtt.packet(&seen(flow, opened, true));
            }
        }),
    }
}

/// The core can move to another thread (a later reader + workers design): every stage is
/// `Send`, and the tables it reads are `Sync`.
#[cfg(test)]
mod send {
    fn send<T: Send>() {}
    fn sync<T: Sync>() {}

    #[test]
    fn stages_are_send() {
        send::<super::Stages>();
        send::<super::Analyzer<'static>>();
        send::<crate::place::addresses::AddressBook>();
        send::<crate::report::summary::SummaryBuilder>();
        sync::<crate::place::Placer>();
        sync::<crate::place::physics::Physics>();
        sync::<crate::services::Catalog>();
    }
}
