//! pcapng: a sequence of blocks. A Section Header Block sets the byte order and starts a new set
//! of interfaces; Interface Description Blocks give each interface its link type, snap length
//! and time resolution; Enhanced, Simple and (obsolete) Packet Blocks carry packets. Other blocks
//! (name resolution, statistics, secrets, custom) are skipped.

use super::chunk::Chunked;
use super::{Damage, DamageKind, HeaderError, LinkType, MAX_RECORD, Packet, read_u16, read_u32};
use crate::timestamp::Timestamp;
use std::collections::HashSet;
use std::io::Read;

pub const SHB_TYPE: u32 = 0x0A0D_0D0A;
const IDB_TYPE: u32 = 1;
const PB_TYPE: u32 = 2;
const SPB_TYPE: u32 = 3;
const EPB_TYPE: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;
const OPT_END: u16 = 0;
const OPT_IF_TSRESOL: u16 = 9;
const OPT_IF_TSOFFSET: u16 = 14;
/// Type, length, and trailing length.
const BLOCK_OVERHEAD: usize = 12;
/// Interfaces per section. A real capture has a handful; the bound keeps a hostile file from
/// growing the table without limit.
const MAX_INTERFACES: usize = 65_536;

#[derive(Clone, Copy, Debug)]
struct Interface {
    link_type: LinkType,
    snaplen: u32,
    resolution: Resolution,
    offset_secs: i64,
}

/// Timestamp units per second, from `if_tsresol`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Resolution {
    /// 10^-n seconds.
    Decimal(u8),
    /// 2^-n seconds.
    Binary(u8),
}

impl Resolution {
    fn from_option(value: u8) -> Resolution {
        if value & 0x80 == 0 {
            Resolution::Decimal(value)
        } else {
            Resolution::Binary(value & 0x7f)
        }
    }

    fn digits(self) -> u8 {
        match self {
            Resolution::Decimal(n) => n.min(9),
            // 2^-n needs ceil(n · log10 2) decimal digits.
            Resolution::Binary(n) => ((u32::from(n) * 30_103).div_ceil(100_000) as u8).min(9),
        }
    }

    fn to_nanos(self, units: u64, offset_secs: i64) -> i64 {
        let units = i128::from(units);
        let nanos = match self {
            Resolution::Decimal(n) if n <= 9 => units * 10i128.pow(9 - u32::from(n)),
            Resolution::Decimal(n) => units / 10i128.pow(u32::from(n.min(38)) - 9),
            Resolution::Binary(n) => (units * 1_000_000_000) >> n.min(127),
        };
        let nanos = nanos + i128::from(offset_secs) * 1_000_000_000;
        nanos.clamp(i128::from(i64::MIN), i128::from(i64::MAX)) as i64
    }
}

pub struct PcapNgReader<R> {
    chunked: Chunked<R>,
    big_endian: bool,
    interfaces: Vec<Interface>,
    link_types: Vec<LinkType>,
    /// The same link types as a set: a file may describe many interfaces.
    seen_link_types: HashSet<LinkType>,
    digits: u8,
    pending: usize,
    number: u64,
}

impl<R: Read> PcapNgReader<R> {
    pub fn new(chunked: Chunked<R>) -> Result<Self, HeaderError> {
        let mut reader = PcapNgReader {
            chunked,
            big_endian: false,
            interfaces: Vec::new(),
            link_types: Vec::new(),
            seen_link_types: HashSet::new(),
            digits: 0,
            pending: 0,
            number: 0,
        };
        // The first block must be a readable section header; otherwise this is not pcapng.
        let have = reader
            .chunked
            .fill(BLOCK_OVERHEAD)
            .map_err(HeaderError::Io)?;
        if have < BLOCK_OVERHEAD {
            return Err(HeaderError::Invalid(
                "the file ends inside the first pcapng block header".into(),
            ));
        }
        if reader.byte_order().is_none() {
            return Err(HeaderError::Invalid(
                "pcapng section header without the byte-order magic 1a2b3c4d".into(),
            ));
        }
        Ok(reader)
    }

    pub fn link_types(&self) -> &[LinkType] {
        &self.link_types
    }

