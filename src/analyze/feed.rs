//! Packets one at a time: the part of the pipeline that a capture file and a live interface
//! share. A file is read by [`Analyzer::read`](super::Analyzer::read), which feeds each of its
//! packets here; `residency live` feeds the packets libpcap hands it the same way. After the
//! packet source, there is one code path.
//!
//! A running capture can also be reported before it ends ([`Analyzer::snapshot`]): the
//! summary of the flows ended so far and of the addresses held now, without closing anything.

use super::handoff::Handoff;
use super::{Analyzer, Front, InputSummary, Sink, Skipped, count, tick};
use crate::decode::{self, Skip};
use crate::flow::PacketRef;
use crate::report::{Incomplete, Report};
use crate::services::Catalog;
use crate::source::{Damage, Format, LinkType, Packet};
use crate::timestamp::Timestamp;
use std::path::Path;

/// An input being fed packet by packet: what is counted of it so far.
#[derive(Clone, Debug)]
pub struct Feed {
    input: u32,
    packets: u64,
    first: Option<Timestamp>,
    last: Option<Timestamp>,
    skipped: Skipped,
    /// Fractional digits of its timestamps.
    digits: u8,
}

impl Feed {
    /// Packets fed so far.
    pub fn packets(&self) -> u64 {
        self.packets
    }

    /// The earliest capture time fed so far.
    pub fn first_packet(&self) -> Option<Timestamp> {
        self.first
    }

    /// The latest capture time fed so far.
    pub fn last_packet(&self) -> Option<Timestamp> {
        self.last
    }

    /// The input's index in the report's `inputs`.
    pub fn input(&self) -> u32 {
        self.input
    }

    /// Set the timestamps' fractional digits (a pcapng file can add an interface with a finer
    /// clock as it goes).
    pub fn set_digits(&mut self, digits: u8) {
        self.digits = digits;
    }
}

/// What is known of an input once it ends (besides what was counted while feeding it).
#[derive(Clone, Debug)]
pub struct FeedEnd {
    pub sha256: Option<String>,
    pub size: u64,
    pub format: Format,
    pub link_types: Vec<LinkType>,
    pub damage: Option<Damage>,
    pub warnings: Vec<String>,
    /// Reading stopped before the end on request (the signal's name).
    pub stopped: Option<&'static str>,
    /// A live capture's interface, settings and counters.
    pub live: Option<crate::report::LiveReport>,
}

