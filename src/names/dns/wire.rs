//! The DNS message format (RFC 1035 §4.1): a checked view of the header, names with compression
//! pointers, and a walk over resource records.
//!
//! Names are rendered lowercased, labels joined by `.`, without the trailing dot; the root name
//! is `.`. Label bytes that are not printable ASCII, and the two bytes that would make the text
//! ambiguous (`.` inside a label, `\`), are escaped as in RFC 1035 §5.1 master files: `\.`, `\\`,
//! and `\ddd` (three decimal digits) for bytes outside `!`..=`~` (space included). Two different
//! names on the wire therefore never render to the same text (up to ASCII case, which DNS
//! ignores).

use super::DnsError;
pub(super) use crate::wire::{be16, be32};

/// Fixed header: id, flags, four section counts (RFC 1035 §4.1.1).
pub const HEADER_LEN: usize = 12;
/// RFC 1035 §2.3.4: a name takes at most 255 octets on the wire, length octets included.
pub const MAX_NAME_WIRE: usize = 255;
/// Compression pointers followed in one name. Each pointer must point before the run of labels
/// that holds it, so loops are impossible; this bounds chains of pointers to pointers, which real
/// compressors never nest more than a few deep.
pub const MAX_POINTER_JUMPS: usize = 32;

pub const TYPE_A: u16 = 1;
pub const TYPE_CNAME: u16 = 5;
pub const TYPE_AAAA: u16 = 28;
/// RFC 9460.
pub const TYPE_SVCB: u16 = 64;
/// RFC 9460.
pub const TYPE_HTTPS: u16 = 65;
pub const CLASS_IN: u16 = 1;
/// mDNS (RFC 6762 §10.2) uses the class's top bit as the cache-flush flag in answers.
const CLASS_MASK: u16 = 0x7fff;

/// A DNS message whose 12-byte header is known to be present.
#[derive(Clone, Copy, Debug)]
pub struct Message<'a> {
    bytes: &'a [u8],
}

impl<'a> Message<'a> {
    pub fn new_checked(bytes: &'a [u8]) -> Result<Self, DnsError> {
        if bytes.len() < HEADER_LEN {
            return Err(DnsError::Truncated("header"));
        }
        Ok(Message { bytes })
    }

    pub fn bytes(&self) -> &'a [u8] {
        self.bytes
    }

    fn field(&self, at: usize) -> u16 {
        // The header length was checked in `new_checked`.
        be16(self.bytes, at).unwrap_or(0)
    }

    pub fn id(&self) -> u16 {
        self.field(0)
    }

    pub fn response(&self) -> bool {
        self.field(2) & 0x8000 != 0
    }

    pub fn rcode(&self) -> u8 {
        (self.field(2) & 0x000f) as u8
    }

    pub fn question_count(&self) -> u16 {
        self.field(4)
    }

    pub fn answer_count(&self) -> u16 {
        self.field(6)
    }
}

/// Read the name at `start`. Its uncompressed part must end by `limit` (the end of the record
/// data that holds it, or of the message). Returns the rendered name and the offset just after
/// the name's bytes at `start` (after its terminating zero or its first pointer).
pub fn read_name(msg: &[u8], start: usize, limit: usize) -> Result<(String, usize), DnsError> {
    let limit = limit.min(msg.len());
    let mut out = String::new();
    let mut pos = start;
    // Where the current run of labels began: a pointer must point before it.
    let mut run_start = start;
    let mut end_in_place: Option<usize> = None;
    let mut wire_len = 0usize;
    let mut jumps = 0usize;
    loop {
        let bound = if end_in_place.is_none() {
            limit
        } else {
            msg.len()
        };
        let len_byte = *msg
            .get(pos)
            .filter(|_| pos < bound)
            .ok_or(DnsError::Truncated("name"))?;
        match len_byte >> 6 {
            0b00 => {
                let len = usize::from(len_byte);
                wire_len += 1 + len;
                if wire_len > MAX_NAME_WIRE {
                    return Err(DnsError::NameTooLong);
                }
                if len == 0 {
                    if out.is_empty() {
                        out.push('.');
                    }
                    let end = end_in_place.unwrap_or(pos + 1);
                    return Ok((out, end));
                }
                let label = msg
                    .get(pos + 1..pos + 1 + len)
                    .filter(|_| pos + 1 + len <= bound)
                    .ok_or(DnsError::Truncated("label"))?;
                if !out.is_empty() {
                    out.push('.');
                }
                push_label(&mut out, label);
                pos += 1 + len;
            }
            0b11 => {
                let low = *msg
                    .get(pos + 1)
                    .filter(|_| pos + 1 < bound)
                    .ok_or(DnsError::Truncated("compression pointer"))?;
                let target = usize::from(len_byte & 0x3f) << 8 | usize::from(low);
                if target >= run_start {
                    return Err(DnsError::ForwardPointer { at: pos, target });
                }
                jumps += 1;
                if jumps > MAX_POINTER_JUMPS {
                    return Err(DnsError::TooManyPointers);
                }
                end_in_place.get_or_insert(pos + 2);
                pos = target;
                run_start = target;
            }
            other => return Err(DnsError::BadLabelType(other)),
        }
    }
}

