//! DNS over UDP (one message) and over TCP (length-prefixed messages in a stream).
#![no_main]

use libfuzzer_sys::fuzz_target;
use residency::names::dns::{parse_message, tcp_messages};

fuzz_target!(|data: &[u8]| {
    let _ = std::hint::black_box(parse_message(data));
    for message in tcp_messages(data) {
        let _ = std::hint::black_box(parse_message(message));
    }
});
