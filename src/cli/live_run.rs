//! The live capture loop: open the interface, drop privileges, open the outputs, then feed
//! each packet to the same pipeline `analyze` uses until `--duration`, SIGINT or SIGTERM; a
//! quiet interface still wakes the loop every `READ_TIMEOUT_MS` for signals and timers.

use super::LiveArgs;
use crate::cli::outs::{output_error, print_terminal};
use crate::cli::{EXIT_ERROR, EXIT_OK, EXIT_PARTIAL, EXIT_USAGE};
use anyhow::{Context, Result};
use residency::analyze::{self, Analyzer, FeedEnd, Sink};
use residency::output::{
    AtomicFile, InterfaceInfo, Interrupt, Output, PcapNgOut, Reopen, Rotate, RotatingNdjson,
    refuse_inputs,
};
use residency::place::physics::Physics;
use residency::report::json::JsonReport;
use residency::report::{self, LiveReport};
use residency::source::live::{self, LiveCapture, LiveConfig, Next};
use residency::source::{Format, is_stdin};
use residency::timestamp::Timestamp;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant, SystemTime};

/// How often libpcap's counters are read: often enough that their 32-bit values cannot wrap
/// twice between readings (4.3 billion packets: 4 minutes at 14.9 million a second, a
/// saturated 10 Gbit/s link of the smallest frames).
const COUNTER_EVERY: Duration = Duration::from_secs(1);

pub fn interfaces_cmd() -> Result<u8> {
    let list = live::interfaces()?;
    let stdout = std::io::stdout();
    let mut out = std::io::BufWriter::new(stdout.lock());
    writeln!(out, "{:<16} {:<8} ADDRESSES", "INTERFACE", "STATE")?;
    for i in &list {
        let state = match (i.up, i.running) {
            (true, true) => "up",
            (true, false) => "no-link",
            _ => "down",
        };
        let mut addresses: Vec<String> = i.addresses.iter().map(ToString::to_string).collect();
        if i.loopback {
            addresses.push("(loopback)".into());
        }
        if let Some(d) = &i.description {
            addresses.push(format!("({d})"));
        }
        writeln!(out, "{:<16} {:<8} {}", i.name, state, addresses.join(" "))?;
    }
    out.flush()?;
    Ok(EXIT_OK)
}

