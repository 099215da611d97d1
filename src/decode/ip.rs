//! IPv4 and IPv6 headers, through etherparse's lax slices: they accept a packet cut short by
//! the capture's snap length and walk IPv6 extension headers for us.

use super::{Fragment, Skip};
use etherparse::{LaxIpSlice, LenSource};
use std::net::IpAddr;

/// One IP header and its payload.
#[derive(Clone, Copy, Debug)]
pub(super) struct IpPacket<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub protocol: u8,
    pub ip_len: u32,
    /// Bytes of the IP header and its IPv6 extension headers.
    pub header_len: u32,
    pub fragment: Option<Fragment>,
    /// The payload as captured (may be shorter than the header says).
    pub payload: &'a [u8],
    /// The capture kept less of the payload than the header says was sent.
    pub cut: bool,
}

/// The largest IP length taken from the wire when the header's length field is zero. Offloaded
/// aggregates (GSO/GRO, Linux "BIG TCP") reach 512 KiB; a capture file's wire length is not
/// otherwise bounded, and a bogus one must not inflate a destination's byte count.
pub const MAX_OFFLOAD_LEN: u32 = 512 * 1024;
/// IPv6 extension headers walked looking for a fragment header. Real packets carry two or three.
const MAX_EXTENSION_HEADERS: usize = 16;

pub(super) fn parse(bytes: &[u8], missing: u32) -> Result<IpPacket<'_>, Skip> {
    let (slice, _ext_error) =
        LaxIpSlice::from_slice(bytes).map_err(|_| Skip::Malformed("bad or short IP header"))?;
    let payload = slice.payload();
    // What the capture holds from this IP header on, plus what it did not keep.
    let seen_len = (bytes.len() as u64 + u64::from(missing)).min(u64::from(u32::MAX)) as u32;
    let (ip_len, header_len, fragment) = match &slice {
        LaxIpSlice::Ipv4(v4) => {
            let header = v4.header();
            let total = u32::from(header.total_len());
            let ip_len = if payload.len_source == LenSource::Ipv4HeaderTotalLen || total != 0 {
                total
            } else {
                // Total length 0: the NIC was to fill it in (segmentation offload).
                seen_len.min(MAX_OFFLOAD_LEN)
            };
            let fragment = header.is_fragmenting_payload().then(|| Fragment {
                id: u32::from(header.identification()),
                offset: u32::from(header.fragments_offset().byte_offset()),
                more: header.more_fragments(),
            });
            (ip_len, u32::from(header.ihl()) * 4, fragment)
        }
        LaxIpSlice::Ipv6(v6) => {
            let payload_len = u32::from(v6.header().payload_length());
            let ip_len = if payload_len == 0 {
                // Jumbogram or offload: the length is what was on the wire.
                seen_len.min(MAX_OFFLOAD_LEN)
            } else {
                40 + payload_len
            };
            let fragment = bytes
                .get(40..)
                .and_then(|rest| ipv6_fragment(v6.header().next_header().0, rest));
            let extensions = u32::try_from(v6.extensions().slice().len()).unwrap_or(u32::MAX);
            (ip_len, 40u32.saturating_add(extensions), fragment)
        }
    };
    Ok(IpPacket {
        src: slice.source_addr(),
        dst: slice.destination_addr(),
        protocol: payload.ip_number.0,
        ip_len,
        header_len,
        fragment,
        payload: payload.payload,
        cut: payload.incomplete,
    })
}

/// The fragment header of an IPv6 packet, walking the extension headers by hand. etherparse's
/// extension iterator trusts a chain that its lax parser has already found broken and reads
/// past the slice (see the regression test `ipv6_broken_extension_chain`), so it is not used.
fn ipv6_fragment(first: u8, mut rest: &[u8]) -> Option<Fragment> {
    const HOP_BY_HOP: u8 = 0;
    const ROUTING: u8 = 43;
    const FRAGMENT: u8 = 44;
    const AUTH: u8 = 51;
    const DEST_OPTS: u8 = 60;
    const MOBILITY: u8 = 135;
    const HIP: u8 = 139;
    const SHIM6: u8 = 140;
    let mut next = first;
    for _ in 0..MAX_EXTENSION_HEADERS {
        let len = match next {
            HOP_BY_HOP | ROUTING | DEST_OPTS | MOBILITY | HIP | SHIM6 => {
                (usize::from(*rest.get(1)?) + 1) * 8
            }
            AUTH => (usize::from(*rest.get(1)?) + 2) * 4,
            FRAGMENT => {
                let [_, _, f0, f1, i0, i1, i2, i3] = crate::wire::array(rest, 0)?;
                let field = u16::from_be_bytes([f0, f1]);
                let (offset, more) = (u32::from(field >> 3) * 8, field & 1 == 1);
                // An atomic fragment (offset 0, no more) is a whole datagram.
                return (offset != 0 || more).then(|| Fragment {
                    id: u32::from_be_bytes([i0, i1, i2, i3]),
                    offset,
                    more,
                });
            }
            _ => return None,
        };
        next = *rest.first()?;
        rest = rest.get(len..)?;
    }
    None
}
