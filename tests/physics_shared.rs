//! Round trips and the physics check on real captures (`../shared/captures`, a public DPI test
//! suite's captures; `RESIDENCY_NDPI_CAPTURES` overrides the path):
//!
//! * every TCP handshake time residency reports equals tshark's `tcp.analysis.ack_rtt` on
//!   the same SYN/ACK packet (tshark is an independent dissector; both time a retransmitted
//!   SYN from its first copy), and every SYN/ACK tshark times is one residency times or a
//!   retransmission of one;
//! * teams.pcap, captured in Italy: 52.113.194.132, which the databases put in Canada and
//!   the US, answers in 11.4 ms and is in Europe; 52.114.77.33 (Ireland) at ~43 ms fits.
//!
//! Without the captures or tshark the tests print why and pass.

mod cli;

use cli::analyze;
use serde_json::Value;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::process::Command;

fn captures_dir() -> Option<PathBuf> {
    let dir = std::env::var_os("RESIDENCY_NDPI_CAPTURES")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("../shared/captures"));
    if dir.is_dir() {
        Some(dir)
    } else {
        println!(
            "skipped: {} is not here (real captures from a public DPI test suite)",
            dir.display()
        );
        None
    }
}

fn has_tshark() -> bool {
    let ok = Command::new("tshark")
        .arg("--version")
        .output()
        .is_ok_and(|o| o.status.success());
    if !ok {
        println!("skipped: tshark is not installed (tests/run installs it)");
    }
    ok
}

/// tshark's SYN/ACK frames: frame number → (server, client, ack_rtt in ms) where tshark
/// timed it.
fn tshark_syn_acks(path: &str) -> BTreeMap<u64, (String, String, Option<f64>)> {
    let out = Command::new("tshark")
        .args(["-n", "-r", path, "-o", "tcp.analyze_sequence_numbers:TRUE"])
        .args([
            "-Y",
            "tcp.flags.syn == 1 && tcp.flags.ack == 1",
            "-T",
            "fields",
        ])
        // The Source/Destination columns hold the innermost addresses (tunnels).
        .args([
            "-e",
            "frame.number",
            "-e",
            "_ws.col.Source",
            "-e",
            "tcp.srcport",
        ])
        .args(["-e", "_ws.col.Destination", "-e", "tcp.dstport"])
        .args(["-e", "tcp.analysis.ack_rtt"])
        .output()
        .expect("run tshark");
    let text = String::from_utf8_lossy(&out.stdout);
    let mut frames = BTreeMap::new();
    for line in text.lines() {
        let f: Vec<&str> = line.split('\t').collect();
        if f.len() < 6 {
            continue;
        }
        // Fields of tunnelled layers repeat; the innermost is last.
        let last = |s: &str| s.rsplit(',').next().unwrap_or("").to_string();
        let Ok(number) = f[0].parse::<u64>() else {
            continue;
        };
        let rtt = last(f[5]).parse::<f64>().ok().map(|s| s * 1000.0);
        frames.insert(
            number,
            (
                format!("{}|{}", f[1], last(f[2])),
                format!("{}|{}", f[3], last(f[4])),
                rtt,
            ),
        );
    }
    frames
}

fn key(e: &Value) -> String {
    format!("{}|{}", e["ip"].as_str().unwrap(), e["port"])
}