pub fn live_cmd(args: LiveArgs) -> Result<u8> {
    let interrupt = Interrupt::install()?;
    let hangup = Reopen::install()?;
    let placer = args.geo.placer()?;
    let physics = Physics::new(
        args.vantage.iter().cloned().collect(),
        1,
        placer.home.as_deref(),
    )?;
    let options = args.analysis.options(Vec::new());
    let catalog = args.analysis.catalog()?;
    if args.report_every.is_some() && args.json.as_deref().is_some_and(is_stdin) {
        eprintln!(
            "residency: error: --report-every rewrites the --json file as it goes; give it a file, not `-`"
        );
        return Ok(EXIT_USAGE);
    }
    let config = LiveConfig {
        interface: args.interface.clone(),
        snaplen: args.snaplen,
        promiscuous: args.promisc,
        buffer_bytes: u64::from(args.buffer_mb) << 20,
        filter: args.bpf.clone(),
    };
    // The interface first, with the privileges it needs; then nothing else is done as root.
    let mut capture = LiveCapture::open(&config)?;
    if let Some(user) = &args.user {
        drop_privileges(user)?;
    }
    let mut named: Vec<(&str, &Path)> = Vec::new();
    if let Some(p) = &args.json {
        named.push(("--json", p));
    }
    if let Some(p) = &args.flows {
        named.push(("--flows", p));
    }
    if let Some(p) = &args.write_pcap {
        named.push(("--write-pcap", p));
    }
    if args.rotate.is_some() && args.flows.is_none() && args.write_pcap.is_none() {
        eprintln!("residency: error: --rotate rotates --flows and --write-pcap; give one of them");
        return Ok(EXIT_USAGE);
    }
    refuse_inputs(&named, &[])?;
    if named.iter().filter(|(_, p)| is_stdin(p)).count() > 1 {
        eprintln!("residency: error: only one output can go to standard output (`-`)");
        return Ok(EXIT_USAGE);
    }
    let stdout_taken = named.iter().any(|(_, p)| is_stdin(p));
    let rotate = args.rotate.unwrap_or(Rotate::Never);
    let digits = capture.precision_digits();
    let mut json = args.json.as_deref().map(Output::open).transpose()?;
    let flows = match &args.flows {
        Some(p) => {
            let mut out = RotatingNdjson::create(p, rotate)?;
            out.set_precision(digits);
            Some(out)
        }
        None => None,
    };
    let mut pcap = match &args.write_pcap {
        Some(p) => {
            let mut interface =
                InterfaceInfo::new(file_link_type(capture.link_type()), args.snaplen);
            interface.name = Some(args.interface.clone());
            interface.filter = args.bpf.clone();
            interface.os = Some(std::env::consts::OS.to_string());
            interface.ts_digits = digits;
            Some(PcapNgOut::create(p, rotate, &interface)?)
        }
        None => None,
    };

    let ctx = analyze::Context {
        options: &options,
        placer: &placer,
        physics: &physics,
        catalog: &catalog,
        judge_per_flow: flows.is_some(),
        resolve: None,
    };
    let top = args.analysis.top;
    let mut analyzer = Analyzer::new(ctx, top);
    let head = report::record::head(&options, &placer, &catalog);
    let sensor = nix::unistd::gethostname()
        .map(|h| h.to_string_lossy().into_owned())
        .unwrap_or_default();
    let input_path = PathBuf::from(format!("live:{}", args.interface));
    let started = wall_clock();
    let mut live_report = LiveReport {
        interface: args.interface.clone(),
        sensor,
        link_type: capture.link_type().name(),
        snaplen: args.snaplen,
        filter: args.bpf.clone(),
        promiscuous: args.promisc,
        buffer_bytes: config.buffer_bytes,
        received: 0,
        dropped: 0,
        if_dropped: 0,
        started: started.clone(),
        stopped: started,
        stopped_by: String::new(),
        pcap_files: Vec::new(),
        flow_files: Vec::new(),
    };
    eprintln!(
        "residency: capturing on {} ({}, snap length {}, filter {}); stop with Ctrl-C",
        args.interface,
        live_report.link_type,
        args.snaplen,
        args.bpf.as_deref().unwrap_or("none"),
    );

    let (report, failure) = {
        let mut outs = LiveOuts {
            json: match json.as_mut() {
                Some(out) => {
                    Some(JsonReport::start(out, &head).map_err(|e| output_error(&args.json, e))?)
                }
                None => None,
            },
            ndjson: flows,
            ended: 0,
        };
        let mut feed = analyzer.begin(&input_path, None, capture.precision_digits());
        let begun = Instant::now();
        let deadline = args.duration.map(|s| begun + Duration::from_secs(s));
        let mut timers = Timers::new(begun, &args);
        let mut status = Status::default();
        let mut failure: Option<anyhow::Error> = None;
        let mut stopping: Option<Stopping> = None;
        let stopped_by = loop {
            match capture.next_packet() {
                Ok(Next::Packet(packet)) => {
                    if let Some(out) = pcap.as_mut()
                        && let Err(e) = out.write_packet(packet.ts, packet.data, packet.wire_len)
                    {
                        failure = Some(e.into());
                        break "error";
                    }
                    analyzer.feed(&mut feed, &packet);
                    if let Err(e) = analyzer.flush(&feed, &mut outs) {
                        failure = Some(anyhow::Error::new(e).context("writing the outputs"));
                        break "error";
                    }
                }
                Ok(Next::Idle) => {}
                Err(e) => {
                    failure = Some(e.into());
                    break "error";
                }
            }
            let now = Instant::now();
            if stopping.is_none() {
                let asked = interrupt
                    .requested()
                    .map(|s| s.name())
                    .or_else(|| deadline.is_some_and(|d| now >= d).then_some("duration"));
                if let Some(reason) = asked {
                    set_counters(&mut live_report, &mut capture);
                    stopping = Some(Stopping::new(reason, &live_report, now));
                }
            }
            if let Some(s) = &stopping
                && s.done(feed.packets(), now)
            {
                break s.reason;
            }
            if hangup.take() {
                let reopened = outs
                    .ndjson
                    .as_mut()
                    .map_or(Ok(()), RotatingNdjson::reopen)
                    .and_then(|()| pcap.as_mut().map_or(Ok(()), PcapNgOut::reopen));
                if let Err(e) = reopened {
                    failure = Some(e.into());
                    break "error";
                }
                eprintln!(
                    "residency: SIGHUP: the current output files are finished; new ones started"
                );
            }
            // While stopping, the counters stay those the packets left to read were taken from.
            if stopping.is_none() && timers.counters.due(now) {
                set_counters(&mut live_report, &mut capture);
            }
            if timers.status.due(now) {
                status.print(&args.interface, &live_report, &analyzer, &feed, outs.ended);
            }
            if timers.report.due(now)
                && let Some(path) = &args.json
            {
                live_report.stopped = wall_clock();
                live_report.stopped_by = "running".into();
                live_report.flow_files = outs
                    .ndjson
                    .as_ref()
                    .map(|o| o.rotating().parts().to_vec())
                    .unwrap_or_default();
                live_report.pcap_files = pcap
                    .as_ref()
                    .map(|o| o.rotating().parts().to_vec())
                    .unwrap_or_default();
                let current = analyzer.summary_of(
                    &feed,
                    &input_path,
                    live_end(&live_report, None, Vec::new(), capture.link_type()),
                );
                let snapshot = analyzer.snapshot(Some(current));
                if let Err(e) = write_snapshot(path, &head, &snapshot) {
                    failure = Some(e);
                    break "error";
                }
            }
        };
        let mut warnings = Vec::new();
        match &stopping {
            Some(s) if stopped_by != "error" => {
                if let Some(w) = s.unread(feed.packets()) {
                    eprintln!("residency: warning: {w}");
                    warnings.push(w);
                }
            }
            _ => set_counters(&mut live_report, &mut capture),
        }
        live_report.stopped = wall_clock();
        live_report.stopped_by = stopped_by.to_string();
        let damage = match &failure {
            Some(e) if stopped_by == "error" => Some(residency::source::Damage::new(
                residency::source::DamageKind::Capture,
                0,
                feed.packets() + 1,
                format!("{e:#}"),
            )),
            _ => None,
        };
        // Every flow is written out before the files are finished, and the files before the
        // report, which names them with their hashes.
        let mut outs = outs;
        analyzer.settle(&feed);
        analyzer.close(&mut outs).context("writing the outputs")?;
        let LiveOuts {
            json: json_sink,
            ndjson,
            ..
        } = outs;
        if let Some(out) = ndjson {
            live_report.flow_files = out.finish()?;
        }
        if let Some(out) = pcap.take() {
            live_report.pcap_files = out.finish()?;
        }
        analyzer.end(
            feed,
            &input_path,
            live_end(&live_report, damage, warnings, capture.link_type()),
        );
        let report = analyzer.into_report(None);
        if let Some(sink) = json_sink {
            sink.finish(&report)
                .map_err(|e| output_error(&args.json, e))?;
        }
        (report, failure)
    };
    if let Some(out) = json {
        out.finish()?;
    }
    if !stdout_taken {
        print_terminal(&report, top)?;
    }
    let live = report.inputs.last().and_then(|i| i.live.as_ref());
    if let Some(l) = live
        && l.dropped + l.if_dropped > 0
    {
        eprintln!(
            "residency: warning: the capture lost packets ({} dropped by the kernel buffer, {} by the interface): every number in the report is a lower bound; a larger --buffer-mb or a narrower --bpf helps",
            l.dropped, l.if_dropped
        );
    }
    if let Some(e) = failure {
        eprintln!("residency: error: {e:#}");
        eprintln!("residency: the outputs cover the packets captured before the error");
        return Ok(EXIT_ERROR);
    }
    let lost = live.is_some_and(|l| l.dropped + l.if_dropped > 0);
    Ok(if lost { EXIT_PARTIAL } else { EXIT_OK })
}

