//! The classic pcap format: a 24-byte file header, then 16-byte record headers each followed by
//! the captured bytes. Microsecond and nanosecond variants, written in either byte order.

use super::chunk::Chunked;
use super::{Damage, DamageKind, HeaderError, LinkType, MAX_RECORD, Packet, read_u16, read_u32};
use crate::timestamp::Timestamp;
use std::io::Read;

const FILE_HEADER: usize = 24;
const RECORD_HEADER: usize = 16;

/// The file magic: byte order and timestamp resolution.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Magic {
    pub big_endian: bool,
    pub nanos: bool,
}

impl Magic {
    pub fn recognise(bytes: [u8; 4]) -> Option<Magic> {
        let (le, be) = (u32::from_le_bytes(bytes), u32::from_be_bytes(bytes));
        match (le, be) {
            (0xa1b2_c3d4, _) => Some(Magic {
                big_endian: false,
                nanos: false,
            }),
            (0xa1b2_3c4d, _) => Some(Magic {
                big_endian: false,
                nanos: true,
            }),
            (_, 0xa1b2_c3d4) => Some(Magic {
                big_endian: true,
                nanos: false,
            }),
            (_, 0xa1b2_3c4d) => Some(Magic {
                big_endian: true,
                nanos: true,
            }),
            _ => None,
        }
    }
}

pub struct PcapReader<R> {
    chunked: Chunked<R>,
    magic: Magic,
    link_type: LinkType,
    /// Bytes to consume before reading the next record (the previous packet, handed out by
    /// reference).
    pending: usize,
    number: u64,
}

impl<R: Read> PcapReader<R> {
    pub fn new(mut chunked: Chunked<R>) -> Result<Self, HeaderError> {
        let have = chunked.fill(FILE_HEADER).map_err(HeaderError::Io)?;
        if have < FILE_HEADER {
            return Err(HeaderError::Invalid(format!(
                "the file ends inside the {FILE_HEADER}-byte pcap header ({have} bytes)"
            )));
        }
        let header = chunked.available();
        let magic = crate::wire::array(header, 0)
            .and_then(Magic::recognise)
            .ok_or_else(|| HeaderError::Invalid("bad pcap magic".into()))?;
        let major = read_u16(header, 4, magic.big_endian);
        if major != 2 {
            return Err(HeaderError::Invalid(format!(
                "pcap version {major} is not 2 (the only version ever written)"
            )));
        }
        // The link type field's upper bits carry the FCS length flags; the type is the low 16.
        let link_type = LinkType((read_u32(header, 20, magic.big_endian) & 0xffff) as u16);
        chunked.consume(FILE_HEADER);
        Ok(PcapReader {
            chunked,
            magic,
            link_type,
            pending: 0,
            number: 0,
        })
    }

    pub fn link_type(&self) -> LinkType {
        self.link_type
    }

    pub fn precision_digits(&self) -> u8 {
        if self.magic.nanos { 9 } else { 6 }
    }

    /// Bytes of the file consumed so far (for progress).
    pub fn offset(&self) -> u64 {
        self.chunked.offset()
    }

    pub fn chunked_mut(&mut self) -> &mut Chunked<R> {
        &mut self.chunked
    }

    pub fn next_packet(&mut self) -> Result<Option<Packet<'_>>, Damage> {
        self.chunked.consume(self.pending);
        self.pending = 0;
        let number = self.number + 1;
        if !self
            .chunked
            .fill_record(RECORD_HEADER, number, || "a record header".to_string())?
        {
            return Ok(None);
        }
        let be = self.magic.big_endian;
        let head = self.chunked.available();
        let secs = read_u32(head, 0, be);
        let frac = read_u32(head, 4, be);
        let caplen = read_u32(head, 8, be) as usize;
        let wire_len = read_u32(head, 12, be);
        if caplen > MAX_RECORD {
            return Err(self.chunked.damage(
                DamageKind::Corrupt,
                number,
                format!(
                    "record claims {caplen} captured bytes (more than {MAX_RECORD}); \
                     the file is corrupt from here on"
                ),
            ));
        }
        let need = RECORD_HEADER + caplen;
        self.chunked
            .fill_record(need, number, || format!("packet {number}"))?;
        // A fraction of a second or more is out of range, but it still orders the packet; it is
        // carried into the seconds as libpcap does rather than treated as damage.
        let nanos_frac = if self.magic.nanos {
            i64::from(frac)
        } else {
            i64::from(frac) * 1000
        };
        let ts = Timestamp::from_nanos(i64::from(secs) * 1_000_000_000 + nanos_frac);
        self.number = number;
        self.pending = need;
        Ok(Some(Packet {
            ts,
            link_type: self.link_type,
            // `fill_record` made `need` bytes available, so the range is there.
            data: self
                .chunked
                .available()
                .get(RECORD_HEADER..need)
                .unwrap_or_default(),
            // A writer that stored more than the wire length is wrong; the captured bytes exist.
            wire_len: wire_len.max(caplen as u32),
            number,
        }))
    }
}
