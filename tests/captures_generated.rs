//! The files in `captures/` are exactly what `examples/gen_captures/` generates, and they are
//! well-formed for an independent reader (the `pcap-file` crate).
//!
//! After changing the generator, refresh the files with
//! `cargo run --example gen_captures -- captures/`.

#[path = "../examples/gen_captures/main.rs"]
#[allow(dead_code)]
mod gen_captures;

use std::fs;
use std::path::{Path, PathBuf};
use std::time::Duration;

use pcap_file::pcap::PcapReader;
use pcap_file::pcapng::{Block, PcapNgReader};

use gen_captures::Generated;

fn shipped_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("captures")
}

fn generated(name: &str) -> Generated {
    gen_captures::generate()
        .into_iter()
        .find(|f| f.name == name)
        .unwrap_or_else(|| panic!("the generator makes no {name}"))
}

#[test]
fn shipped_files_equal_fresh_generator_output() {
    let out = Path::new(env!("CARGO_TARGET_TMPDIR")).join("captures_generated");
    if out.exists() {
        fs::remove_dir_all(&out).expect("removing the previous output directory");
    }
    let files = gen_captures::generate();
    gen_captures::write_files(&out, &files).expect("generator writes its files");

    let mut problems = Vec::new();
    for file in &files {
        let fresh = fs::read(out.join(&file.name)).expect("reading a freshly generated file");
        match fs::read(shipped_dir().join(&file.name)) {
            Ok(shipped) if shipped == fresh => {}
            Ok(shipped) => problems.push(format!(
                "{} differs ({} bytes shipped, {} generated)",
                file.name,
                shipped.len(),
                fresh.len()
            )),
            Err(e) => problems.push(format!("{}: {e}", file.name)),
        }
    }
    assert!(
        problems.is_empty(),
        "captures/ does not match examples/gen_captures/: {}.\n\
         Run `cargo run --example gen_captures -- captures/` and commit the result.",
        problems.join("; ")
    );
}

#[test]
fn generator_is_deterministic() {
    let first = gen_captures::generate();
    let second = gen_captures::generate();
    assert_eq!(first.len(), second.len());
    for (a, b) in first.iter().zip(&second) {
        assert_eq!(a.name, b.name);
        assert!(a.bytes == b.bytes, "{} differs between two runs", a.name);
    }
}

#[test]
fn every_capture_is_small() {
    for file in gen_captures::generate() {
        if file.readable_packets.is_some() {
            assert!(
                file.bytes.len() < 20 * 1024,
                "{} is {} bytes",
                file.name,
                file.bytes.len()
            );
        }
    }
}

#[test]
fn pcap_file_reads_every_intact_pcap() {
    for file in gen_captures::generate() {
        let Some(expected) = file.readable_packets else {
            continue;
        };
        let damaged = ["truncated.pcap", "corrupt.pcap"].contains(&file.name.as_str());
        if !file.name.ends_with(".pcap") || damaged {
            continue;
        }
        let mut reader = PcapReader::new(&file.bytes[..])
            .unwrap_or_else(|e| panic!("{}: bad header: {e}", file.name));
        let mut count = 0;
        while let Some(packet) = reader.next_packet() {
            let packet =
                packet.unwrap_or_else(|e| panic!("{}: packet {}: {e}", file.name, count + 1));
            // loss.pcap has a snap length: its records keep at most that many bytes.
            let kept = u32::try_from(packet.data.len()).expect("small packet");
            if file.name == "loss.pcap" {
                assert_eq!(kept, packet.orig_len.min(128), "{}", file.name);
            } else {
                assert_eq!(
                    packet.orig_len, kept,
                    "{}: pcap files store whole packets",
                    file.name
                );
            }
            count += 1;
        }
        assert_eq!(count, expected, "{}", file.name);
    }
}

#[test]
fn damaged_pcaps_fail_after_their_good_records() {
    for (name, good) in [("truncated.pcap", 7), ("corrupt.pcap", 5)] {
        let file = generated(name);
        assert_eq!(file.readable_packets, Some(good));
        let mut reader = PcapReader::new(&file.bytes[..]).expect("valid pcap header");
        for n in 1..=good {
            let packet = reader.next_packet();
            assert!(
                matches!(packet, Some(Ok(_))),
                "{name}: packet {n} should be readable"
            );
        }
        assert!(
            matches!(reader.next_packet(), Some(Err(_))),
            "{name}: record {} should be an error",
            good + 1
        );
    }
}

#[test]
fn pcapng_has_two_sections_resolutions_and_a_truncated_packet() {
    let file = generated("ipv6.pcapng");
    let mut reader = PcapNgReader::new(&file.bytes[..]).expect("valid section header");
    let mut sections = 1;
    let mut packets = Vec::new();
    while let Some(block) = reader.next_block() {
        match block.expect("well-formed block") {
            Block::SectionHeader(_) => sections += 1,
            Block::EnhancedPacket(epb) => packets.push((
                sections,
                epb.interface_id,
                epb.timestamp,
                epb.data.len(),
                epb.original_len,
            )),
            _ => {}
        }
    }
    assert_eq!(sections, 2);
    assert_eq!(Some(packets.len()), file.readable_packets);

    // pcap-file hands back the raw timestamp units as nanoseconds: interface 0 of section 1
    // counts nanoseconds (if_tsresol 9), the others microseconds.
    let t0 = 1_772_442_000u64;
    assert_eq!(
        packets[0],
        (
            1,
            0,
            Duration::from_nanos((t0 + 1) * 1_000_000_000 + 123),
            86,
            86
        )
    );
    let truncated = packets
        .iter()
        .find(|p| u32::try_from(p.3).ok() != Some(p.4))
        .expect("one packet is stored truncated");
    assert_eq!(
        *truncated,
        (
            1,
            1,
            Duration::from_nanos((t0 + 2) * 1_000_000 + 12_345),
            128,
            164
        )
    );
    let last = packets.last().expect("packets");
    assert_eq!(
        *last,
        (2, 0, Duration::from_nanos((t0 + 5) * 1_000_000), 90, 90)
    );
}

#[test]
fn expected_json_lists_every_capture() {
    let json = generated("expected.json");
    let value: serde_json::Value =
        serde_json::from_slice(&json.bytes).expect("expected.json is JSON");
    let map = value.as_object().expect("expected.json is an object");
    for file in gen_captures::generate() {
        if file.readable_packets.is_some() {
            let flows = map
                .get(&file.name)
                .and_then(|v| v.as_array())
                .unwrap_or_else(|| panic!("expected.json has no list for {}", file.name));
            assert!(!flows.is_empty(), "{} has no flows", file.name);
        }
    }
}
