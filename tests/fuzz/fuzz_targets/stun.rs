//! STUN/TURN: a datagram, a TCP stream of framed messages, and TURN ChannelData.
#![no_main]

use libfuzzer_sys::fuzz_target;
use residency::names::stun::{channel_data_payload, parse_datagram, parse_stream, realm_name};

fuzz_target!(|data: &[u8]| {
    let _ = std::hint::black_box(parse_datagram(data));
    let _ = std::hint::black_box(parse_stream(data));
    if let Some(inner) = channel_data_payload(data) {
        let _ = std::hint::black_box(parse_datagram(inner));
    }
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = std::hint::black_box(realm_name(text));
    }
});
