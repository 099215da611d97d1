//! `--write-pcap PATH`: the raw packets kept as pcapng evidence while they are analysed,
//! through a [`Rotating`] output (each part a whole pcapng file).
//!
//! Every part starts with a Section Header Block (`shb_userappl` = `residency VERSION`,
//! `shb_hardware` when given) and one Interface Description Block (link type, snap length,
//! `if_tsresol`, `if_name`, `if_description`, `if_filter` with the BPF text, `if_os`), then one
//! Enhanced Packet Block per packet (interface 0, time since the epoch in units of
//! `if_tsresol`, captured and original lengths, data padded to 4 bytes).
//!
//! `if_tsresol` is 9 (nanoseconds) unless the caller says the capture is coarser
//! ([`InterfaceInfo::ts_digits`] = 6 for a microsecond libpcap capture): the file then claims
//! no more precision than the clock had, and an analysis of the copy allows for the same
//! timestamp uncertainty as one of the original (round-trip bounds depend on it). Little-endian; the
//! section length is left unknown (-1), as a streaming writer must.
//!
//! Hand-written rather than the `pcap-file` crate: writing is three fixed block layouts, the
//! part header must exist as bytes to start each part again, a packet's block size must be
//! known before it is written (for size rotation), and at line rate a packet should cost one
//! copy into a reused buffer, no allocation. `pcap-file` stays a dev-dependency, used by the
//! tests as an independent reader of what this writes.

use super::OutputError;
use super::rotate::{PartReport, Rotate, Rotating};
use crate::source::{LinkType, MAX_RECORD};
use crate::timestamp::Timestamp;
use std::path::Path;

const SHB_TYPE: u32 = 0x0A0D_0D0A;
const IDB_TYPE: u32 = 1;
const EPB_TYPE: u32 = 6;
const BYTE_ORDER_MAGIC: u32 = 0x1A2B_3C4D;

const OPT_END: u16 = 0;
const SHB_HARDWARE: u16 = 2;
const SHB_USERAPPL: u16 = 4;
const IF_NAME: u16 = 2;
const IF_DESCRIPTION: u16 = 3;
const IF_TSRESOL: u16 = 9;
const IF_FILTER: u16 = 11;
const IF_OS: u16 = 12;
/// `if_filter`'s first byte: the filter is a libpcap filter string.
const FILTER_LIBPCAP: u8 = 0;

/// Bytes of an Enhanced Packet Block around its data: type, length, interface, timestamp
/// (2 × 4), captured length, original length, trailing length.
pub const EPB_OVERHEAD: usize = 32;

/// The longest packet written: what the readers of this crate accept
/// ([`crate::source::MAX_RECORD`]), far above any frame.
pub const MAX_PACKET: usize = MAX_RECORD;

/// The interface the packets come from, as the Interface Description Block records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct InterfaceInfo {
    pub link_type: LinkType,
    /// The snap length the capture used; 0 for none.
    pub snaplen: u32,
    /// `if_name`: the interface (`eth1`).
    pub name: Option<String>,
    /// `if_description`.
    pub description: Option<String>,
    /// `if_filter`: the BPF filter text the capture applied.
    pub filter: Option<String>,
    /// `if_os`: the operating system of the capturing machine.
    pub os: Option<String>,
    /// `shb_hardware`: the capturing machine's hardware.
    pub hardware: Option<String>,
    /// `if_tsresol`: decimal digits of the capture clock, 0..=9 (9: nanoseconds, 6:
    /// microseconds). Times are written in these units, cut towards the past.
    pub ts_digits: u8,
}

impl InterfaceInfo {
    /// An interface with this link type and snap length and no optional fields.
    pub fn new(link_type: LinkType, snaplen: u32) -> InterfaceInfo {
        InterfaceInfo {
            link_type,
            snaplen,
            name: None,
            description: None,
            filter: None,
            os: None,
            hardware: None,
            ts_digits: 9,
        }
    }
}

/// The bytes that start every part: a Section Header Block and one Interface Description
/// Block. Option values longer than an option can hold (65535 bytes) are cut at a character
/// boundary.
pub fn part_header(interface: &InterfaceInfo) -> Vec<u8> {
    let mut out = Vec::with_capacity(256);

    let mut options = Vec::new();
    let userappl = format!("residency {}", env!("CARGO_PKG_VERSION"));
    push_option(&mut options, SHB_USERAPPL, userappl.as_bytes());
    if let Some(hardware) = &interface.hardware {
        push_option(&mut options, SHB_HARDWARE, hardware.as_bytes());
    }
    push_option(&mut options, OPT_END, &[]);
    let mut body = Vec::with_capacity(16 + options.len());
    body.extend_from_slice(&BYTE_ORDER_MAGIC.to_le_bytes());
    body.extend_from_slice(&1u16.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&(-1i64).to_le_bytes());
    body.extend_from_slice(&options);
    push_block(&mut out, SHB_TYPE, &body);

    let mut options = Vec::new();
    if let Some(name) = &interface.name {
        push_option(&mut options, IF_NAME, name.as_bytes());
    }
    if let Some(description) = &interface.description {
        push_option(&mut options, IF_DESCRIPTION, description.as_bytes());
    }
    push_option(&mut options, IF_TSRESOL, &[interface.ts_digits.min(9)]);
    if let Some(filter) = &interface.filter {
        let mut value = Vec::with_capacity(1 + filter.len());
        value.push(FILTER_LIBPCAP);
        value.extend_from_slice(cut(filter, usize::from(u16::MAX) - 1).as_bytes());
        push_option(&mut options, IF_FILTER, &value);
    }
    if let Some(os) = &interface.os {
        push_option(&mut options, IF_OS, os.as_bytes());
    }
    push_option(&mut options, OPT_END, &[]);
    let mut body = Vec::with_capacity(8 + options.len());
    body.extend_from_slice(&interface.link_type.0.to_le_bytes());
    body.extend_from_slice(&0u16.to_le_bytes());
    body.extend_from_slice(&interface.snaplen.to_le_bytes());
    body.extend_from_slice(&options);
    push_block(&mut out, IDB_TYPE, &body);
    out
}