/// The link type as a capture file names it: libpcap hands out DLT_ numbers, which are the
/// file's LINKTYPE_ numbers except for raw IP (DLT_RAW is 12 or 14 by platform, LINKTYPE_RAW
/// is 101).
fn file_link_type(link: residency::source::LinkType) -> residency::source::LinkType {
    use residency::source::LinkType;
    match link {
        LinkType::RAW_12 | LinkType::RAW_14 => LinkType::RAW,
        other => other,
    }
}

/// The live input's end: its counters and files, and the damage that stopped it, if any.
fn live_end(
    live: &LiveReport,
    damage: Option<residency::source::Damage>,
    warnings: Vec<String>,
    link: residency::source::LinkType,
) -> FeedEnd {
    FeedEnd {
        sha256: None,
        size: 0,
        format: Format::Live,
        link_types: vec![link],
        damage,
        warnings,
        stopped: None,
        live: Some(live.clone()),
    }
}

fn set_counters(live: &mut LiveReport, capture: &mut LiveCapture) {
    let c = capture.counters();
    live.received = c.received;
    live.dropped = c.dropped;
    live.if_dropped = c.if_dropped;
}

/// The sensor's clock now, RFC 3339 to the millisecond: when the run started and stopped,
/// which no packet says.
fn wall_clock() -> String {
    let ns = SystemTime::now()
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_nanos()).unwrap_or(i64::MAX))
        .unwrap_or(0);
    Timestamp(ns).rfc3339(3)
}

