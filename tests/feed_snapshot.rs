//! The packet-by-packet pipeline that files and live captures share (`Analyzer::begin`,
//! `feed`, `flush`, `end`), and the report of a run still going (`Analyzer::snapshot`, for
//! `residency live --report-every`), on a shipped capture: no libpcap needed.

mod cli;

use residency::analyze::collect::{Collect, Embedded};
use residency::analyze::{Analyzer, FeedEnd, Options};
use residency::report::Incomplete;
use residency::source::{self, Format};
use std::path::Path;

/// 109 packets over 14.4 s: with 1-second timeouts, flows end while others are open.
const CAPTURE: &str = "captures/rtt.pcap";

/// The report written as `--json` writes it, parsed.
fn json(report: &residency::report::Report) -> serde_json::Value {
    let out = residency::report::json::JsonReport::start(Vec::new(), &report.head)
        .and_then(|sink| sink.finish(report))
        .expect("write the report");
    serde_json::from_slice(&out).expect("the report parses")
}

#[test]
fn fed_packet_by_packet_equals_read_and_a_snapshot_counts_what_ended() {
    let tables = Embedded::load(Some("SE")).expect("embedded tables");
    let mut options = Options::default();
    options.timeouts.tcp_close = 1;
    options.timeouts.tcp_idle = 1;
    options.timeouts.udp_idle = 1;
    let path = Path::new(CAPTURE);

    // The file read whole, for comparison.
    let whole =
        residency::analyze::collect(&[path.to_owned()], tables.context(&options)).expect("analyse");
    assert_eq!(whole.report.summary.packets.read, 109);

    // The same packets fed one by one, with a snapshot half-way.
    let mut analyzer = Analyzer::new(tables.context(&options), 10);
    let mut sink = Collect::default();
    let mut capture = source::open(path).expect("open");
    let mut feed = analyzer.begin(path, None, capture.precision_digits());
    let mut snapshot = None;
    while let Some(packet) = capture.next_packet() {
        analyzer.feed(&mut feed, &packet);
        analyzer.flush(&feed, &mut sink).expect("flush");
        // Once a few flows have ended while others are still open.
        if snapshot.is_none() && sink.flows.len() >= 3 && analyzer.open_flows() > 0 {
            let end = FeedEnd {
                sha256: None,
                size: 0,
                format: Format::Pcap,
                link_types: Vec::new(),
                damage: None,
                warnings: Vec::new(),
                stopped: None,
                live: None,
            };
            let current = analyzer.summary_of(&feed, path, end);
            let ended_so_far = sink.flows.len();
            let open = analyzer.open_flows();
            snapshot = Some((analyzer.snapshot(Some(current)), ended_so_far, open));
        }
    }
    let (snap, ended_so_far, open) = snapshot.expect("a snapshot half-way");
    // Half-way: some flows are still open and are not in it; it says it is running.
    eprintln!(
        "snapshot: {ended_so_far} flows ended, {open} open, packet {}",
        snap.summary.packets.read
    );
    assert_eq!(snap.summary.flow_table.open, open);
    assert_eq!(snap.summary.flows.total, ended_so_far as u64);
    assert!(!snap.summary.complete);
    assert_eq!(snap.summary.incomplete, vec![Incomplete::Running]);
    assert_eq!(snap.inputs.len(), 1);
    assert_eq!(snap.inputs[0].packets, snap.summary.packets.read);
    assert!(snap.summary.packets.read < 109);
    // Every address held was judged for it, but none was written out.
    assert!(snap.summary.destinations > 0);
    assert!(sink.addresses.is_empty(), "a snapshot writes nothing out");
    let snap_json = json(&snap);
    cli::schema_check(&snap_json).expect("the running report follows the schema");

    // The snapshot changed nothing: the rest of the run gives what reading the file gave.
    let end = FeedEnd {
        sha256: whole.report.inputs[0].sha256.clone(),
        size: whole.report.inputs[0].size,
        format: capture.format(),
        link_types: capture.link_types(),
        damage: None,
        warnings: Vec::new(),
        stopped: None,
        live: None,
    };
    analyzer.end(feed, path, end);
    let report = analyzer.finish(&mut sink, None).expect("finish");
    assert_eq!(
        serde_json::to_value(&sink.flows).expect("flows"),
        serde_json::to_value(&whole.flows).expect("flows")
    );
    assert_eq!(
        serde_json::to_value(&sink.addresses).expect("addresses"),
        serde_json::to_value(&whole.addresses).expect("addresses")
    );
    assert_eq!(json(&report), json(&whole.report));
    assert!(report.summary.complete);
    assert_eq!(report.summary.flow_table.open, 0);
}