/// Encodes one packet as an Enhanced Packet Block into `out` (cleared first), reusing its
/// allocation. The time is written in units of 10^-`ts_digits` s (the `if_tsresol` of
/// [`part_header`]); `ts` before 1970 is written as 0 (pcapng timestamps are unsigned). A `wire_len` smaller
/// than the captured bytes is raised to their length (a packet is never shorter on the wire
/// than what was captured of it). Returns the data length when it is over [`MAX_PACKET`].
pub fn encode_packet(
    out: &mut Vec<u8>,
    ts: Timestamp,
    data: &[u8],
    wire_len: u32,
    ts_digits: u8,
) -> Result<(), usize> {
    if data.len() > MAX_PACKET {
        return Err(data.len());
    }
    // MAX_PACKET is far below u32::MAX, so these fit.
    let captured = data.len() as u32;
    let padded = data.len().next_multiple_of(4);
    let total = (EPB_OVERHEAD + padded) as u32;
    let units = u64::try_from(ts.nanos()).unwrap_or(0) / 10u64.pow(9 - u32::from(ts_digits.min(9)));
    out.clear();
    out.reserve(EPB_OVERHEAD + padded);
    out.extend_from_slice(&EPB_TYPE.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(&0u32.to_le_bytes());
    out.extend_from_slice(&((units >> 32) as u32).to_le_bytes());
    out.extend_from_slice(&(units as u32).to_le_bytes());
    out.extend_from_slice(&captured.to_le_bytes());
    out.extend_from_slice(&wire_len.max(captured).to_le_bytes());
    out.extend_from_slice(data);
    out.resize(out.len() + (padded - data.len()), 0);
    out.extend_from_slice(&total.to_le_bytes());
    Ok(())
}

/// A block: type, total length, body (a multiple of 4), total length.
fn push_block(out: &mut Vec<u8>, block_type: u32, body: &[u8]) {
    let total = (12 + body.len()) as u32;
    out.extend_from_slice(&block_type.to_le_bytes());
    out.extend_from_slice(&total.to_le_bytes());
    out.extend_from_slice(body);
    out.extend_from_slice(&total.to_le_bytes());
}

/// An option: code, length, value padded to 4 bytes. The value is cut to what a u16 length
/// holds (callers pass text cut at a character boundary first where it matters).
fn push_option(out: &mut Vec<u8>, code: u16, value: &[u8]) {
    let value = &value[..value.len().min(usize::from(u16::MAX))];
    out.extend_from_slice(&code.to_le_bytes());
    out.extend_from_slice(&(value.len() as u16).to_le_bytes());
    out.extend_from_slice(value);
    out.resize(
        out.len() + (value.len().next_multiple_of(4) - value.len()),
        0,
    );
}

/// `text` cut to at most `max` bytes at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// The raw packets of a run as pcapng, in parts ([`Rotating`]).
#[derive(Debug)]
pub struct PcapNgOut {
    out: Rotating,
    block: Vec<u8>,
    ts_digits: u8,
}

impl PcapNgOut {
    /// Starts writing `path` under `rotate` (see [`Rotating::create`] for the errors: an
    /// earlier run's files, `--rotate` for a stream, an unwritable folder).
    pub fn create(
        path: &Path,
        rotate: Rotate,
        interface: &InterfaceInfo,
    ) -> Result<PcapNgOut, OutputError> {
        let mut out = Rotating::create(path, rotate, part_header(interface))?;
        let ts_digits = interface.ts_digits.min(9);
        out.set_precision(ts_digits);
        Ok(PcapNgOut {
            out,
            block: Vec::with_capacity(EPB_OVERHEAD + 2048),
            ts_digits,
        })
    }

    /// Writes one packet: `data` as captured, `wire_len` its length on the wire.
    /// [`OutputError::RecordTooLong`] for a packet over [`MAX_PACKET`] (nothing written).
    pub fn write_packet(
        &mut self,
        ts: Timestamp,
        data: &[u8],
        wire_len: u32,
    ) -> Result<(), OutputError> {
        if let Err(len) = encode_packet(&mut self.block, ts, data, wire_len, self.ts_digits) {
            return Err(OutputError::RecordTooLong {
                path: self.out.path().to_owned(),
                len,
                max: MAX_PACKET,
            });
        }
        self.out.write_record(ts, &self.block)
    }

    /// SIGHUP: see [`Rotating::reopen`].
    pub fn reopen(&mut self) -> Result<(), OutputError> {
        self.out.reopen()
    }

    /// Ends the last part; every part, in order.
    pub fn finish(self) -> Result<Vec<PartReport>, OutputError> {
        self.out.finish()
    }

    /// The rotating output underneath: the parts so far, the manifest's path.
    pub fn rotating(&self) -> &Rotating {
        &self.out
    }
}

#[cfg(test)]
#[path = "pcapng_tests.rs"]
mod tests;
