//! Link, IP, tunnel and transport decoding of one frame: the first byte picks the link type,
//! the second how many bytes the capture cut off.
#![no_main]

use libfuzzer_sys::fuzz_target;
use residency::decode::decode;
use residency::source::LinkType;

const LINKS: [LinkType; 14] = [
    LinkType::NULL,
    LinkType::ETHERNET,
    LinkType::PPP,
    LinkType::RAW_12,
    LinkType::RAW_14,
    LinkType::PPP_HDLC,
    LinkType::PPP_ETHER,
    LinkType::RAW,
    LinkType::C_HDLC,
    LinkType::LOOP,
    LinkType::LINUX_SLL,
    LinkType::IPV4,
    LinkType::IPV6,
    LinkType::LINUX_SLL2,
];

fuzz_target!(|data: &[u8]| {
    let [link, missing, frame @ ..] = data else {
        return;
    };
    let link = LINKS[usize::from(*link) % LINKS.len()];
    let _ = std::hint::black_box(decode(link, frame, u32::from(*missing)));
});
