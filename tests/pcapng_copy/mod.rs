//! Shared by tests/rotating_outputs.rs and tests/oracle_tshark_pcapng.rs: a capture read with
//! `residency::source` and written again with the pcapng evidence writer.

use residency::output::{InterfaceInfo, PartReport, PcapNgOut, Rotate};
use residency::source::{self, LinkType};
use std::path::Path;

/// One packet as read: capture time (ns), captured bytes, wire length.
pub type Frame = (i64, Vec<u8>, u32);

/// The snap length written in copies: above every generated frame.
pub const SNAPLEN: u32 = 262_144;

/// What a copy needs to know of its original.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Kind {
    pub link_type: LinkType,
    /// Fractional digits of its clock (6 or 9).
    pub digits: u8,
}

/// Every packet of `path`, its one link type and its precision; `None` for a file that cannot
/// be opened, is damaged, or has several link types (the writer describes one interface).
pub fn read_all(path: &Path) -> Option<(Vec<Frame>, Kind)> {
    let mut capture = source::open(path).ok()?;
    let mut frames = Vec::new();
    while let Some(p) = capture.next_packet() {
        frames.push((p.ts.nanos(), p.data.to_vec(), p.wire_len));
    }
    if capture.damage().is_some() {
        return None;
    }
    let digits = capture.precision_digits();
    match capture.link_types().as_slice() {
        [one] => Some((
            frames,
            Kind {
                link_type: *one,
                digits,
            },
        )),
        _ => None,
    }
}

/// Writes `frames` to `to` as pcapng (interface `eth1`, the original's link type and clock
/// precision), calling `reopen` before the packets
/// whose index is in `reopen_before`; returns the parts.
pub fn write_copy(
    frames: &[Frame],
    kind: Kind,
    to: &Path,
    rotate: Rotate,
    reopen_before: &[usize],
) -> Vec<PartReport> {
    let interface = InterfaceInfo {
        name: Some("eth1".into()),
        filter: Some("ip or ip6".into()),
        ts_digits: kind.digits,
        ..InterfaceInfo::new(kind.link_type, SNAPLEN)
    };
    let mut out = PcapNgOut::create(to, rotate, &interface).expect("create the copy");
    for (i, (ts, data, wire)) in frames.iter().enumerate() {
        if reopen_before.contains(&i) {
            out.reopen().expect("reopen");
        }
        out.write_packet(
            residency::timestamp::Timestamp::from_nanos(*ts),
            data,
            *wire,
        )
        .expect("write a packet");
    }
    out.finish().expect("finish the copy")
}

/// The generated captures (`captures/*.pcap*`), in name order.
pub fn generated_captures() -> Vec<std::path::PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    let mut found: Vec<_> = std::fs::read_dir(&dir)
        .expect("captures/")
        .filter_map(Result::ok)
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|e| e == "pcap" || e == "pcapng"))
        .collect();
    found.sort();
    found
}
