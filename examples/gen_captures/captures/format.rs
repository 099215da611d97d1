//! Captures that exercise the pcap format itself: big-endian nanoseconds, a truncated file
//! and a corrupt record header.

use std::net::Ipv4Addr;

use super::bytes::len32;
use super::flow::{Dir, Flow, udp};
use super::link::{Link, mac};
use super::payload::ntp;
use super::timestamp::{NS_PER_S, Precision, T0, ms, us};
use super::write::{Endian, LINKTYPE_ETHERNET, PcapFormat, Rec, Recs};
use super::{Capture, dns_lookup};

/// ns.pcap: a big-endian nanosecond pcap with NTP packets.
pub fn nanoseconds() -> Capture {
    let link = Link::new(mac(0x0805), mac(0x0801));
    let flow = Flow::udp("10.0.0.5:40123", "10.0.0.1:123");
    let mut recs = Recs::default();
    let t1 = T0 + 123_456_789;
    let t2 = t1 + 17_654_321;
    let t3 = T0 + 64 * NS_PER_S + 5;
    let t4 = t3 + 16_999_999;
    for (ts, mode, dir) in [
        (t1, 3, Dir::ToServer),
        (t2, 4, Dir::ToClient),
        (t3, 3, Dir::ToServer),
        (t4, 4, Dir::ToClient),
    ] {
        recs.at(ts, link.frame(udp(flow, dir, &ntp(mode, ts / NS_PER_S))));
    }
    let format = PcapFormat {
        endian: Endian::Big,
        precision: Precision::Nano,
        ..PcapFormat::new(LINKTYPE_ETHERNET)
    };
    Capture::pcap(
        "ns.pcap",
        format,
        "Nanosecond pcap (magic 0xa1b23c4d) written big-endian: two NTP request/response \
         pairs 10.0.0.5:40123 <-> 10.0.0.1:123 at 09:00:00.123456789, 09:00:00.141111110, \
         09:01:04.000000005 and 09:01:04.017000004.",
        &recs.sorted(),
    )
}

/// The ten-packet DNS series that truncated.pcap and corrupt.pcap are cut from.
fn damaged_source() -> Vec<Rec> {
    let link = Link::new(mac(0x0a05), mac(0x0a01));
    let flow = Flow::udp("10.0.0.5:40700", "10.0.0.1:53");
    let mut recs = Recs::default();
    let names = ["one", "two", "three", "four", "five"];
    for (i, name) in (0u8..).zip(names) {
        let id = 0x7000 + u16::from(i);
        let name = format!("{name}.example.com");
        let t = T0 + ms(100 * u64::from(i));
        let [query, answer] = dns_lookup(flow, id, &name, Ipv4Addr::new(192, 0, 2, 1 + i), 60);
        recs.at(t, link.frame(query));
        recs.at(t + us(2_500), link.frame(answer));
    }
    recs.sorted()
}

/// truncated.pcap (ends inside packet 8's data) and corrupt.pcap (5 good records, then a
/// record header claiming 0x7fffffff captured bytes).
pub fn damaged() -> Vec<Capture> {
    let format = PcapFormat::new(LINKTYPE_ETHERNET);
    let recs = damaged_source();
    assert_eq!(recs.len(), 10);

    let mut truncated = format.header();
    for rec in &recs[..7] {
        truncated.extend_from_slice(&format.record(rec));
    }
    let eighth = format.record(&recs[7]);
    truncated.extend_from_slice(&eighth[..16 + (eighth.len() - 16) / 2]);

    let mut corrupt = format.header();
    for rec in &recs[..5] {
        corrupt.extend_from_slice(&format.record(rec));
    }
    let sixth = &recs[5];
    let sixth_len = sixth.pkt.data.len();
    corrupt.extend_from_slice(&format.record_header(sixth.ts, 0x7fff_ffff, len32(sixth_len)));
    corrupt.extend_from_slice(&sixth.pkt.data);

    vec![
        Capture::new(
            "truncated.pcap",
            format.describe(),
            "Cut from a valid 10-packet capture (five DNS queries from 10.0.0.5:40700 to \
             10.0.0.1:53, each answered 2.5 ms later): the file ends in the middle of the 8th \
             record's packet data. A reader yields packets 1-7 and reports the file as \
             truncated at the 8th record; the flows below count those 7 packets.",
            truncated,
            &recs[..7],
            format.precision,
        ),
        Capture::new(
            "corrupt.pcap",
            format.describe(),
            &format!(
                "The first 5 records of the same DNS series, then a record header whose \
                 captured length is 0x7fffffff (original length {sixth_len}), followed by the \
                 {sixth_len} bytes of the 6th packet. A reader yields packets 1-5 and reports the \
                 6th record as corrupt; the flows below count those 5 packets."
            ),
            corrupt,
            &recs[..5],
            format.precision,
        ),
    ]
}
