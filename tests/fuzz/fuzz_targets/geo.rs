//! A MaxMind DB file given with `--geo` (any layout residency recognises): the metadata, the
//! layout detection, and lookups of IPv4 and IPv6 addresses through the search tree to their
//! records.
#![no_main]

use libfuzzer_sys::fuzz_target;
use residency::place::geo::GeoDb;
use std::net::IpAddr;

const ADDRESSES: [&str; 6] = [
    "1.1.1.1",
    "52.113.194.132",
    "192.168.1.1",
    "255.255.255.255",
    "2001:db8::1",
    "2620:1ec:42::132",
];

fuzz_target!(|data: &[u8]| {
    let Ok(db) = GeoDb::from_user_bytes(data.to_vec(), "fuzz.mmdb") else {
        return;
    };
    for text in ADDRESSES {
        if let Ok(ip) = text.parse::<IpAddr>() {
            let _ = std::hint::black_box(db.lookup(0, ip));
        }
    }
    let _ = std::hint::black_box(db.sha256());
});
