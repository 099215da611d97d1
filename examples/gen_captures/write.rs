//! Packet records and the file writers: classic pcap (either byte order, µs or ns) and
//! little-endian pcapng.

use super::bytes::{len16, len32};
use super::flow::Pkt;
use super::timestamp::{NS_PER_S, Precision};

/// One packet record: where (pcapng section/interface), when, and what.
pub struct Rec {
    section: usize,
    iface: usize,
    pub ts: u64,
    pub pkt: Pkt,
}

/// Collects records; [`Recs::sorted`] orders them by (section, timestamp), stably.
#[derive(Default)]
pub struct Recs(Vec<Rec>);

impl Recs {
    pub fn at(&mut self, ts: u64, pkt: Pkt) {
        self.on(0, 0, ts, pkt);
    }

    pub fn on(&mut self, section: usize, iface: usize, ts: u64, pkt: Pkt) {
        self.0.push(Rec {
            section,
            iface,
            ts,
            pkt,
        });
    }

    pub fn sorted(mut self) -> Vec<Rec> {
        self.0.sort_by_key(|r| (r.section, r.ts));
        self.0
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endian {
    Little,
    Big,
}

/// Appends integers in a fixed byte order.
struct Out {
    buf: Vec<u8>,
    endian: Endian,
}

impl Out {
    fn new(endian: Endian) -> Out {
        Out {
            buf: Vec::new(),
            endian,
        }
    }

    fn u16(&mut self, v: u16) {
        match self.endian {
            Endian::Little => self.buf.extend_from_slice(&v.to_le_bytes()),
            Endian::Big => self.buf.extend_from_slice(&v.to_be_bytes()),
        }
    }

    fn u32(&mut self, v: u32) {
        match self.endian {
            Endian::Little => self.buf.extend_from_slice(&v.to_le_bytes()),
            Endian::Big => self.buf.extend_from_slice(&v.to_be_bytes()),
        }
    }
}

pub const LINKTYPE_NULL: u32 = 0;
pub const LINKTYPE_ETHERNET: u32 = 1;
pub const LINKTYPE_PPP: u32 = 9;
pub const LINKTYPE_RAW_OPENBSD: u32 = 12;
pub const LINKTYPE_RAW: u32 = 101;
pub const LINKTYPE_LINUX_SLL: u32 = 113;
pub const LINKTYPE_IPV4: u32 = 228;
pub const LINKTYPE_IPV6: u32 = 229;
pub const LINKTYPE_LINUX_SLL2: u32 = 276;

const PCAP_SNAPLEN: u32 = 262_144;

/// Classic pcap file layout.
#[derive(Clone, Copy, Debug)]
pub struct PcapFormat {
    pub link: u32,
    pub endian: Endian,
    pub precision: Precision,
}

impl PcapFormat {
    pub fn new(link: u32) -> PcapFormat {
        PcapFormat {
            link,
            endian: Endian::Little,
            precision: Precision::Micro,
        }
    }

    pub fn describe(self) -> String {
        let endian = match self.endian {
            Endian::Little => "little-endian",
            Endian::Big => "big-endian",
        };
        format!(
            "pcap, link type {} ({}), {} timestamps, {endian}",
            self.link,
            link_name(self.link),
            self.precision.label()
        )
    }

    pub fn header(self) -> Vec<u8> {
        let mut o = Out::new(self.endian);
        o.u32(match self.precision {
            Precision::Micro => 0xa1b2_c3d4,
            Precision::Nano => 0xa1b2_3c4d,
        });
        o.u16(2);
        o.u16(4);
        o.u32(0); // thiszone
        o.u32(0); // sigfigs
        o.u32(PCAP_SNAPLEN);
        o.u32(self.link);
        o.buf
    }

    pub fn record_header(self, ts: u64, captured: u32, original: u32) -> Vec<u8> {
        let mut o = Out::new(self.endian);
        o.u32(u32::try_from(ts / NS_PER_S).expect("seconds fit in 32 bits"));
        o.u32(u32::try_from(self.precision.subsec_units(ts)).expect("fraction fits"));
        o.u32(captured);
        o.u32(original);
        o.buf
    }

    pub fn record(self, rec: &Rec) -> Vec<u8> {
        let len = len32(rec.pkt.data.len());
        let mut r = self.record_header(rec.ts, len, len);
        r.extend_from_slice(&rec.pkt.data);
        r
    }

    /// The file with each record cut to at most `snaplen` bytes of its packet (its original
    /// length stays the packet's). The header keeps its larger snap length: the `pcap-file`
    /// crate rejects an original length above the header's.
    pub fn file_cut(self, recs: &[Rec], snaplen: u32) -> Vec<u8> {
        let mut f = self.header();
        for rec in recs {
            let len = len32(rec.pkt.data.len());
            let kept = len.min(snaplen);
            f.extend_from_slice(&self.record_header(rec.ts, kept, len));
            f.extend_from_slice(&rec.pkt.data[..kept as usize]);
        }
        f
    }

    pub fn file(self, recs: &[Rec]) -> Vec<u8> {
        let mut f = self.header();
        for rec in recs {
            f.extend_from_slice(&self.record(rec));
        }
        f
    }
}

fn link_name(link: u32) -> &'static str {
    match link {
        LINKTYPE_NULL => "NULL/loopback",
        LINKTYPE_ETHERNET => "Ethernet",
        LINKTYPE_PPP => "PPP",
        LINKTYPE_RAW_OPENBSD => "raw IP, OpenBSD DLT_RAW number",
        LINKTYPE_RAW => "raw IP",
        LINKTYPE_LINUX_SLL => "Linux cooked v1",
        LINKTYPE_IPV4 => "raw IPv4",
        LINKTYPE_IPV6 => "raw IPv6",
        LINKTYPE_LINUX_SLL2 => "Linux cooked v2",
        _ => "other",
    }
}

/// One pcapng interface (Interface Description Block).
pub struct NgIface {
    pub link: u16,
    pub snaplen: u32,
    pub precision: Precision,
    pub name: &'static str,
}

/// Appends a pcapng option (code, length, value padded to 32 bits).
fn ng_option(out: &mut Vec<u8>, code: u16, value: &[u8]) {
    out.extend_from_slice(&code.to_le_bytes());
    out.extend_from_slice(&len16(value.len()).to_le_bytes());
    out.extend_from_slice(value);
    out.resize(out.len().next_multiple_of(4), 0);
}

fn ng_end_of_options(out: &mut Vec<u8>) {
    out.extend_from_slice(&[0, 0, 0, 0]);
}

/// A pcapng block: type, total length, body (padded), total length.
fn ng_block(block_type: u32, body: &[u8]) -> Vec<u8> {
    let padded = body.len().next_multiple_of(4);
    let total = len32(12 + padded);
    let mut b = Vec::with_capacity(12 + padded);
    b.extend_from_slice(&block_type.to_le_bytes());
    b.extend_from_slice(&total.to_le_bytes());
    b.extend_from_slice(body);
    b.resize(8 + padded, 0);
    b.extend_from_slice(&total.to_le_bytes());
    b
}

/// A little-endian pcapng file; `sections[i]` lists the interfaces of section `i`, and each
/// record names its section and interface.
pub fn pcapng_file(sections: &[Vec<NgIface>], recs: &[Rec]) -> Vec<u8> {
    let mut f = Vec::new();
    for (si, ifaces) in sections.iter().enumerate() {
        let mut shb = Vec::new();
        shb.extend_from_slice(&0x1A2B_3C4Du32.to_le_bytes()); // byte-order magic
        shb.extend_from_slice(&1u16.to_le_bytes());
        shb.extend_from_slice(&0u16.to_le_bytes());
        shb.extend_from_slice(&u64::MAX.to_le_bytes()); // section length: not given
        ng_option(&mut shb, 4, b"residency gen_captures"); // shb_userappl
        ng_end_of_options(&mut shb);
        f.extend_from_slice(&ng_block(0x0A0D_0D0A, &shb));

        for iface in ifaces {
            let mut idb = Vec::new();
            idb.extend_from_slice(&iface.link.to_le_bytes());
            idb.extend_from_slice(&0u16.to_le_bytes());
            idb.extend_from_slice(&iface.snaplen.to_le_bytes());
            ng_option(&mut idb, 2, iface.name.as_bytes()); // if_name
            if iface.precision == Precision::Nano {
                ng_option(&mut idb, 9, &[9]); // if_tsresol: 10^-9
            }
            ng_end_of_options(&mut idb);
            f.extend_from_slice(&ng_block(1, &idb));
        }

        for rec in recs.iter().filter(|r| r.section == si) {
            let iface = &ifaces[rec.iface];
            let units = iface.precision.units(rec.ts);
            let data = &rec.pkt.data;
            let captured = match iface.snaplen {
                0 => data.len(),
                snap => data.len().min(usize::try_from(snap).expect("snaplen fits")),
            };
            let mut epb = Vec::new();
            epb.extend_from_slice(&len32(rec.iface).to_le_bytes());
            epb.extend_from_slice(&u32::try_from(units >> 32).expect("high").to_le_bytes());
            epb.extend_from_slice(
                &u32::try_from(units & 0xffff_ffff)
                    .expect("low")
                    .to_le_bytes(),
            );
            epb.extend_from_slice(&len32(captured).to_le_bytes());
            epb.extend_from_slice(&len32(data.len()).to_le_bytes());
            epb.extend_from_slice(&data[..captured]);
            epb.resize(epb.len().next_multiple_of(4), 0);
            f.extend_from_slice(&ng_block(6, &epb));
        }
    }
    f
}
