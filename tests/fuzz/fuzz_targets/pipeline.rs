//! The whole pipeline on a capture file: decode, flows, names, services, placement (the
//! embedded geo data, home SE), round trips, and the records and addresses handed out.
#![no_main]

use libfuzzer_sys::fuzz_target;
use residency::analyze::Options;
use residency::analyze::collect::{Embedded, collect_capture};
use residency::source::Capture;
use std::path::Path;
use std::sync::OnceLock;

fn tables() -> &'static Embedded {
    static TABLES: OnceLock<Embedded> = OnceLock::new();
    TABLES.get_or_init(|| Embedded::load(Some("SE")).expect("the embedded tables load"))
}

fuzz_target!(|data: &[u8]| {
    let Ok(capture) = Capture::new(data) else {
        return;
    };
    let options = Options::default();
    let ctx = tables().context(&options);
    let _ = std::hint::black_box(collect_capture(Path::new("fuzz.pcap"), capture, ctx));
});
