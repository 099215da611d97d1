use super::*;
use etherparse::PacketBuilder;
use std::net::{Ipv4Addr, Ipv6Addr};

fn v4_tcp(payload: &[u8], flags_syn: bool) -> Vec<u8> {
    let mut builder =
        PacketBuilder::ipv4([10, 0, 0, 1], [192, 0, 2, 9], 64).tcp(40000, 443, 7, 1000);
    if flags_syn {
        builder = builder.syn();
    }
    let mut out = Vec::new();
    builder.write(&mut out, payload).unwrap();
    out
}

fn v6_udp(payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    PacketBuilder::ipv6(
        [0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1],
        [0xfe; 16],
        64,
    )
    .udp(5353, 53)
    .write(&mut out, payload)
    .unwrap();
    out
}

fn ethernet(ethertype: u16, body: &[u8]) -> Vec<u8> {
    let mut frame = vec![0u8; 12];
    frame.extend_from_slice(&ethertype.to_be_bytes());
    frame.extend_from_slice(body);
    frame
}

#[test]
fn ethernet_vlan_stack_to_tcp() {
    let ip = v4_tcp(b"hello", true);
    let mut body = vec![0x00, 0x64, 0x81, 0x00, 0x00, 0xc8, 0x08, 0x00];
    body.extend_from_slice(&ip);
    let frame = ethernet(0x88A8, &body);
    let d = decode(LinkType::ETHERNET, &frame, 0).unwrap();
    assert_eq!(d.src, IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)));
    assert_eq!(d.ip_len, ip.len() as u32);
    assert_eq!(d.tunnels, 0);
    match d.transport {
        Transport::Tcp {
            src_port,
            dst_port,
            flags,
            payload,
            ..
        } => {
            assert_eq!((src_port, dst_port, payload), (40000, 443, &b"hello"[..]));
            assert!(flags.has(TcpFlags::SYN));
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn snaplen_cut_keeps_length_from_header() {
    let ip = v4_tcp(&[0x55; 1000], false);
    let frame = ethernet(0x0800, &ip);
    let cut = &frame[..80];
    let d = decode(LinkType::ETHERNET, cut, (frame.len() - 80) as u32).unwrap();
    assert_eq!(d.ip_len, 1040);
    assert!(matches!(
        d.transport,
        Transport::Tcp {
            src_port: 40000,
            ..
        }
    ));
}

#[test]
fn cooked_null_raw_ppp() {
    let ip6 = v6_udp(b"q");
    let mut sll2 = vec![0x86, 0xdd];
    sll2.extend_from_slice(&[0; 18]);
    sll2.extend_from_slice(&ip6);
    let mut sll = vec![0; 14];
    sll.extend_from_slice(&[0x86, 0xdd]);
    sll.extend_from_slice(&ip6);
    let mut null_le = 30u32.to_le_bytes().to_vec();
    null_le.extend_from_slice(&ip6);
    let mut null_be = 24u32.to_be_bytes().to_vec();
    null_be.extend_from_slice(&ip6);
    let mut ppp = vec![0xff, 0x03, 0x00, 0x57];
    ppp.extend_from_slice(&ip6);
    for (link, frame) in [
        (LinkType::LINUX_SLL2, &sll2),
        (LinkType::LINUX_SLL, &sll),
        (LinkType::NULL, &null_le),
        (LinkType::NULL, &null_be),
        (LinkType::RAW, &ip6),
        (LinkType::IPV6, &ip6),
        (LinkType::PPP, &ppp),
    ] {
        let d = decode(link, frame, 0).unwrap_or_else(|e| panic!("{link:?}: {e:?}"));
        assert_eq!(d.dst, IpAddr::V6(Ipv6Addr::from([0xfe; 16])));
        assert_eq!(d.ip_len, 40 + 8 + 1);
        assert!(matches!(
            d.transport,
            Transport::Udp {
                src_port: 5353,
                dst_port: 53,
                payload: b"q"
            }
        ));
    }
}

fn outer_v4(protocol: u8, payload: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    PacketBuilder::ipv4([198, 51, 100, 1], [198, 51, 100, 2], 64)
        .write(&mut out, etherparse::IpNumber(protocol), payload)
        .unwrap();
    out
}

#[test]
fn tunnels_reach_the_innermost_header() {
    let inner = v4_tcp(b"x", true);
    let inner_eth = ethernet(0x0800, &inner);
    let mut gre = vec![0x00, 0x00, 0x08, 0x00];
    gre.extend_from_slice(&inner);
    let mut erspan2 = vec![0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1];
    erspan2.extend_from_slice(&[0x10, 0x64, 0, 1, 0, 0, 0, 0]);
    erspan2.extend_from_slice(&inner_eth);
    let mut erspan3 = vec![0x00, 0x00, 0x22, 0xeb];
    erspan3.extend_from_slice(&[0x20, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 1]);
    erspan3.extend_from_slice(&[0; 8]);
    erspan3.extend_from_slice(&inner_eth);
    let mut vxlan = Vec::new();
    PacketBuilder::ipv4([198, 51, 100, 1], [198, 51, 100, 2], 64)
        .udp(50000, 4789)
        .write(
            &mut vxlan,
            &[&[0x08, 0, 0, 0, 0, 0, 42, 0][..], &inner_eth].concat(),
        )
        .unwrap();
    let cases = [
        outer_v4(47, &gre),
        outer_v4(47, &erspan2),
        outer_v4(47, &erspan3),
        vxlan,
        outer_v4(4, &inner),
        outer_v4(41, &v6_udp(b"q")),
    ];
    for (i, outer) in cases.iter().enumerate() {
        let frame = ethernet(0x0800, outer);
        let d = decode(LinkType::ETHERNET, &frame, 0).unwrap_or_else(|e| panic!("case {i}: {e:?}"));
        assert_eq!(d.tunnels, 1, "case {i}");
        assert_ne!(
            d.src,
            IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)),
            "case {i}"
        );
    }
}

