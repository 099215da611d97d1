//! Hostile floods (issue 15): one generated capture per bounded table, what its report must
//! count, and the peak-RSS ceiling derived from the named caps (docs/architecture.md, "Memory
//! bounds"; figures in docs/performance.md, "Hostile floods").
//!
//! A scenario fails when a counter that must move did not (or a bookkeeping total is off), or
//! when the peak RSS is above its ceiling. The ceiling is a sum of terms, each a named cap times
//! a stated per-entry cost; the cost figures are upper estimates of the structures' sizes (a
//! term holds for what the cap admits, not for what this capture happens to use).

use crate::generate::{self, Kind};
use residency::analyze::DEFAULT_MAX_FLOWS;
use residency::flow::{MAX_PENDING_FRAGMENTS, MAX_TRACKED_DATAGRAMS};
use residency::names::dns::cache::{MAX_ANSWERS_PER_BINDING, MAX_BINDINGS, MAX_HELD_NAME_BYTES};
use residency::names::{INSPECTION_WINDOW_NS, MAX_HELD_BYTES, MAX_INSPECTING_FLOWS};
use residency::report::answer::{MAX_DESTINATIONS_PER_HOST, MAX_HOSTS};
use residency::rtt::MAX_PENDING_FLOWS;
use serde_json::{Value, json};
use std::fs::File;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

const MIB: f64 = 1024.0 * 1024.0;

/// One flood: its kind, its size for `cargo bench` (and the variable that overrides it), and a
/// size small enough for the quick check of `cargo test --benches` (debug build).
pub struct Flood {
    pub kind: Kind,
    pub env: &'static str,
    pub default: u64,
    pub quick: u64,
}

pub const FLOODS: [Flood; 4] = [
    Flood {
        kind: Kind::Fragments,
        env: "RESIDENCY_BENCH_FRAGMENTS",
        default: 2_000_000,
        // Half are first fragments: 20,000 > MAX_TRACKED_DATAGRAMS, so the tracker evicts.
        quick: 40_000,
    },
    Flood {
        kind: Kind::DnsNames,
        env: "RESIDENCY_BENCH_DNS_NAMES",
        default: 2_000_000,
        // More answers than MAX_BINDINGS: the cache evicts.
        quick: 70_000,
    },
    Flood {
        kind: Kind::ClientHello,
        env: "RESIDENCY_BENCH_CLIENTHELLOS",
        default: 1_000_000,
        // Far below the inspection caps: bookkeeping only.
        quick: 2_000,
    },
    Flood {
        kind: Kind::QuicCids,
        env: "RESIDENCY_BENCH_QUIC_CIDS",
        default: 2_000_000,
        // Below the inspection caps, above none: bookkeeping and names only.
        quick: 4_000,
    },
];

/// Bytes the generator's clienthello flood leaves in each connection's stream buffer, and the
/// CRYPTO bytes each incomplete QUIC Initial leaves (examples/floodgen/hostile.rs).
const CLIENTHELLO_HELD: u64 = 1_400;
const QUIC_PARTIAL_HELD: u64 = 1_000;
/// Packets of one clienthello connection.
const CLIENTHELLO_PACKETS: u64 = 5;

/// The `summary` object of a JSON report, read from its end: the report's tail (`resolve`,
/// `inputs`, `summary`) follows one line per flow and per address, so a report of millions of
/// flows is not parsed whole. The tail starts at the only line that begins `  "resolve":`.
pub fn summary_of(path: &Path) -> Result<Value, String> {
    const MARK: &[u8] = b"\n  \"resolve\":";
    let mut f = File::open(path).map_err(|e| format!("{}: {e}", path.display()))?;
    let len = f.metadata().map_err(|e| e.to_string())?.len();
    let mut back: u64 = 1 << 20;
    loop {
        let from = len.saturating_sub(back);
        f.seek(SeekFrom::Start(from)).map_err(|e| e.to_string())?;
        let mut tail = Vec::new();
        f.read_to_end(&mut tail).map_err(|e| e.to_string())?;
        if let Some(at) = tail.windows(MARK.len()).rposition(|w| w == MARK) {
            let mut text = b"{".to_vec();
            text.extend_from_slice(&tail[at + 1..]);
            let v: Value = serde_json::from_slice(&text)
                .map_err(|e| format!("{}: tail is not JSON: {e}", path.display()))?;
            return v
                .get("summary")
                .cloned()
                .ok_or_else(|| format!("{}: no summary", path.display()));
        }
        if from == 0 {
            return Err(format!("{}: no `resolve` line", path.display()));
        }
        back *= 4;
    }
}

