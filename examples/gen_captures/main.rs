//! Deterministic generator for the small test captures shipped in `captures/`.
//!
//! ```text
//! cargo run --example gen_captures -- captures/
//! ```
//!
//! Every packet is built by hand: fixed addresses, fixed timestamps, payload filler from a
//! fixed-seed xorshift, no clock and no randomness, so two runs write the same bytes.
//! `tests/captures_generated.rs` includes this file as a module and checks that the shipped
//! files still equal what [`generate`] produces. For that reason the modules below name each
//! other through `super::`, never `crate::` (which would be the test crate there).
//!
//! Besides the captures, the generator writes `expected.json` and `README.md`, with the flows
//! each capture contains and the values an analyser must report for them. These are computed
//! from the packets as they are written, never typed in by hand.
//!
//! Layout, from the bottom up:
//!
//! * [`timestamp`]: timestamps and their resolution; [`bytes`]: byte and literal helpers;
//! * [`packet`]: IP, UDP and TCP headers with checksums; [`flow`]: flows, directions, TCP
//!   connections and fragments, with each packet attributed to its flow;
//! * [`payload`]: application payloads (DNS, TLS, QUIC, STUN, NTP, ESP, HTTP);
//!   [`names_payload`]: those `names.pcap` adds (ECH, TLS 1.2 certificates, DNS HTTPS records
//!   and DNS over TCP, MS-TURN, HTTP) and [`names_vectors`] (the RFC 5769 and RFC 9369 test
//!   vectors); [`gquic_payload`]: Chrome's Google QUIC packets (`gquic.pcap`);
//!   [`turn_payload`]: TURN allocations with long-term credentials (REALM);
//! * [`link`]: link-layer framing; [`tunnel`]: encapsulations; [`capwap`]: CAPWAP data
//!   channel packets with 802.3 and 802.11 frames;
//! * [`write`]: packet records and the pcap / pcapng writers;
//! * [`captures`]: one function per capture;
//! * [`expected`]: the flows an analyser must report, `expected.json` and `README.md`;
//!   [`expected_rtt`]: the round-trip times of the RTT captures' flows.

mod bytes;
mod captures;
mod capwap;
mod expected;
mod expected_rtt;
mod flow;
mod gquic_payload;
mod link;
mod names_payload;
mod names_vectors;
mod packet;
mod payload;
mod timestamp;
mod tunnel;
mod turn_payload;
mod write;

use std::fs;
use std::path::Path;

use anyhow::{Context, Result};

use captures::all_captures;
use expected::{expected_json, readme};

fn main() -> Result<()> {
    let dir = std::env::args_os()
        .nth(1)
        .context("usage: cargo run --example gen_captures -- OUT_DIR")?;
    let dir = Path::new(&dir);
    let files = generate();
    write_files(dir, &files)?;
    for file in &files {
        let packets = file
            .readable_packets
            .map_or_else(String::new, |n| format!("{n:>3} packets"));
        println!(
            "{:>7} bytes  {packets:<11}  {}",
            file.bytes.len(),
            dir.join(&file.name).display()
        );
    }
    Ok(())
}

/// One generated file.
pub struct Generated {
    pub name: String,
    pub bytes: Vec<u8>,
    /// For captures: how many packet records a reader can read completely.
    pub readable_packets: Option<usize>,
}

/// Every file the generator produces, in a fixed order: the captures, `not-a-capture.txt`,
/// `expected.json` and `README.md`.
pub fn generate() -> Vec<Generated> {
    let captures = all_captures();
    let mut files: Vec<Generated> = captures
        .iter()
        .map(|c| Generated {
            name: c.file.to_string(),
            bytes: c.bytes.clone(),
            readable_packets: Some(c.readable),
        })
        .collect();
    let other = [
        ("not-a-capture.txt", NOT_A_CAPTURE.as_bytes().to_vec()),
        ("expected.json", expected_json(&captures)),
        ("README.md", readme(&captures).into_bytes()),
    ];
    files.extend(other.into_iter().map(|(name, bytes)| Generated {
        name: name.to_string(),
        bytes,
        readable_packets: None,
    }));
    files
}

/// Writes `files` into `dir` (created if missing).
pub fn write_files(dir: &Path, files: &[Generated]) -> Result<()> {
    fs::create_dir_all(dir).with_context(|| format!("creating {}", dir.display()))?;
    for file in files {
        let path = dir.join(&file.name);
        fs::write(&path, &file.bytes).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(())
}

pub const NOT_A_CAPTURE: &str = "This is not a packet capture.\n\
It is a plain text file: a reader must reject it as neither pcap nor pcapng.\n";