#[test]
fn fragments_are_marked() {
    let mut ip = v4_tcp(&[1; 100], false);
    // Mark as first fragment with more to come, id 0x1234.
    ip[4] = 0x12;
    ip[5] = 0x34;
    ip[6] = 0x20;
    let d = decode(LinkType::RAW, &ip, 0).unwrap();
    assert_eq!(
        d.fragment,
        Some(Fragment {
            id: 0x1234,
            offset: 0,
            more: true
        })
    );
    assert!(matches!(d.transport, Transport::Tcp { .. }));
    ip[7] = 0x10; // offset 16 × 8 bytes
    let d = decode(LinkType::RAW, &ip, 0).unwrap();
    assert_eq!(d.fragment.map(|f| f.offset), Some(128));
    assert_eq!(d.transport, Transport::Other);
}

#[test]
fn non_ip_and_garbage() {
    assert_eq!(
        decode(LinkType::ETHERNET, &ethernet(0x0806, &[0; 28]), 0),
        Err(Skip::NotIp)
    );
    assert!(matches!(
        decode(LinkType::ETHERNET, &[0; 5], 0),
        Err(Skip::Malformed(_))
    ));
    assert_eq!(
        decode(LinkType(147), &[0; 40], 0),
        Err(Skip::UnsupportedLink)
    );
    assert!(matches!(
        decode(LinkType::RAW, &[0x45, 0, 0], 0),
        Err(Skip::Malformed(_))
    ));
}

proptest::proptest! {
    #[test]
    fn never_panics(data in proptest::collection::vec(proptest::num::u8::ANY, 0..200), link in 0u16..300, missing in 0u32..2000) {
        let _ = decode(LinkType(link), &data, missing);
    }

    /// Mutating a tunnelled packet byte by byte never panics.
    #[test]
    fn mutated_tunnels_never_panic(pos in 0usize..120, byte in proptest::num::u8::ANY) {
        let inner = ethernet(0x0800, &v4_tcp(b"xyz", true));
        let mut vxlan = Vec::new();
        PacketBuilder::ipv4([198, 51, 100, 1], [198, 51, 100, 2], 64)
            .udp(50000, 4789)
            .write(&mut vxlan, &[&[0x08, 0, 0, 0, 0, 0, 42, 0][..], &inner].concat())
            .unwrap();
        let mut frame = ethernet(0x0800, &vxlan);
        let at = pos % frame.len();
        frame[at] = byte;
        let _ = decode(LinkType::ETHERNET, &frame, 0);
    }
}

#[test]
fn tunnel_without_ip_inside_is_the_outer_flow() {
    let arp = ethernet(0x0806, &[0; 28]);
    let mut vxlan = Vec::new();
    PacketBuilder::ipv4([198, 51, 100, 1], [198, 51, 100, 2], 64)
        .udp(50000, 4789)
        .write(
            &mut vxlan,
            &[&[0x08, 0, 0, 0, 0, 0, 42, 0][..], &arp].concat(),
        )
        .unwrap();
    let frame = ethernet(0x0800, &vxlan);
    let d = decode(LinkType::ETHERNET, &frame, 0).unwrap();
    assert_eq!(
        (d.src, d.protocol, d.tunnels),
        (IpAddr::V4(Ipv4Addr::new(198, 51, 100, 1)), 17, 0)
    );
    assert!(matches!(d.transport, Transport::Udp { dst_port: 4789, .. }));
}

