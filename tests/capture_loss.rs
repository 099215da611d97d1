//! The capture-loss estimate on `captures/loss.pcap` (examples/gen_captures/captures/loss.rs):
//! the summary's totals and intervals, each flow's gaps per direction, the NDJSON records and
//! the terminal line, with the figures the generator's README states.

mod cli;

use serde_json::{Value, json};

const LOSS: &str = "captures/loss.pcap";

#[test]
fn summary_counts_the_gaps_of_loss_pcap() {
    let run = cli::analyze(&["--json", "-", LOSS]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let r = run.json();
    assert_eq!(
        r["summary"]["capture_loss"],
        json!({
            "acks": 31, "gaps": 3, "gap_bytes": 5000, "percent": 9.677,
            "interval_seconds": 60,
            "intervals": [
                {"start": "2026-03-02T09:00:00.000000Z", "end": "2026-03-02T09:01:00.000000Z",
                 "acks": 12, "gaps": 2, "gap_bytes": 4200, "percent": 16.667},
                {"start": "2026-03-02T09:01:00.000000Z", "end": "2026-03-02T09:02:00.000000Z",
                 "acks": 19, "gaps": 1, "gap_bytes": 800, "percent": 5.263},
            ],
        })
    );
    let gaps = |ip: &str| cli::flow_to(&r, ip)["capture_gaps"].clone();
    assert_eq!(
        gaps("198.51.100.10"),
        json!({"to_server": 0, "to_client": 2})
    );
    assert_eq!(
        gaps("203.0.113.30"),
        json!({"to_server": 0, "to_client": 1})
    );
    // The repaired loss before the capture point, the keep-alive and the refusal: no gaps.
    assert_eq!(gaps("198.51.100.20"), Value::Null);
    assert_eq!(gaps("198.51.100.40"), Value::Null);
    // The snap length cut the data segments; the bytes are those sent.
    let a = cli::flow_to(&r, "198.51.100.10");
    assert_eq!(a["payload"], json!({"to_server": 300, "to_client": 4400}));
}

#[test]
fn records_and_terminal_say_it_too() {
    let run = cli::analyze(&["--flows", "-", LOSS]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    let gaps: Vec<(String, Value)> = run
        .stdout
        .lines()
        .map(|l| serde_json::from_str::<Value>(l).unwrap())
        .filter(|rec| !rec["Residency"]["capture_gaps"].is_null())
        .map(|rec| {
            (
                rec["destination"]["ip"].as_str().unwrap().to_string(),
                rec["Residency"]["capture_gaps"].clone(),
            )
        })
        .collect();
    assert_eq!(
        gaps,
        vec![
            (
                "198.51.100.10".to_string(),
                json!({"to_server": 0, "to_client": 2})
            ),
            (
                "203.0.113.30".to_string(),
                json!({"to_server": 0, "to_client": 1})
            ),
        ]
    );
    let run = cli::analyze(&[LOSS]);
    assert_eq!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stdout.contains(
            "  capture loss        9.68% (estimated: TCP ACKs of data never seen; 3 gaps in 31 ACKs, \
             5.00 kB missing): lower bounds, the capture missed at least this\n"
        ),
        "{}",
        run.stdout
    );
    // A capture without gaps says 0.00%, without the lower-bound warning.
    let run = cli::analyze(&["captures/teams-like.pcap"]);
    assert!(
        run.stdout.contains(
            "  capture loss        0.00% (estimated: TCP ACKs of data never seen; 0 gaps in 14 ACKs, 0 B missing)\n"
        ),
        "{}",
        run.stdout
    );
}
