//! Link, IP, tunnel and transport decoding of one frame: the first byte picks the link type,
//! the second how many bytes the capture cut off.
#![no_main]

use libfuzzer_sys::fuzz_target;
use residency::decode::decode;
use residency::source::LinkType;

const LINKS: [LinkType; 14] = LinkType::DECODED;

fuzz_target!(|data: &[u8]| {
    let [link, missing, frame @ ..] = data else {
        return;
    };
    let link = LINKS[usize::from(*link) % LINKS.len()];
    let _ = std::hint::black_box(decode(link, frame, u32::from(*missing)));
});
