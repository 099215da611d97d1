//! A live run's life: losses, rotated parts, SIGHUP, running reports, `--duration`.

use crate::compare::{analyze_json, capture, flows_by_key, read_report};
use crate::netns::{Outdir, netns};
use residency::digest::sha256_hex;
use serde_json::Value;
use std::path::Path;
use std::time::{Duration, Instant};

/// The report at `path` once `done` holds for it (a run writing it with --report-every):
/// read as the run rewrites it, whole each time (it is replaced atomically).
pub fn wait_for_report(path: &Path, done: impl Fn(&Value) -> bool) -> Value {
    let begun = Instant::now();
    loop {
        if path.exists() {
            let report = read_report(path);
            if done(&report) {
                return report;
            }
        }
        assert!(
            begun.elapsed() < Duration::from_secs(30),
            "{}: never got there",
            path.display()
        );
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn strings(v: &Value) -> Vec<&str> {
    v.as_array()
        .map(|a| a.iter().filter_map(Value::as_str).collect())
        .unwrap_or_default()
}

/// Each part listed is the file on disk: its SHA-256 and size. The records, summed.
fn check_parts(out: &Outdir, parts: &Value) -> u64 {
    let mut records = 0;
    for part in parts.as_array().expect("parts") {
        let name = part["path"].as_str().unwrap();
        let bytes = std::fs::read(out.path(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(part["sha256"], sha256_hex(&bytes), "{name}");
        assert_eq!(part["bytes"], bytes.len() as u64, "{name}");
        records += part["records"].as_u64().unwrap();
    }
    records
}

// 2. A 1 MiB buffer flooded: the loss is counted, reported and turns the exit status to 3.
#[test]
fn drops_are_counted_and_reported() {
    let Some(ns) = netns() else { return };
    let out = Outdir::new();
    let live = ns.live(&[
        "--buffer-mb",
        "1",
        "--json",
        &out.arg("live.json"),
        "--home",
        "SE",
    ]);
    // 273,000 frames as fast as tcpreplay sends them (hundreds of thousands a second, far
    // more than the debug build analyses), into a ring that holds a few thousand.
    let sent = ns.replay(&capture("names.pcap"), &["--topspeed", "--loop", "3000"]);
    assert_eq!(sent, 91 * 3000);
    let end = live.stop();
    assert_eq!(end.code(), 3, "{}", end.stderr);
    assert!(
        end.stderr
            .contains("every number in the report is a lower bound"),
        "{}",
        end.stderr
    );

    let report = read_report(&out.path("live.json"));
    let input = &report["inputs"][0];
    let read = input["packets"].as_u64().unwrap();
    let live_counts = &input["live"];
    let received = live_counts["received"].as_u64().unwrap();
    let dropped = live_counts["dropped"].as_u64().unwrap();
    assert_eq!(live_counts["buffer_bytes"], 1 << 20);
    assert!(dropped > 0, "{live_counts}");
    assert!(read < sent, "read {read} of {sent}");
    // libpcap on Linux: `received` counts each frame the kernel queued for the capture or
    // dropped for want of room in the ring (tp_packets, which includes tp_drops), `dropped` the
    // latter. What the kernel never handed to the socket (the veth's own backlog overflowing)
    // is in neither, so neither reaches what was sent for sure; and a frame still queued when
    // the counters are read is received but neither read nor dropped. residency reads the
    // frames queued when it stops (src/cli/live_run.rs, `Stopping`), so that the two add up,
    // unless it says it stopped with frames unread.
    assert!(received <= sent, "received {received} of {sent}");
    assert!(read + dropped <= received, "{live_counts}, read {read}");
    if !end.stderr.contains("still unread") {
        assert_eq!(read + dropped, received, "{live_counts}, read {read}");
    }
    assert_eq!(live_counts["if_dropped"], 0);
    assert_eq!(report["summary"]["complete"], false);
    assert!(strings(&report["summary"]["incomplete"]).contains(&"dropped-packets"));
}

// 3. --write-pcap and --flows in parts by size: each part is listed with the hash of the file
// on disk, and the parts analysed together give the live report's flows.
#[test]
fn rotated_parts_are_listed_hashed_and_whole() {
    let Some(ns) = netns() else { return };
    let out = Outdir::new();
    let live = ns.live(&out.all_outputs(&["--rotate", "5kB"]));
    assert_eq!(ns.replay(&capture("names.pcap"), &["--pps", "500"]), 91);
    let end = live.stop();
    assert_eq!(end.code(), 0, "{}", end.stderr);

    let report = read_report(&out.path("live.json"));
    let live_in = &report["inputs"][0]["live"];
    let pcaps = live_in["pcap_files"].as_array().unwrap();
    let flow_parts = live_in["flow_files"].as_array().unwrap();
    // names.pcap's 91 frames are 18 kB of pcapng, its 14 flow records 20 kB of NDJSON.
    assert!(pcaps.len() >= 4, "{pcaps:?}");
    assert!(flow_parts.len() >= 4, "{flow_parts:?}");
    for (i, part) in pcaps.iter().enumerate() {
        assert_eq!(part["path"], format!("raw-{:06}.pcapng", i + 1));
        assert!(part["bytes"].as_u64().unwrap() <= 5000 || part["records"] == 1);
    }
    assert_eq!(check_parts(&out, &live_in["pcap_files"]), 91);
    assert_eq!(check_parts(&out, &live_in["flow_files"]), 14);
    // The manifests list the same parts, finished.
    for (manifest, parts) in [
        ("raw.pcapng.manifest.json", &live_in["pcap_files"]),
        ("flows.ndjson.manifest.json", &live_in["flow_files"]),
    ] {
        let m: Value = serde_json::from_slice(&std::fs::read(out.path(manifest)).unwrap()).unwrap();
        assert_eq!(m["complete"], true, "{manifest}");
        assert_eq!(&m["parts"], parts, "{manifest}");
        assert_eq!(m["rotate"]["policy"], "size");
        assert_eq!(m["rotate"]["bytes"], 5000);
    }

    // The parts given together to `analyze` are the capture: the same flows, to the same
    // times (the input and packet numbers differ: each part is an input).
    let paths: Vec<String> = pcaps
        .iter()
        .map(|p| out.arg(p["path"].as_str().unwrap()))
        .collect();
    let together = analyze_json(&paths.iter().map(String::as_str).collect::<Vec<_>>(), &[]);
    assert_eq!(together["inputs"].as_array().unwrap().len(), pcaps.len());
    assert_eq!(flows_by_key(&together), flows_by_key(&report));
    let times = |r: &Value| -> Vec<(Value, Value)> {
        r["flows"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| (f["first_seen"].clone(), f["last_seen"].clone()))
            .collect()
    };
    assert_eq!(times(&together), times(&report));
}

// 4. SIGHUP: the files so far are finished and new ones started; the run goes on.
#[test]
fn sighup_starts_new_parts_and_the_run_goes_on() {
    let Some(ns) = netns() else { return };
    let out = Outdir::new();
    let json = out.path("live.json");
    let live = ns.live(&out.all_outputs(&[
        "--report-every",
        "1",
        // A flow's record is written when it ends, by capture time: 30 s after its FIN, or
        // at the end of the run. A small table ends some at once (evicted), so that the first
        // flows file holds records when the SIGHUP comes (one without would not be split).
        "--max-flows",
        "4",
    ]));
    assert_eq!(ns.replay(&capture("names.pcap"), &["--pps", "500"]), 91);
    wait_for_report(&json, |r| r["inputs"][0]["packets"] == 91);
    live.signal(nix::sys::signal::Signal::SIGHUP);
    live.wait_for_line(
        "SIGHUP: the current output files are finished",
        Duration::from_secs(10),
    );
    assert_eq!(
        ns.replay(&capture("teams-like.pcap"), &["--pps", "500"]),
        22
    );
    let end = live.stop();
    assert_eq!(end.code(), 0, "{}", end.stderr);

    let report = read_report(&json);
    let live_in = &report["inputs"][0]["live"];
    assert_eq!(live_in["stopped_by"], "SIGINT");
    assert_eq!(report["inputs"][0]["packets"], 91 + 22);
    // Without --rotate the first file is PATH itself; the next is numbered 2.
    let pcaps = live_in["pcap_files"].as_array().unwrap();
    assert_eq!(pcaps.len(), 2, "{pcaps:?}");
    assert_eq!(pcaps[0]["path"], "raw.pcapng");
    assert_eq!(pcaps[0]["records"], 91);
    assert_eq!(pcaps[1]["path"], "raw-000002.pcapng");
    assert_eq!(pcaps[1]["records"], 22);
    assert_eq!(check_parts(&out, &live_in["pcap_files"]), 113);
    let flow_parts = live_in["flow_files"].as_array().unwrap();
    assert_eq!(flow_parts.len(), 2, "{flow_parts:?}");
    assert_eq!(flow_parts[0]["path"], "flows.ndjson");
    assert_eq!(flow_parts[1]["path"], "flows-000002.ndjson");
    assert!(flow_parts[0]["records"].as_u64().unwrap() > 0);
    assert!(flow_parts[1]["records"].as_u64().unwrap() > 0);
    let evicted = report["summary"]["flow_table"]["evicted"].as_u64().unwrap();
    assert!(evicted > 0);
    // Every flow has its record, in one part or the other.
    let flows = report["flows"].as_array().unwrap().len() as u64;
    assert_eq!(check_parts(&out, &live_in["flow_files"]), flows);
}

// 5. --report-every: the report so far, while the capture runs; the final one at the end.
#[test]
fn running_reports_then_the_final_one() {
    let Some(ns) = netns() else { return };
    let out = Outdir::new();
    let json = out.path("live.json");
    let original = capture("rtt.pcap");
    let live = ns.live(&[
        "--json",
        &out.arg("live.json"),
        "--report-every",
        "1",
        "--home",
        "SE",
    ]);
    // 109 frames at 50 a second: two seconds of traffic, two or three running reports.
    let mut replay = ns.start_replay(&original, &["--pps", "50"]);
    let mut running = 0;
    let mut open_seen = 0;
    let mut last_packets = 0;
    while replay.running() {
        if json.exists() {
            let r = read_report(&json);
            assert_eq!(r["summary"]["complete"], false);
            assert!(strings(&r["summary"]["incomplete"]).contains(&"running"));
            assert_eq!(r["inputs"][0]["live"]["stopped_by"], "running");
            let packets = r["inputs"][0]["packets"].as_u64().unwrap();
            assert!(packets >= last_packets && packets <= 109);
            last_packets = packets;
            open_seen = open_seen.max(r["summary"]["flow_table"]["open"].as_u64().unwrap());
            running += 1;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert_eq!(replay.finish(), 109);
    assert!(running > 0, "no running report while the replay ran");
    assert!(open_seen > 0, "no running report saw an open flow");
    let end = live.stop();
    assert_eq!(end.code(), 0, "{}", end.stderr);

    let report = read_report(&json);
    assert_eq!(report["summary"]["complete"], true);
    assert_eq!(report["summary"]["incomplete"], serde_json::json!([]));
    assert_eq!(report["summary"]["flow_table"]["open"], 0);
    assert_eq!(report["inputs"][0]["packets"], 109);
    assert_eq!(report["inputs"][0]["live"]["stopped_by"], "SIGINT");
    let orig = analyze_json(&[original.to_str().unwrap()], &[]);
    assert_eq!(flows_by_key(&report).len(), 14);
    assert_eq!(flows_by_key(&report), flows_by_key(&orig));
}

// 6. --duration stops the run by itself, on a quiet interface too.
#[test]
fn duration_stops_a_quiet_capture() {
    let Some(ns) = netns() else { return };
    let out = Outdir::new();
    let begun = Instant::now();
    let live = ns.live(&["--duration", "2", "--json", &out.arg("live.json")]);
    let end = live.wait();
    assert!(begun.elapsed() >= Duration::from_secs(2));
    assert_eq!(end.code(), 0, "{}", end.stderr);
    let report = read_report(&out.path("live.json"));
    let input = &report["inputs"][0];
    assert_eq!(input["live"]["stopped_by"], "duration");
    assert_eq!(input["packets"], 0);
    assert_eq!(input["live"]["received"], 0);
    assert_eq!(input["live"]["dropped"], 0);
    assert_eq!(report["flows"], serde_json::json!([]));
    assert_eq!(report["summary"]["complete"], true);
}