/// The report so far, written whole to `path` (a temporary file renamed into place).
fn write_snapshot(path: &Path, head: &report::Head, snapshot: &report::Report) -> Result<()> {
    let mut file = AtomicFile::create(path)?;
    JsonReport::start(&mut file, head)
        .and_then(|sink| sink.finish(snapshot))
        .with_context(|| format!("writing {}", path.display()))?;
    file.commit()?;
    Ok(())
}

/// Run as `user` from here on: its primary group only, then its user id (the order matters:
/// once the user id is dropped, the groups can no longer be changed).
fn drop_privileges(user: &str) -> Result<()> {
    use nix::unistd::{Gid, Uid, User, setgid, setgroups, setuid};
    let Some(u) = User::from_name(user).with_context(|| format!("--user {user}"))? else {
        anyhow::bail!("--user {user}: no such user (see /etc/passwd)");
    };
    setgroups(&[u.gid]).with_context(|| format!("--user {user}: setgroups"))?;
    setgid(u.gid).with_context(|| format!("--user {user}: setgid"))?;
    setuid(u.uid).with_context(|| format!("--user {user}: setuid"))?;
    if Uid::effective() != u.uid || Gid::effective() != u.gid {
        anyhow::bail!("--user {user}: the privileges were not dropped");
    }
    Ok(())
}

/// The outputs of a live run, fed as one.
struct LiveOuts<'o> {
    json: Option<JsonReport<&'o mut Output>>,
    ndjson: Option<RotatingNdjson>,
    /// Flows written so far (for the status line).
    ended: u64,
}

impl Sink for LiveOuts<'_> {
    fn flow(&mut self, ended: &analyze::Ended<'_>) -> std::io::Result<()> {
        self.ended += 1;
        if let Some(s) = self.json.as_mut() {
            s.flow(ended.report)?;
        }
        if let Some(s) = self.ndjson.as_mut() {
            s.flow(ended)?;
        }
        Ok(())
    }

    fn address(&mut self, address: &report::AddressReport) -> std::io::Result<()> {
        if let Some(s) = self.json.as_mut() {
            s.address(address)?;
        }
        Ok(())
    }

    fn flows_done(&mut self) -> std::io::Result<()> {
        self.json.as_mut().map_or(Ok(()), |s| s.flows_done())
    }
}

