//! TLS: a direction's byte stream (records, handshake reassembly, ClientHello, Certificate and
//! its X.509 names), and a ClientHello handshake message on its own.
#![no_main]

use libfuzzer_sys::fuzz_target;
use residency::names::tls::{opens_client_hello, parse_client_hello, scan};

fuzz_target!(|data: &[u8]| {
    let _ = std::hint::black_box(opens_client_hello(data));
    let _ = std::hint::black_box(scan(data));
    let _ = std::hint::black_box(parse_client_hello(data));
});
