//! HTTP/1.x: the Host of a request at the start of a stream.
#![no_main]

use libfuzzer_sys::fuzz_target;
use residency::names::http::request_host;

fuzz_target!(|data: &[u8]| {
    let _ = std::hint::black_box(request_host(data));
});
