//! Generated captures the benchmark programs share, cached in `<target>/bench-captures/`:
//! written once by the generator (`examples/floodgen/generate.rs`, which the including crate
//! has as `mod generate`) and reused while the generator version, kind and size match.
//!
//! Included with `#[path = "../shared/capture.rs"] mod capture;` beside `mod child` and
//! `mod generate`.

use super::child::{num, parse_line};
use super::generate::{self, Kind};
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

/// Write (or reuse) a capture; returns its path and what it holds.
pub fn capture(dir: &Path, kind: Kind, size: u64) -> (PathBuf, generate::Written) {
    let path = dir.join(format!("{}-{size}.pcap", kind.name()));
    let stamp = path.with_extension("pcap.done");
    let tag = format!("floodgen v{} {} {size}", generate::VERSION, kind.name());
    if let (Ok(text), Ok(meta)) = (fs::read_to_string(&stamp), fs::metadata(&path)) {
        let f = parse_line(&text);
        if f.get("tag").map(String::as_str) == Some(&tag.replace(' ', "_"))
            && f.get("bytes").and_then(|b| b.parse().ok()) == Some(meta.len())
        {
            let written = generate::Written {
                packets: num(&f, "packets") as u64,
                flows: num(&f, "flows") as u64,
                bytes: meta.len(),
                span_us: num(&f, "span_us") as u64,
            };
            return (path, written);
        }
    }
    let start = Instant::now();
    let w = generate::write(kind, size, &path).expect("write capture");
    eprintln!(
        "generated {} ({} packets, {} flows, {:.0} MB) in {:.1} s",
        path.display(),
        w.packets,
        w.flows,
        w.bytes as f64 / 1e6,
        start.elapsed().as_secs_f64()
    );
    let line = format!(
        "tag={} packets={} flows={} bytes={} span_us={}\n",
        tag.replace(' ', "_"),
        w.packets,
        w.flows,
        w.bytes,
        w.span_us
    );
    fs::write(&stamp, line).expect("write capture stamp");
    (path, w)
}