/// A destination-options header whose next header is hop-by-hop (legal only first): etherparse's
/// extension iterator walked past the slice on this packet; the decoder must not.
#[test]
fn ipv6_broken_extension_chain() {
    let mut ip = vec![0x60, 0, 0, 0, 0, 8, 60, 64];
    ip.extend_from_slice(&[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    ip.extend_from_slice(&[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    ip.extend_from_slice(&[0, 0, 1, 4, 0, 0, 0, 0]);
    // Followed by zeros in the same buffer, as in a capture reader's chunk.
    let mut buffer = ip.clone();
    buffer.extend_from_slice(&[0; 4096]);
    let d = decode(LinkType::RAW, &buffer[..ip.len()], 0);
    if let Ok(d) = d {
        assert_eq!(d.fragment, None);
        assert_eq!(d.ip_len, 48);
    }
}

#[test]
fn ipv6_fragment_header_after_options() {
    let mut ip = vec![0x60, 0, 0, 0, 0, 24, 60, 64];
    ip.extend_from_slice(&[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1]);
    ip.extend_from_slice(&[0x20, 1, 0x0d, 0xb8, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2]);
    ip.extend_from_slice(&[44, 0, 1, 4, 0, 0, 0, 0]); // destination options, then fragment
    ip.extend_from_slice(&[17, 0, 0x00, 0xb9, 0xde, 0xad, 0xbe, 0xef]); // offset 184, more
    ip.extend_from_slice(&[0; 8]);
    let d = decode(LinkType::RAW, &ip, 0).unwrap();
    assert_eq!(
        d.fragment,
        Some(Fragment {
            id: 0xdeadbeef,
            offset: 184,
            more: true
        })
    );
    assert_eq!((d.protocol, d.transport), (17, Transport::Other));
}

#[test]
fn zero_length_field_falls_back_to_a_bounded_wire_length() {
    let mut ip = v4_tcp(b"x", false);
    ip[2] = 0;
    ip[3] = 0;
    let d = decode(LinkType::RAW, &ip, 0).unwrap();
    assert_eq!(d.ip_len, ip.len() as u32);
    let d = decode(LinkType::RAW, &ip, u32::MAX).unwrap();
    assert_eq!(d.ip_len, ip::MAX_OFFLOAD_LEN);
}

#[test]
fn erspan_around_vxlan_reaches_the_overlay_flow() {
    let inner = ethernet(0x0800, &v4_tcp(b"x", true));
    let mut vxlan = Vec::new();
    PacketBuilder::ipv4([172, 16, 0, 1], [172, 16, 0, 2], 64)
        .udp(50000, 4789)
        .write(
            &mut vxlan,
            &[&[0x08, 0, 0, 0, 0, 0, 42, 0][..], &inner].concat(),
        )
        .unwrap();
    let mut erspan2 = vec![0x10, 0x00, 0x88, 0xbe, 0, 0, 0, 1];
    erspan2.extend_from_slice(&[0x10, 0x64, 0, 1, 0, 0, 0, 0]);
    erspan2.extend_from_slice(&[vec![0u8; 12], vec![0x81, 0, 0, 5, 0x08, 0x00], vxlan].concat());
    let frame = ethernet(0x0800, &outer_v4(47, &erspan2));
    let d = decode(LinkType::ETHERNET, &frame, 0).unwrap();
    assert_eq!(
        (d.src, d.tunnels),
        (IpAddr::V4(Ipv4Addr::new(10, 0, 0, 1)), 2)
    );
    assert!(matches!(d.transport, Transport::Tcp { dst_port: 443, .. }));
}

#[test]
fn eight_vlan_tags_are_read_nine_are_not() {
    let ip = v4_tcp(b"x", false);
    for (tags, ok) in [(8, true), (9, false)] {
        let mut body = Vec::new();
        for _ in 1..tags {
            body.extend_from_slice(&[0, 1, 0x81, 0x00]);
        }
        body.extend_from_slice(&[0, 1, 0x08, 0x00]);
        body.extend_from_slice(&ip);
        assert_eq!(
            decode(LinkType::ETHERNET, &ethernet(0x8100, &body), 0).is_ok(),
            ok,
            "{tags} tags"
        );
    }
}

#[test]
fn every_decoded_link_type_is_read() {
    let mut seen = std::collections::BTreeSet::new();
    for link in LinkType::DECODED {
        assert!(seen.insert(link), "{link:?} listed twice");
        assert_ne!(decode(link, &[], 0), Err(Skip::UnsupportedLink), "{link:?}");
    }
    assert_eq!(decode(LinkType(147), &[], 0), Err(Skip::UnsupportedLink));
}