fn get(s: &Value, path: &str) -> u64 {
    path.split('.')
        .try_fold(s, |v, k| v.get(k))
        .and_then(Value::as_u64)
        .unwrap_or(u64::MAX)
}

/// The counters shown for a flood: the table under attack first, then the flow table.
pub fn counters(kind: Kind, s: &Value) -> Value {
    let paths: &[&str] = match kind {
        Kind::Fragments => &[
            "fragments.tracker_evicted",
            "fragments.unattributed",
            "fragments.attributed",
        ],
        Kind::DnsNames => &[
            "services.inspection.dns_bindings_evicted",
            "services.inspection.dns_bindings",
            "services.inspection.dns_responses",
        ],
        Kind::ClientHello | Kind::QuicCids => &[
            "services.inspection.flows_evicted",
            "services.inspection.flows_inspected",
            "services.by_hostname_source.quic-sni",
            "physics.pending_evicted",
            "hosts.evicted",
        ],
        _ => &[],
    };
    let mut out = serde_json::Map::new();
    for p in paths
        .iter()
        .chain(&["flow_table.evicted", "flow_table.peak_active"])
    {
        let v = get(s, p);
        if v != u64::MAX {
            out.insert((*p).to_string(), json!(v));
        }
    }
    Value::Object(out)
}

/// What the report of a flood of `n` must show; each failure as a sentence.
pub fn check(kind: Kind, n: u64, s: &Value) -> Vec<String> {
    let mut fails = Vec::new();
    let mut want = |what: &str, got: u64, ok: bool, expected: String| {
        if !ok {
            fails.push(format!("{what} = {got}, expected {expected}"));
        }
    };
    let span_ns = n * generate::FLOOD_GAP_US * 1_000;
    match kind {
        Kind::Fragments => {
            let (firsts, laters) = (n.div_ceil(2), n / 2);
            let u = get(s, "fragments.unattributed");
            want("fragments.unattributed", u, u == laters, laters.to_string());
            let a = get(s, "fragments.attributed");
            want("fragments.attributed", a, a == 0, "0".into());
            // Within the 30 s timeout nothing expires: every first fragment beyond the cap
            // pushes out exactly one remembered datagram.
            let e = get(s, "fragments.tracker_evicted");
            let beyond = firsts.saturating_sub(MAX_TRACKED_DATAGRAMS as u64);
            if span_ns <= 30_000_000_000 {
                want(
                    "fragments.tracker_evicted",
                    e,
                    e == beyond,
                    beyond.to_string(),
                );
            } else if beyond > 0 {
                want(
                    "fragments.tracker_evicted",
                    e,
                    e > 0 && e < u64::MAX,
                    "> 0".into(),
                );
            }
        }
        Kind::DnsNames => {
            let r = get(s, "services.inspection.dns_responses");
            want("dns_responses", r, r == n, n.to_string());
            // Every answer is a new (client, address) pair; the name text (under 40 bytes an
            // answer) stays far below MAX_HELD_NAME_BYTES, so the pair count is the bound.
            let cap = MAX_BINDINGS as u64;
            let b = get(s, "services.inspection.dns_bindings");
            want("dns_bindings", b, b == n.min(cap), n.min(cap).to_string());
            let e = get(s, "services.inspection.dns_bindings_evicted");
            let beyond = n.saturating_sub(cap);
            want("dns_bindings_evicted", e, e == beyond, beyond.to_string());
        }
        Kind::ClientHello => {
            let i = get(s, "services.inspection.flows_inspected");
            want("flows_inspected", i, i == n, n.to_string());
            let none = get(s, "services.by_hostname_source.none");
            want("flows without a name", none, none == n, n.to_string());
            // Connections within one inspection window, each holding CLIENTHELLO_HELD bytes:
            // past either cap, inspection must evict.
            let window = INSPECTION_WINDOW_NS as u64
                / (CLIENTHELLO_PACKETS * generate::FLOOD_GAP_US * 1_000);
            let live = n.min(window);
            if live > MAX_INSPECTING_FLOWS as u64 || live * CLIENTHELLO_HELD > MAX_HELD_BYTES as u64
            {
                let e = get(s, "services.inspection.flows_evicted");
                want("flows_evicted", e, e > 0 && e < u64::MAX, "> 0".into());
            }
        }
        Kind::QuicCids => {
            let i = get(s, "services.inspection.flows_inspected");
            want("flows_inspected", i, i == n, n.to_string());
            let named = n.div_ceil(4);
            let q = get(s, "services.by_hostname_source.quic-sni");
            want("flows named by quic-sni", q, q == named, named.to_string());
            let window = INSPECTION_WINDOW_NS as u64 / (generate::FLOOD_GAP_US * 1_000);
            let partial = n.min(window) / 2;
            if partial > MAX_INSPECTING_FLOWS as u64
                || partial * QUIC_PARTIAL_HELD > MAX_HELD_BYTES as u64
            {
                let e = get(s, "services.inspection.flows_evicted");
                want("flows_evicted", e, e > 0 && e < u64::MAX, "> 0".into());
            }
            // Every Initial waits for an answer that never comes.
            if n > MAX_PENDING_FLOWS as u64 {
                let e = get(s, "physics.pending_evicted");
                want("pending_evicted", e, e > 0 && e < u64::MAX, "> 0".into());
            }
            if n > DEFAULT_MAX_FLOWS as u64 {
                let e = get(s, "flow_table.evicted");
                want("flow_table.evicted", e, e > 0 && e < u64::MAX, "> 0".into());
            }
        }
        _ => {}
    }
    let peak = get(s, "flow_table.peak_active");
    let max = DEFAULT_MAX_FLOWS as u64;
    want(
        "flow_table.peak_active",
        peak,
        peak <= max,
        format!("<= {max}"),
    );
    fails
}