    pub fn precision_digits(&self) -> u8 {
        self.digits
    }

    /// Bytes of the file consumed so far (for progress).
    pub fn offset(&self) -> u64 {
        self.chunked.offset()
    }

    pub fn chunked_mut(&mut self) -> &mut Chunked<R> {
        &mut self.chunked
    }

    /// Byte order of the section header at the start of the available bytes (at least 12).
    fn byte_order(&self) -> Option<bool> {
        let head = self.chunked.available();
        match read_u32(head, 8, false) {
            BYTE_ORDER_MAGIC => Some(false),
            m if m.swap_bytes() == BYTE_ORDER_MAGIC => Some(true),
            _ => None,
        }
    }

    pub fn next_packet(&mut self) -> Result<Option<Packet<'_>>, Damage> {
        self.chunked.consume(self.pending);
        self.pending = 0;
        loop {
            let number = self.number + 1;
            if !self
                .chunked
                .fill_record(BLOCK_OVERHEAD, number, || "a block header".to_string())?
            {
                return Ok(None);
            }
            let offset = self.chunked.offset();
            let damage = |kind, message| Damage::new(kind, offset, number, message);
            let block_type = read_u32(self.chunked.available(), 0, self.big_endian);
            if read_u32(self.chunked.available(), 0, false) == SHB_TYPE {
                match self.byte_order() {
                    Some(be) => self.big_endian = be,
                    None => {
                        return Err(damage(
                            DamageKind::Corrupt,
                            "section header without the byte-order magic".into(),
                        ));
                    }
                }
            }
            let total = read_u32(self.chunked.available(), 4, self.big_endian) as usize;
            if total < BLOCK_OVERHEAD || !total.is_multiple_of(4) || total > MAX_RECORD + 64 {
                return Err(damage(
                    DamageKind::Corrupt,
                    format!("block of type {block_type:#x} has impossible length {total}"),
                ));
            }
            self.chunked
                .fill_record(total, number, || format!("a block of type {block_type:#x}"))?;
            // `fill_record` made `total` bytes available (at least `BLOCK_OVERHEAD`).
            let block = self.chunked.available().get(..total).unwrap_or_default();
            if read_u32(block, total - 4, self.big_endian) as usize != total {
                return Err(damage(
                    DamageKind::Corrupt,
                    format!(
                        "block of type {block_type:#x}: trailing length differs from leading length {total}"
                    ),
                ));
            }
            let body = block.get(8..total - 4).unwrap_or_default();
            match block_type {
                SHB_TYPE => {
                    if body.len() < 16 {
                        return Err(damage(
                            DamageKind::Corrupt,
                            "section header too short".into(),
                        ));
                    }
                    self.interfaces.clear();
                }
                IDB_TYPE => {
                    if body.len() < 8 {
                        return Err(damage(
                            DamageKind::Corrupt,
                            "interface description too short".into(),
                        ));
                    }
                    if self.interfaces.len() >= MAX_INTERFACES {
                        return Err(damage(
                            DamageKind::Corrupt,
                            format!("more than {MAX_INTERFACES} interfaces in one section"),
                        ));
                    }
                    let iface = parse_interface(body, self.big_endian);
                    if self.seen_link_types.insert(iface.link_type) {
                        self.link_types.push(iface.link_type);
                    }
                    self.digits = self.digits.max(iface.resolution.digits());
                    self.interfaces.push(iface);
                }
                EPB_TYPE | PB_TYPE | SPB_TYPE => {
                    // A packet block that contradicts itself or names an interface that was
                    // never described is damage, as Wireshark treats it: the file cannot be
                    // trusted from here on.
                    let (start, len, iface, units, wire_len) =
                        packet_in(block_type, total, body, self.big_endian, &self.interfaces)
                            .map_err(|message| damage(DamageKind::Corrupt, message))?;
                    self.number = number;
                    self.pending = total;
                    let ts = iface.resolution.to_nanos(units, iface.offset_secs);
                    return Ok(Some(Packet {
                        ts: Timestamp::from_nanos(ts),
                        link_type: iface.link_type,
                        // `packet_in` checked the packet lies within the block.
                        data: self
                            .chunked
                            .available()
                            .get(8 + start..8 + start + len)
                            .unwrap_or_default(),
                        wire_len,
                        number,
                    }));
                }
                _ => {}
            }
            self.chunked.consume(total);
        }
    }
}