impl Analyzer<'_> {
    /// Start an input: `path` names it in the report (a live capture's interface, as
    /// `live:IF`), `sha256` is its hash when known before reading, `digits` the fractional
    /// digits of its timestamps.
    pub fn begin(&mut self, path: &Path, sha256: Option<&str>, digits: u8) -> Feed {
        let input = u32::try_from(self.inputs.len()).unwrap_or(u32::MAX);
        let info = self.input_info(path, sha256.map(str::to_string));
        self.back.infos.push(info);
        self.back.ticks.push(tick(digits));
        Feed {
            input,
            packets: 0,
            first: None,
            last: None,
            skipped: Skipped::default(),
            digits,
        }
    }

    /// One packet of the input `feed` was begun for; then [`flush`](Self::flush) hands the
    /// flows it ended to the outputs. Two steps so that a file reader can tell the clock of
    /// an interface it met with this packet before the flows are written.
    pub fn feed(&mut self, feed: &mut Feed, packet: &Packet<'_>) {
        self.front.feed(feed, packet);
    }

    /// Take `feed`'s clock as the one flows are written with from now on (a live capture
    /// calls it before [`close`](Self::close), since its input ends after).
    pub fn settle(&mut self, feed: &Feed) {
        self.back.set_precision(feed.input, feed.digits);
    }

    /// Hand the flows that ended to `sink` (an error of the sink is returned), on this thread.
    pub fn flush(&mut self, feed: &Feed, sink: &mut dyn Sink) -> std::io::Result<()> {
        let mut out = Handoff::Direct {
            back: &mut self.back,
            ctx: &self.ctx,
            sink,
        };
        self.front.flush(feed, self.ctx.catalog, &mut out)
    }

    /// End the input `feed` was begun for: it joins the report's `inputs`.
    pub fn end(&mut self, feed: Feed, path: &Path, end: FeedEnd) {
        self.back.set_precision(feed.input, feed.digits);
        if let Some(info) = self.back.infos.last_mut()
            && info.sha256.is_none()
        {
            info.sha256.clone_from(&end.sha256);
        }
        self.inputs.push(self.summary_of(&feed, path, end));
    }

    /// The input summary `feed` would get if it ended now with `end`.
    pub fn summary_of(&self, feed: &Feed, path: &Path, end: FeedEnd) -> InputSummary {
        InputSummary {
            path: path.to_owned(),
            sha256: end.sha256,
            size: end.size,
            format: end.format,
            link_types: end.link_types,
            packets: feed.packets,
            first_packet: feed.first,
            last_packet: feed.last,
            precision: feed.digits,
            damage: end.damage,
            skipped: feed.skipped.clone(),
            warnings: end.warnings,
            duplicate_of: None,
            stopped: end.stopped,
            live: end.live,
        }
    }

    /// The capture-loss estimate's running totals (TCP ACKs checked, gaps, bytes missing).
    pub fn capture_loss(&self) -> crate::flow::loss::LossCounts {
        self.front.stages.table.capture_loss().totals
    }

    /// Flows open now (not yet ended).
    pub fn open_flows(&self) -> usize {
        self.front.stages.table.active_len()
    }

    /// The report of a run still going: flows ended so far, every address held now (judged as
    /// if written out, but kept), and `current`, the input still being read. Nothing is
    /// closed or written out; `summary.incomplete` says `running`, and
    /// `summary.flow_table.open` counts the flows not yet in it. Costs a pass over the
    /// per-address table: for reports minutes apart.
    pub fn snapshot(&mut self, current: Option<InputSummary>) -> Report {
        let mut summary = self.back.summary.clone();
        for a in self.back.addresses.peek(self.ctx.placer, self.ctx.physics) {
            summary.address(&a);
        }
        let mut inputs = self.inputs.clone();
        inputs.extend(current);
        let mut incomplete = self.incomplete(&inputs, None);
        incomplete.push(Incomplete::Running);
        incomplete.sort_unstable();
        let end = self.run_end(&inputs, incomplete, None);
        let summary = summary.finish(end);
        self.report(summary, &inputs)
    }
}

impl Front {
    /// One packet through decoding and the per-packet stages.
    pub(super) fn feed(&mut self, feed: &mut Feed, packet: &Packet<'_>) {
        feed.packets += 1;
        feed.first = Some(feed.first.map_or(packet.ts, |f| f.min(packet.ts)));
        feed.last = Some(feed.last.map_or(packet.ts, |l| l.max(packet.ts)));
        let at = PacketRef {
            input: feed.input,
            number: packet.number,
        };
        let missing = packet.wire_len.saturating_sub(packet.data.len() as u32);
        match decode::decode(packet.link_type, packet.data, missing) {
            Ok(d) => count(&d, packet.ts, at, &mut self.stages),
            Err(Skip::NotIp) => feed.skipped.non_ip += 1,
            Err(Skip::UnsupportedLink) => feed.skipped.unsupported_link += 1,
            Err(Skip::Malformed(why)) => *feed.skipped.malformed.entry(why).or_default() += 1,
        }
    }

    /// Hand the flows that ended to `out`, with `feed`'s clock.
    pub(super) fn flush(
        &mut self,
        feed: &Feed,
        catalog: &Catalog,
        out: &mut Handoff<'_, '_>,
    ) -> std::io::Result<()> {
        if self.stages.table.has_ended() {
            self.drain(Some((feed.input, feed.digits)), catalog, out)?;
        }
        Ok(())
    }
}