/// The process without tables: binary, embedded geo data, I/O buffers. The baseline scenario
/// (22 packets) peaks at 46.5 MiB.
const BASE: f64 = 64.0 * MIB;
/// An open flow: slab entry 144 B + index entry 52 B, and the per-flow pipeline records; the
/// documented target is ≤ 300 B (measured 187–271 B).
const PER_OPEN_FLOW: f64 = 300.0;
/// An open flow's names record (`FlowNames`, ~520 B, boxed) and its slot in a table up to
/// half empty (2 × 16 B); heaptrack of the quic-cids flood before boxing: 520 B a slot.
const PER_FLOW_FACTS: f64 = 640.0;
/// An open flow's round-trip record (`FlowRtt`, ≤ 320 B by its unit test, boxed) and its slots.
const PER_FLOW_RTT: f64 = 384.0;
/// A flow in name inspection beyond its held bytes (the QUIC client keys are in them): the
/// map slot with `Inspect` (~145 B, in a table up to half empty: 290 B) and a boxed stream
/// prefix or QUIC connection (~100 B); heaptrack of the clienthello flood: ~375 B.
const PER_INSPECTING_FLOW: f64 = 512.0;
/// A DNS answer: the struct (~110 B) in its binding's list, and the binding's share of the
/// pair map, the address index and the eviction order.
const PER_DNS_ANSWER: f64 = 256.0;
/// A flow closed early and written out: its record (flow, names, round trips, placement) and
/// output line. An estimate, not measured on its own (see `ceiling`).
const PER_CLOSED_FLOW: f64 = 2048.0;
/// The round-trip table: MAX_PENDING_FLOWS in a 65,536-slot table (docs: 15 MiB).
const RTT_TABLE: f64 = 16.0 * MIB;
/// A host row of `summary.hosts`, and a remembered or waiting fragment.
const PER_HOST_ROW: f64 = 128.0;
const PER_FRAGMENT: f64 = 128.0;

