//! `--threads`: the outputs are the same bytes whatever the number of threads (the input
//! hashed beside parsing, addresses judged on several cores), on the shipped captures, on a
//! capture made here with 1,500 remote addresses (so batches are judged in parallel
//! both when the per-address table makes room and at the end), and on the shared captures.

mod cli;

use etherparse::PacketBuilder;
use pcap_file::pcap::{PcapPacket, PcapWriter};
use std::path::{Path, PathBuf};
use std::time::Duration;

/// A capture with `n` remote addresses, each asked once over UDP from an inside host and
/// answering 2 ms later: every address gets a round trip, so its judgement has physics to do.
fn many_addresses(dir: &Path, n: u32) -> PathBuf {
    let path = dir.join("many.pcap");
    // pcap-file's default header: microsecond pcap, Ethernet.
    let mut writer = PcapWriter::new(std::fs::File::create(&path).unwrap()).unwrap();
    let mut record = |t_us: u64, frame: &[u8]| {
        let ts = Duration::from_secs(1_700_000_000) + Duration::from_micros(t_us);
        writer
            .write_packet(&PcapPacket::new(ts, frame.len() as u32, frame))
            .unwrap();
    };
    // Public /8s of several providers and continents, so the placements differ.
    let firsts = [13u8, 20, 31, 34, 52, 77, 104, 142, 151, 185, 193, 203];
    for i in 0..n {
        let inside = [10, 0, (i % 200) as u8, 1 + (i % 250) as u8];
        let first = firsts[(i as usize) % firsts.len()];
        let remote = [first, (i >> 16) as u8, (i >> 8) as u8, 1 + (i % 250) as u8];
        let t = u64::from(i) * 1_000;
        for (at, src, dst, sport, dport) in [
            (t, inside, remote, 40_000 + (i % 20_000) as u16, 3478),
            (
                t + 2_000,
                remote,
                inside,
                3478,
                40_000 + (i % 20_000) as u16,
            ),
        ] {
            let builder = PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
                .ipv4(src, dst, 64)
                .udp(sport, dport);
            let payload = [0u8; 40];
            let mut frame = Vec::with_capacity(builder.size(payload.len()));
            builder.write(&mut frame, &payload).unwrap();
            record(at, &frame);
        }
    }
    drop(writer);
    path
}

