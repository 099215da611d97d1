//! The comparison of both sides for one capture and its per-tuple table.

use crate::keys::{Counts, TupleKey};
use crate::residency::{EXIT_COMPLETE, EXIT_PARTIAL, run_residency};
use crate::tshark::tshark;
use crate::tshark_side::run_tshark;
use crate::{captures_dir, deliberately_malformed, skip};
use std::collections::BTreeSet;
use std::path::Path;

/// Runs both sides over one capture, prints the per-tuple table and asserts that every
/// compared tuple matches.
pub fn check_capture(name: &str) {
    let Some(dir) = captures_dir() else { return };
    let path = dir.join(name);
    if !path.is_file() {
        skip(&format!("{name}: not found in {}", dir.display()));
        return;
    }
    check_file(name, &path);
}

/// As `check_capture`, for a capture at `path` (the generated ones in `captures/`).
pub fn check_file(name: &str, path: &Path) {
    let ts = match tshark() {
        Ok(ts) => ts,
        Err(reason) => {
            skip(&format!(
                "{name}: {reason}; the tshark oracle compares nothing"
            ));
            return;
        }
    };
    let malformed = deliberately_malformed(name);

    // residency first: crash-safety is asserted for every capture.
    let res = match run_residency(path) {
        Ok(r) => r,
        Err(e) => panic!("{name}: residency failed: {e}"),
    };
    let oracle = match run_tshark(path, ts) {
        Ok(t) => t,
        Err(e) if malformed => {
            println!(
                "{name}: residency exit {} with a valid report; tshark: {e}",
                res.exit
            );
            return;
        }
        Err(e) => panic!("{name}: {e}"),
    };

    println!(
        "== {name}{}: residency exit {} ({}), {} flows, {} packets read, {} input errors",
        if malformed {
            " [deliberately malformed]"
        } else {
            ""
        },
        res.exit,
        if res.exit == EXIT_COMPLETE {
            "complete"
        } else {
            "partial"
        },
        res.flows,
        res.input_packets.map_or("?".into(), |p| p.to_string()),
        res.input_errors,
    );
    if !ts.missing_markers.is_empty() {
        println!("   (this tshark lacks markers {:?})", ts.missing_markers);
    }
    if !oracle.warnings.is_empty() {
        println!("   tshark says: {}", oracle.warnings.replace('\n', " | "));
    }
    println!(
        "   tshark: {} frames, {} non-IP, {} skipped (link/IP damage), {} skipped (transport \
         header damage), {} non-first fragments unattributed (first fragment absent), {} \
         fragments of skipped first fragments",
        oracle.frames,
        oracle.non_ip,
        oracle.unclean_ip.len(),
        oracle.unclean_transport.len(),
        oracle.unattributed_fragments.len(),
        oracle.fragments_of_skipped.len(),
    );
    for (frame, why) in oracle.unclean_ip.iter().chain(&oracle.unclean_transport) {
        println!("     skipped frame {frame}: {why}");
    }
    if !oracle.unattributed_fragments.is_empty() {
        println!(
            "     unattributed fragments: frames {}",
            frame_list(&oracle.unattributed_fragments)
        );
    }
    for note in &oracle.reused_fragment_ids {
        println!("     fragment id reused: {note}");
    }
    if res.exit == EXIT_PARTIAL && !malformed {
        println!("   note: residency reports this capture as partial (damaged input)");
    }

    let keys: BTreeSet<TupleKey> = oracle
        .counts
        .keys()
        .chain(res.counts.keys())
        .copied()
        .collect();
    let mut failures = Vec::new();
    let (mut matched, mut not_compared) = (0, 0);
    println!(
        "   {:<60} {:<32} {:<32} status",
        "tuple (A <-> B)", "tshark A>B | B>A", "residency A>B | B>A"
    );
    for key in &keys {
        let t = oracle.counts.get(key);
        let r = res.counts.get(key);
        let show = |c: Option<&Counts>| c.map_or("-".to_string(), Counts::to_string);
        let (status, failed) = if oracle.tainted(key) {
            not_compared += 1;
            ("not compared: tshark dissection unclean", false)
        } else {
            match (t, r) {
                (Some(t), Some(r)) if t == r => {
                    matched += 1;
                    ("ok", false)
                }
                (Some(_), Some(_)) => ("MISMATCH", true),
                (Some(_), None) => ("MISSING in residency", true),
                (None, Some(_)) if oracle.skipped_anything() => {
                    not_compared += 1;
                    (
                        "only in residency (tshark skipped frames: unverifiable)",
                        false,
                    )
                }
                (None, Some(_)) => ("ONLY in residency", true),
                (None, None) => unreachable!("key comes from one of the maps"),
            }
        };
        if failed {
            failures.push(format!(
                "{key}: tshark {} vs residency {}",
                show(t),
                show(r)
            ));
        }
        println!(
            "   {:<60} {:<32} {:<32} {status}",
            key.to_string(),
            show(t),
            show(r)
        );
    }
    println!(
        "   {name}: {matched} tuples match, {} differ, {not_compared} not compared",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{name}: {} tuple(s) differ between tshark and residency:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// "1-3, 7" style list of frame numbers.
pub fn frame_list(frames: &[u64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < frames.len() {
        let mut j = i;
        while j + 1 < frames.len() && frames[j + 1] == frames[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            frames[i].to_string()
        } else {
            format!("{}-{}", frames[i], frames[j])
        });
        i = j + 1;
    }
    parts.join(", ")
}