/// A stop asked for (a signal, `--duration`). libpcap counts a packet as received once the
/// kernel has queued it for us, and a stop that closed the capture at once would leave the
/// packets still queued neither analysed nor counted as dropped, in a report that says it is
/// complete. So the counters are read when the stop is asked for, and the packets they count
/// that are still queued (received - dropped - read) are read before the run ends: the report
/// then covers every packet libpcap counted (`received` = packets + `dropped`). A flood that
/// left more than `DRAIN_LIMIT` of work queued is cut there, and says so.
struct Stopping {
    reason: &'static str,
    /// Packets read once every queued packet is.
    until: u64,
    deadline: Instant,
}

/// The longest a stop waits for the packets already queued (a TPACKET_V3 block is handed
/// over when full or after the read timeout, so at least twice READ_TIMEOUT_MS).
const DRAIN_LIMIT: Duration = Duration::from_secs(2);

impl Stopping {
    fn new(reason: &'static str, counted: &LiveReport, now: Instant) -> Stopping {
        Stopping {
            reason,
            until: counted.received.saturating_sub(counted.dropped),
            deadline: now + DRAIN_LIMIT,
        }
    }

    fn done(&self, read: u64, now: Instant) -> bool {
        read >= self.until || now >= self.deadline
    }

    /// The warning for the report when the stop left packets libpcap had counted unread.
    fn unread(&self, read: u64) -> Option<String> {
        (read < self.until).then(|| {
            format!(
                "stopped with {} packets libpcap had received still unread after {} s (not analysed, not counted as dropped)",
                self.until - read,
                DRAIN_LIMIT.as_secs()
            )
        })
    }
}

/// Something done every so often, by the sensor's clock.
struct Every {
    period: Option<Duration>,
    next: Instant,
}

impl Every {
    fn new(start: Instant, period: Option<Duration>) -> Every {
        Every {
            next: start + period.unwrap_or_default(),
            period,
        }
    }

    fn due(&mut self, now: Instant) -> bool {
        let Some(period) = self.period else {
            return false;
        };
        if now < self.next {
            return false;
        }
        // Skip the periods missed (a long stall) rather than fire once for each.
        while self.next <= now {
            self.next += period;
        }
        true
    }
}

struct Timers {
    counters: Every,
    status: Every,
    report: Every,
}

impl Timers {
    fn new(start: Instant, args: &LiveArgs) -> Timers {
        let secs = |s: u64| (s > 0).then(|| Duration::from_secs(s));
        Timers {
            counters: Every::new(start, Some(COUNTER_EVERY)),
            status: Every::new(start, secs(args.status_every)),
            report: Every::new(start, args.report_every.and_then(secs)),
        }
    }
}

/// The status line's last figures, for rates.
#[derive(Default)]
struct Status {
    at: Option<Instant>,
    packets: u64,
    flows: u64,
    loss: residency::flow::loss::LossCounts,
}

impl Status {
    fn print(
        &mut self,
        interface: &str,
        live: &LiveReport,
        analyzer: &Analyzer<'_>,
        feed: &analyze::Feed,
        flows: u64,
    ) {
        let now = Instant::now();
        let secs = self
            .at
            .map_or(0.0, |at| now.duration_since(at).as_secs_f64());
        let rate = |n: u64, was: u64| {
            if secs > 0.0 {
                (n - was) as f64 / secs
            } else {
                0.0
            }
        };
        // Capture loss over this status interval: ACKs of data never seen (docs/capture-loss.md).
        let loss = analyzer.capture_loss();
        let acks = loss.acks - self.loss.acks;
        let gaps = loss.gaps - self.loss.gaps;
        let estimate = if acks == 0 {
            "no TCP ACKs to check".to_string()
        } else {
            format!(
                "{:.2}% ({gaps} gaps in {acks} ACKs)",
                100.0 * gaps as f64 / acks as f64
            )
        };
        eprintln!(
            "residency: {interface}: {:.0} packets/s, {:.0} flows/s ended, {} flows open; {} packets, {} flows; libpcap: {} received, {} dropped, {} dropped by the interface; capture loss {estimate}",
            rate(feed.packets(), self.packets),
            rate(flows, self.flows),
            analyzer.open_flows(),
            feed.packets(),
            flows,
            live.received,
            live.dropped,
            live.if_dropped,
        );
        self.at = Some(now);
        self.packets = feed.packets();
        self.flows = flows;
        self.loss = loss;
    }
}