/// Runs `analyze` with `threads` threads writing every output; returns their bytes.
fn outputs(capture: &Path, dir: &Path, threads: u32, extra: &[&str]) -> Vec<Vec<u8>> {
    let json = dir.join(format!("t{threads}.json"));
    let flows = dir.join(format!("t{threads}.ndjson"));
    let threads_arg = threads.to_string();
    let mut args = vec![
        "--home",
        "SE",
        "--threads",
        &threads_arg,
        "--json",
        json.to_str().unwrap(),
        "--flows",
        flows.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    args.push(capture.to_str().unwrap());
    let run = cli::analyze(&args);
    assert!(run.code == 0 || run.code == 3, "{}", run.stderr);
    vec![std::fs::read(json).unwrap(), std::fs::read(flows).unwrap()]
}

fn same_whatever_the_threads(capture: &Path, extra: &[&str], counts: &[u32]) -> usize {
    let dir = tempfile::tempdir().unwrap();
    let one = outputs(capture, dir.path(), 1, extra);
    for &threads in counts {
        let many = outputs(capture, dir.path(), threads, extra);
        assert!(
            one == many,
            "{}: --threads {threads} wrote other bytes than --threads 1",
            capture.display()
        );
    }
    let report: serde_json::Value = serde_json::from_slice(&one[0]).unwrap();
    report["addresses"].as_array().map_or(0, Vec::len)
}

#[test]
fn many_addresses_judged_on_several_threads_give_the_same_bytes() {
    let dir = tempfile::tempdir().unwrap();
    let capture = many_addresses(dir.path(), 1_500);
    // Held all to the end: judged in batches of 256 at the close, split over the threads.
    assert_eq!(same_whatever_the_threads(&capture, &[], &[2, 3]), 1_500);
    // A table of 1,024 makes room 64 at a time (a parallel batch) while reading: written-out
    // parts appear as separate entries.
    let entries = same_whatever_the_threads(&capture, &["--max-addresses", "1024"], &[2]);
    assert_eq!(
        entries, 1_500,
        "each address is seen once, so evicted once at most"
    );
}

#[test]
fn shipped_captures_give_the_same_bytes() {
    for entry in std::fs::read_dir(Path::new(env!("CARGO_MANIFEST_DIR")).join("captures")).unwrap()
    {
        let path = entry.unwrap().path();
        let ext = path.extension().and_then(|e| e.to_str());
        if matches!(ext, Some("pcap" | "pcapng")) && !path.ends_with("corrupt.pcap") {
            same_whatever_the_threads(&path, &[], &[2]);
        }
    }
}

#[test]
fn shared_captures_give_the_same_bytes() {
    for name in ["teams.pcap", "quic.pcap", "skype-conference-call.pcap"] {
        if let Some(path) = cli::shared_capture(name) {
            same_whatever_the_threads(&path, &[], &[2]);
        }
    }
}

/// `check` on several captures analyses them at once (one per thread): the JSON result, the
/// listing and the exit status are those of one capture after the other, in the inputs' order.
#[test]
fn check_on_several_captures_is_the_same_on_several_threads() {
    let dir = tempfile::tempdir().unwrap();
    let captures = [
        "captures/teams-like.pcap",
        "captures/rtt.pcap",
        "captures/names.pcap",
        "captures/not-a-capture.txt",
        "captures/ipv6.pcapng",
    ];
    let run = |threads: &str| {
        let out = dir.path().join(format!("check-{threads}.json"));
        let mut args = vec![
            "check",
            "--policy",
            "docs/policies/swedish-agency.toml",
            "--threads",
            threads,
            "--json",
            out.to_str().unwrap(),
        ];
        args.extend_from_slice(&captures);
        let run = cli::residency(&args);
        (run.code, run.stdout, std::fs::read(&out).unwrap())
    };
    let one = run("1");
    assert_eq!(one.0, 1, "a file that is not a capture is an error");
    let report: serde_json::Value = serde_json::from_slice(&one.2).unwrap();
    let paths: Vec<&str> = report["inputs"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["input"].as_str().or(i["path"].as_str()).unwrap_or(""))
        .collect();
    assert_eq!(paths.len(), captures.len(), "{paths:?}");
    for threads in ["2", "4"] {
        assert!(
            run(threads) == one,
            "check --threads {threads} differs from --threads 1"
        );
    }
}

/// A sink that fails at its `fail_at`th flow, counting the flows it was handed.
struct FailAt {
    fail_at: usize,
    flows: usize,
}

impl residency::analyze::Sink for FailAt {
    fn flow(&mut self, _: &residency::analyze::Ended<'_>) -> std::io::Result<()> {
        self.flows += 1;
        if self.flows == self.fail_at {
            return Err(std::io::Error::other("the disk is full"));
        }
        Ok(())
    }

    fn address(&mut self, _: &residency::report::AddressReport) -> std::io::Result<()> {
        Ok(())
    }
}

/// An output that fails stops the run with its own error, whether the flows are written on a
/// thread of their own or on the reading one, both for flows that end while the capture is
/// read (a table of 64 flows evicts) and for flows closed at the end; no flow after the failed
/// one reaches the outputs.
#[test]
fn an_output_error_stops_the_run_with_that_error_whatever_the_threads() {
    use residency::analyze::{Analyzer, Options};
    let dir = tempfile::tempdir().unwrap();
    let capture = many_addresses(dir.path(), 1_500);
    let tables = residency::analyze::collect::Embedded::load(Some("SE")).unwrap();
    for threads in [1, 2] {
        for max_flows in [64, residency::analyze::DEFAULT_MAX_FLOWS] {
            let options = Options {
                threads,
                max_flows,
                ..Options::default()
            };
            let mut analyzer = Analyzer::new(tables.context(&options), 10);
            let mut sink = FailAt {
                fail_at: 700,
                flows: 0,
            };
            let opened = residency::source::open(&capture).unwrap();
            let read = analyzer.read(&capture, None, opened, &mut sink, &mut |_| None);
            let error = if max_flows == 64 {
                read.expect_err("flows ended while reading")
            } else {
                assert!(read.is_ok(), "no flow ends before the close");
                analyzer
                    .finish(&mut sink, None)
                    .expect_err("flows closed at the end")
            };
            assert_eq!(error.to_string(), "the disk is full", "threads {threads}");
            assert_eq!(sink.flows, 700, "threads {threads}, max_flows {max_flows}");
        }
    }
}