fn parse_interface(body: &[u8], be: bool) -> Interface {
    let mut iface = Interface {
        link_type: LinkType(read_u16(body, 0, be)),
        snaplen: read_u32(body, 4, be),
        resolution: Resolution::Decimal(6),
        offset_secs: 0,
    };
    let mut opts = body.get(8..).unwrap_or_default();
    while opts.len() >= 4 {
        let code = read_u16(opts, 0, be);
        let len = usize::from(read_u16(opts, 2, be));
        let padded = len.div_ceil(4) * 4;
        // The option and its padding must fit (`padded >= len`, so the value then does too).
        let (Some(value), Some(rest)) = (opts.get(4..4 + len), opts.get(4 + padded..)) else {
            break;
        };
        if code == OPT_END {
            break;
        }
        match (code, value) {
            (OPT_IF_TSRESOL, [v]) => iface.resolution = Resolution::from_option(*v),
            (OPT_IF_TSOFFSET, &[a, b, c, d, e, f, g, h]) => {
                let raw: [u8; 8] = [a, b, c, d, e, f, g, h];
                iface.offset_secs = if be {
                    i64::from_be_bytes(raw)
                } else {
                    i64::from_le_bytes(raw)
                };
            }
            _ => {}
        }
        opts = rest;
    }
    iface
}

/// Locate a packet in a packet block's body: (data start, captured length, interface,
/// timestamp units, wire length), or why the block cannot hold a packet (it is shorter than its
/// fixed fields, names an interface that was never described, or claims more captured bytes
/// than it holds). `total` is the whole block's length, for the message.
fn packet_in(
    block_type: u32,
    total: usize,
    body: &[u8],
    be: bool,
    interfaces: &[Interface],
) -> Result<(usize, usize, Interface, u64, u32), String> {
    let name = match block_type {
        EPB_TYPE => "enhanced packet block",
        PB_TYPE => "packet block",
        _ => "simple packet block",
    };
    let fixed = if block_type == SPB_TYPE { 4 } else { 20 };
    if body.len() < fixed {
        return Err(format!(
            "{name} of {total} bytes is shorter than its fixed fields ({} bytes)",
            fixed + BLOCK_OVERHEAD
        ));
    }
    let (iface_id, units, caplen, wire_len) = match block_type {
        SPB_TYPE => {
            // A simple packet block has no captured length: it is the wire length cut to the
            // first interface's snap length (0 = unlimited), within the block.
            let wire_len = read_u32(body, 0, be);
            let Some(first) = interfaces.first() else {
                return Err(format!(
                    "{name} before any interface description in its section"
                ));
            };
            let mut caplen = (body.len() - 4).min(wire_len as usize);
            if first.snaplen > 0 {
                caplen = caplen.min(first.snaplen as usize);
            }
            (0, 0, caplen, wire_len)
        }
        _ => {
            let iface_id = if block_type == PB_TYPE {
                usize::from(read_u16(body, 0, be))
            } else {
                read_u32(body, 0, be) as usize
            };
            let units = (u64::from(read_u32(body, 4, be)) << 32) | u64::from(read_u32(body, 8, be));
            (
                iface_id,
                units,
                read_u32(body, 12, be) as usize,
                read_u32(body, 16, be),
            )
        }
    };
    let Some(iface) = interfaces.get(iface_id) else {
        return Err(format!(
            "{name} names interface {iface_id}, but its section describes {} interface{}",
            interfaces.len(),
            if interfaces.len() == 1 { "" } else { "s" }
        ));
    };
    if caplen > body.len() - fixed {
        return Err(format!(
            "{name} of {total} bytes claims {caplen} captured bytes but holds at most {}",
            body.len() - fixed
        ));
    }
    Ok((fixed, caplen, *iface, units, wire_len.max(caplen as u32)))
}