fn push_label(out: &mut String, label: &[u8]) {
    for &b in label {
        match b {
            b'.' => out.push_str("\\."),
            b'\\' => out.push_str("\\\\"),
            b'!'..=b'~' => out.push(char::from(b.to_ascii_lowercase())),
            _ => {
                out.push('\\');
                out.push(char::from(b'0' + b / 100));
                out.push(char::from(b'0' + b / 10 % 10));
                out.push(char::from(b'0' + b % 10));
            }
        }
    }
}

/// Skip a name without rendering it (questions after the first). Returns the offset after it.
pub fn skip_name(msg: &[u8], start: usize) -> Result<usize, DnsError> {
    let mut pos = start;
    for _ in 0..=MAX_NAME_WIRE {
        let len_byte = *msg.get(pos).ok_or(DnsError::Truncated("name"))?;
        match len_byte >> 6 {
            0b00 if len_byte == 0 => return Ok(pos + 1),
            0b00 => pos += 1 + usize::from(len_byte),
            0b11 if pos + 2 <= msg.len() => return Ok(pos + 2),
            0b11 => return Err(DnsError::Truncated("compression pointer")),
            other => return Err(DnsError::BadLabelType(other)),
        }
    }
    Err(DnsError::NameTooLong)
}

/// One question: name and type; `end` is the offset after it.
pub struct Question {
    pub name: String,
    pub qtype: u16,
    pub end: usize,
}

pub fn read_question(msg: &[u8], start: usize) -> Result<Question, DnsError> {
    let (name, after) = read_name(msg, start, msg.len())?;
    let qtype = be16(msg, after).ok_or(DnsError::Truncated("question"))?;
    be16(msg, after + 2).ok_or(DnsError::Truncated("question"))?;
    Ok(Question {
        name,
        qtype,
        end: after + 4,
    })
}

/// One resource record with its owner name rendered and its data still on the wire.
pub struct Record<'a> {
    pub owner: String,
    pub rtype: u16,
    pub ttl: u32,
    /// Whether the class is IN (cache-flush bit ignored).
    pub class_in: bool,
    /// Offset of the record data in the message (names inside it may point back before it).
    pub rdata_at: usize,
    pub rdata: &'a [u8],
    pub end: usize,
}

pub fn read_record(msg: &[u8], start: usize) -> Result<Record<'_>, DnsError> {
    let (owner, after) = read_name(msg, start, msg.len())?;
    let fixed = msg
        .get(after..after + 10)
        .ok_or(DnsError::Truncated("record header"))?;
    let rtype = be16(fixed, 0).unwrap_or(0);
    let class = be16(fixed, 2).unwrap_or(0);
    // RFC 2181 §8: a TTL with the top bit set is treated as zero.
    let ttl = be32(fixed, 4)
        .filter(|t| *t <= i32::MAX as u32)
        .unwrap_or(0);
    let rdlen = usize::from(be16(fixed, 8).unwrap_or(0));
    let rdata_at = after + 10;
    let rdata = msg
        .get(rdata_at..rdata_at + rdlen)
        .ok_or(DnsError::Truncated("record data"))?;
    Ok(Record {
        owner,
        rtype,
        ttl,
        class_in: class & CLASS_MASK == CLASS_IN,
        rdata_at,
        rdata,
        end: rdata_at + rdlen,
    })
}