#[test]
fn handshake_times_equal_tsharks() {
    let Some(dir) = captures_dir() else { return };
    if !has_tshark() {
        return;
    }
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
        .collect();
    names.sort();
    names.push(PathBuf::from("captures/rtt.pcap"));
    names.push(PathBuf::from("captures/rtt-sydney.pcap"));
    let (mut compared, mut retransmitted, mut captures) = (0, 0, 0);
    for path in &names {
        let path = path.to_str().unwrap();
        let run = analyze(&["--json", "-", path]);
        let report = run.json();
        if report.is_null() {
            println!("{path}: no report (exit {}), not compared", run.code);
            continue;
        }
        let tshark = tshark_syn_acks(path);
        let mut ours: BTreeMap<u64, (String, String, f64)> = BTreeMap::new();
        for f in report["flows"].as_array().unwrap() {
            let rtt = &f["rtt"];
            let Some(ms) = rtt["handshake_ms"].as_f64() else {
                continue;
            };
            // The SYN/ACK: `handshake_packets`, or `response` when the handshake is also the
            // fastest answer (then `handshake_packets` is left out). Single-file runs: input 0.
            let syn_ack = match rtt["handshake_packets"][1]["number"].as_u64() {
                Some(n) => n,
                None => {
                    assert_eq!(rtt["source"], "tcp-handshake", "{f}");
                    rtt["response"]["number"].as_u64().unwrap()
                }
            };
            ours.insert(syn_ack, (key(&f["server"]), key(&f["client"]), ms));
        }
        captures += usize::from(!ours.is_empty());
        for (frame, (server, client, ms)) in &ours {
            let Some((t_server, t_client, t_rtt)) = tshark.get(frame) else {
                panic!("{path}: frame {frame} is no SYN/ACK to tshark");
            };
            assert_eq!(
                (server, client),
                (t_server, t_client),
                "{path} frame {frame}"
            );
            let t = t_rtt.unwrap_or_else(|| panic!("{path} frame {frame}: tshark has no ack_rtt"));
            // tshark prints seconds with nanosecond digits; residency rounds to microseconds.
            assert!(
                (ms - (t * 1000.0).round() / 1000.0).abs() < 1e-6,
                "{path} frame {frame}: residency {ms} ms, tshark {t} ms"
            );
            compared += 1;
        }
        // Every SYN/ACK tshark times and residency does not is a retransmitted SYN/ACK of a
        // connection residency timed.
        for (frame, (server, client, rtt)) in &tshark {
            if rtt.is_none() || ours.contains_key(frame) {
                continue;
            }
            let first = ours
                .iter()
                .any(|(f, (s, c, _))| f < frame && s == server && c == client);
            assert!(
                first,
                "{path} frame {frame}: tshark times a SYN/ACK residency does not"
            );
            retransmitted += 1;
        }
    }
    println!(
        "{compared} handshake times equal tshark's in {captures} captures; {retransmitted} retransmitted SYN/ACKs left out"
    );
    assert!(compared >= 60, "only {compared} handshakes compared");
}

#[test]
fn teams_from_italy_exposes_a_misplaced_front_door() {
    let Some(dir) = captures_dir() else { return };
    let path = dir.join("teams.pcap");
    let run = analyze(&["--json", "-", "--vantage", "IT", path.to_str().unwrap()]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();
    let flows: Vec<&Value> = r["flows"].as_array().unwrap().iter().collect();
    let to = |ip: &str| -> Vec<&Value> {
        flows
            .iter()
            .copied()
            .filter(|f| f["server"]["ip"] == ip)
            .collect()
    };
    let front = to("52.113.194.132");
    let handshakes: Vec<f64> = front
        .iter()
        .filter_map(|f| f["rtt"]["handshake_ms"].as_f64())
        .collect();
    assert!(handshakes.contains(&11.421), "{handshakes:?}");
    let p = &front[0]["physics"];
    assert_eq!(p["rtt_ms"], 11.421);
    assert_eq!(p["vantage"], "IT");
    assert_eq!(p["verdict"], "contradicts-database");
    assert_eq!(p["country"], "CA");
    // 11.421 ms: at most 1,718 km from the Italian border, so it is in Europe.
    assert_eq!(p["max_distance_km"], 1718);
    let claims: Vec<(&Value, &Value)> = p["claims"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| (&c["country"], &c["contradicted"]))
        .collect();
    assert_eq!(
        claims,
        [(&"CA".into(), &true.into()), (&"US".into(), &true.into())]
    );
    let feasible = p["feasible"].as_array().unwrap();
    for c in ["IT", "DE", "FR", "NL", "CH"] {
        assert!(feasible.contains(&c.into()), "{c}");
    }
    assert!(!feasible.contains(&"US".into()) && !feasible.contains(&"CA".into()));

    let ireland = to("52.114.77.33");
    let p = &ireland[0]["physics"];
    assert_eq!(p["country"], "IE");
    assert_eq!(p["verdict"], "consistent");
    let rtt = p["rtt_ms"].as_f64().unwrap();
    assert!((40.0..46.0).contains(&rtt), "{rtt}");

    let s = &r["summary"]["physics"];
    assert!(s["contradicted"]["flows"].as_u64().unwrap() >= front.len() as u64);
    let row = s["destinations"]
        .as_array()
        .unwrap()
        .iter()
        .find(|d| d["ip"] == "52.113.194.132")
        .unwrap();
    assert_eq!(row["verdict"], "contradicts-database");
    assert_eq!(row["rtt_ms"], 11.421);
}