/// The terms of a flood's ceiling: (what, bytes, derivation).
pub fn ceiling(kind: Kind, n: u64) -> Vec<(String, f64)> {
    let mut t = vec![
        ("process and embedded geo data: 64 MiB".to_string(), BASE),
        ("round-trip table: 16 MiB".to_string(), RTT_TABLE),
        (
            format!(
                "hosts: MAX_HOSTS {MAX_HOSTS} × MAX_DESTINATIONS_PER_HOST {MAX_DESTINATIONS_PER_HOST} × {PER_HOST_ROW} B"
            ),
            (MAX_HOSTS * MAX_DESTINATIONS_PER_HOST) as f64 * PER_HOST_ROW,
        ),
        (
            format!(
                "fragments: (MAX_TRACKED_DATAGRAMS {MAX_TRACKED_DATAGRAMS} + MAX_PENDING_FRAGMENTS {MAX_PENDING_FRAGMENTS}) × {PER_FRAGMENT} B"
            ),
            (MAX_TRACKED_DATAGRAMS + MAX_PENDING_FRAGMENTS) as f64 * PER_FRAGMENT,
        ),
    ];
    // Open flows the capture can have: bounded by --max-flows, and for the fragment and DNS
    // floods by their few endpoints (one flow per source and inside host, and one port-less; a
    // resolver to 256 clients on 16 ports).
    let max_flows = DEFAULT_MAX_FLOWS as u64;
    let (possible, why) = match kind {
        Kind::Fragments => (
            2 * 4_096 * 16,
            "min(2 × 4,096 sources × 16 hosts, --max-flows)",
        ),
        Kind::DnsNames => (256 * 16, "min(256 clients × 16 ports, --max-flows)"),
        _ => (n, "min(N, --max-flows 1,000,000)"),
    };
    let flows = possible.min(n).min(max_flows);
    t.push((
        format!("open flows: {why} = {flows} × {PER_OPEN_FLOW} B"),
        flows as f64 * PER_OPEN_FLOW,
    ));
    // A full flow table closes a sixteenth of its bound at once (`bounded::sixteenth`), and
    // those flows are placed and written as one batch. The quic-cids flood peaks 154 MiB higher
    // with 2,000,000 Initials (evicting) than with 1,000,000 (not evicting), which this covers.
    if possible.min(n) > max_flows {
        let batch = max_flows / 16;
        t.push((
            format!(
                "eviction batch: --max-flows / 16 = {batch} closed flows × {PER_CLOSED_FLOW} B"
            ),
            batch as f64 * PER_CLOSED_FLOW,
        ));
    }
    match kind {
        Kind::DnsNames => t.push((
            format!(
                "DNS answers: MAX_BINDINGS {MAX_BINDINGS} × MAX_ANSWERS_PER_BINDING {MAX_ANSWERS_PER_BINDING} × {PER_DNS_ANSWER} B + MAX_HELD_NAME_BYTES {} MiB",
                MAX_HELD_NAME_BYTES >> 20
            ),
            (MAX_BINDINGS * MAX_ANSWERS_PER_BINDING) as f64 * PER_DNS_ANSWER
                + MAX_HELD_NAME_BYTES as f64,
        )),
        Kind::ClientHello | Kind::QuicCids => {
            t.push((
                format!(
                    "inspection: MAX_HELD_BYTES {} MiB + MAX_INSPECTING_FLOWS {MAX_INSPECTING_FLOWS} × {PER_INSPECTING_FLOW} B",
                    MAX_HELD_BYTES >> 20
                ),
                MAX_HELD_BYTES as f64 + MAX_INSPECTING_FLOWS as f64 * PER_INSPECTING_FLOW,
            ));
            if kind == Kind::QuicCids {
                t.push((
                    format!("names records: {flows} open flows × {PER_FLOW_FACTS} B"),
                    flows as f64 * PER_FLOW_FACTS,
                ));
            } else {
                // Every connection's handshake was answered: one round-trip record each.
                t.push((
                    format!("round-trip records: {flows} open flows × {PER_FLOW_RTT} B"),
                    flows as f64 * PER_FLOW_RTT,
                ));
            }
        }
        _ => {}
    }
    t
}

pub fn ceiling_bytes(terms: &[(String, f64)]) -> f64 {
    terms.iter().map(|(_, b)| b).sum()
}
