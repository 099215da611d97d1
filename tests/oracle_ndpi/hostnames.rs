//! The hostname comparison: on nDPI's TLS, QUIC and HTTP flows, residency's `hostname.name`
//! against nDPI's `Hostname/SNI`.

use crate::known::{EXTRA_NAMES, KNOWN_DIFFERENCES};
use crate::ndpi::{self, HTTP, QUIC, TLS};
use crate::ours::Run;

/// The share of compared flows whose names must agree (the figure).
pub const MIN_MATCH_RATE: f64 = 0.97;

/// Figures of one capture.
#[derive(Default)]
pub struct Figures {
    pub compared: usize,
    pub matched: usize,
    pub extra: usize,
}

/// One difference found: capture, nDPI flow number, residency's name and source (None: no
/// flow or no name), nDPI's name (None: residency has a name, nDPI none), and a description.
pub struct Found {
    pub capture: String,
    pub flow: u32,
    pub residency: Option<(String, String)>,
    pub ndpi: Option<String>,
    pub describe: String,
}

pub struct Outcome {
    pub per_capture: Vec<(String, Figures)>,
    pub mismatches: Vec<Found>,
    pub extras: Vec<Found>,
    /// nDPI flows compared that residency split over several flows (or found fuzzily).
    pub notes: Vec<String>,
}

impl Outcome {
    pub fn totals(&self) -> Figures {
        let mut t = Figures::default();
        for (_, f) in &self.per_capture {
            t.compared += f.compared;
            t.matched += f.matched;
            t.extra += f.extra;
        }
        t
    }
}

fn in_scope(f: &ndpi::Flow) -> bool {
    matches!(f.master, Some(TLS | QUIC | HTTP))
}

pub fn compare(runs: &[Run]) -> Outcome {
    let mut out = Outcome {
        per_capture: Vec::new(),
        mismatches: Vec::new(),
        extras: Vec::new(),
        notes: Vec::new(),
    };
    for run in runs {
        let mut fig = Figures::default();
        for f in run.ndpi.iter().filter(|f| in_scope(f)) {
            let matched = run.flows_for(f);
            let ours: Vec<(String, String)> = matched
                .flows
                .iter()
                .filter_map(|x| x.hostname.as_ref())
                .map(|h| (h.name.clone(), h.source.name().to_string()))
                .collect();
            if matched.flows.len() > 1 || matched.fuzzy {
                out.notes.push(format!(
                    "{} {}: {} residency flow(s){}",
                    run.capture,
                    f.describe(),
                    matched.flows.len(),
                    if matched.fuzzy {
                        ", found without nDPI's misprinted address"
                    } else {
                        ""
                    }
                ));
            }
            let found = |ndpi: Option<&str>, residency: Option<&(String, String)>| Found {
                capture: run.capture.clone(),
                flow: f.number,
                residency: residency.cloned(),
                ndpi: ndpi.map(str::to_string),
                describe: f.describe(),
            };
            match f.hostname() {
                Some(theirs) => {
                    fig.compared += 1;
                    if ours.iter().any(|(n, _)| n.eq_ignore_ascii_case(theirs)) {
                        fig.matched += 1;
                    } else {
                        out.mismatches.push(found(Some(theirs), ours.first()));
                    }
                }
                None => {
                    if let Some(first) = ours.first() {
                        fig.extra += 1;
                        out.extras.push(found(None, Some(first)));
                    }
                }
            }
        }
        out.per_capture.push((run.capture.clone(), fig));
    }
    out
}

fn show(f: &Found) -> String {
    let ours = match &f.residency {
        Some((name, source)) => format!("{name:?} ({source})"),
        None => "none".to_string(),
    };
    let theirs = f
        .ndpi
        .as_deref()
        .map_or("none".into(), |n| format!("{n:?}"));
    format!(
        "{} {}: residency {ours}, nDPI {theirs}",
        f.capture, f.describe
    )
}

/// Prints the figures and every difference; returns the failures (unlisted differences and
/// stale table entries).
pub fn report(out: &Outcome) -> Vec<String> {
    println!("hostname agreement with nDPI (TLS/QUIC/HTTP flows that nDPI names):");
    println!(
        "  {:<42} {:>8} {:>8} {:>6}",
        "capture", "compared", "matched", "extra"
    );
    for (capture, f) in out
        .per_capture
        .iter()
        .filter(|(_, f)| f.compared + f.extra > 0)
    {
        println!(
            "  {capture:<42} {:>8} {:>8} {:>6}",
            f.compared, f.matched, f.extra
        );
    }
    let t = out.totals();
    println!(
        "  {:<42} {:>8} {:>8} {:>6}",
        "total", t.compared, t.matched, t.extra
    );
    for note in &out.notes {
        println!("  note: {note}");
    }
    let mut failures = Vec::new();
    println!("mismatches ({}):", out.mismatches.len());
    for m in &out.mismatches {
        let known = KNOWN_DIFFERENCES.iter().find(|k| {
            k.capture == m.capture
                && k.flow == m.flow
                && Some(k.ndpi) == m.ndpi.as_deref()
                && k.residency == m.residency.as_ref().map(|(n, _)| n.as_str())
        });
        match known {
            Some(k) => println!("  {} — {:?} is right: {}", show(m), k.right, k.why),
            None => {
                println!("  {} — NOT IN KNOWN_DIFFERENCES", show(m));
                failures.push(format!("unexplained mismatch: {}", show(m)));
            }
        }
    }
    for k in KNOWN_DIFFERENCES {
        if !out
            .mismatches
            .iter()
            .any(|m| m.capture == k.capture && m.flow == k.flow)
        {
            failures.push(format!(
                "KNOWN_DIFFERENCES entry {} #{} no longer happens: remove it",
                k.capture, k.flow
            ));
        }
    }
    println!(
        "residency names a flow that nDPI does not ({}):",
        out.extras.len()
    );
    for e in &out.extras {
        let known = EXTRA_NAMES.iter().find(|k| {
            k.capture == e.capture
                && k.flow == e.flow
                && e.residency.as_ref().map(|(n, s)| (n.as_str(), s.as_str()))
                    == Some((k.name, k.source))
        });
        match known {
            Some(k) => println!("  {} — {:?} is right: {}", show(e), k.right, k.why),
            None => {
                println!("  {} — NOT IN EXTRA_NAMES", show(e));
                failures.push(format!("unexplained extra name: {}", show(e)));
            }
        }
    }
    for k in EXTRA_NAMES {
        if !out
            .extras
            .iter()
            .any(|e| e.capture == k.capture && e.flow == k.flow)
        {
            failures.push(format!(
                "EXTRA_NAMES entry {} #{} no longer happens: remove it",
                k.capture, k.flow
            ));
        }
    }
    failures
}
