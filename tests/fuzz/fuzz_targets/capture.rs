//! The pcap and pcapng readers on a whole file: every packet read, then the digest.
#![no_main]

use libfuzzer_sys::fuzz_target;
use residency::source::Capture;

fuzz_target!(|data: &[u8]| {
    let Ok(mut capture) = Capture::new(data) else {
        return;
    };
    let mut bytes = 0usize;
    while let Some(packet) = capture.next_packet() {
        bytes = bytes.wrapping_add(packet.data.len());
    }
    let _ = capture.link_types();
    let _ = capture.precision_digits();
    let _ = capture.damage();
    let digest = capture.finish();
    assert!(digest.size <= data.len() as u64);
    std::hint::black_box(bytes);
});
