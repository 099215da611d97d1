//! IPv4 and IPv6 headers, through etherparse's lax slices: they accept a packet cut short by
//! the capture's snap length and walk IPv6 extension headers for us.

use super::{Fragment, Skip};
use etherparse::{Ipv6ExtensionSlice, LaxIpSlice, LenSource};
use std::net::IpAddr;

/// One IP header and its payload.
#[derive(Clone, Copy, Debug)]
pub(super) struct IpPacket<'a> {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub protocol: u8,
    pub ip_len: u32,
    pub fragment: Option<Fragment>,
    /// The payload as captured (may be shorter than the header says).
    pub payload: &'a [u8],
}

pub(super) fn parse(bytes: &[u8], missing: u32) -> Result<IpPacket<'_>, Skip> {
    let (slice, _ext_error) =
        LaxIpSlice::from_slice(bytes).map_err(|_| Skip::Malformed("bad or short IP header"))?;
    let payload = slice.payload();
    // What the capture holds from this IP header on, plus what it did not keep.
    let seen_len = (bytes.len() as u64 + u64::from(missing)).min(u64::from(u32::MAX)) as u32;
    let (ip_len, fragment) = match &slice {
        LaxIpSlice::Ipv4(v4) => {
            let header = v4.header();
            let total = u32::from(header.total_len());
            let ip_len = if payload.len_source == LenSource::Ipv4HeaderTotalLen || total != 0 {
                total
            } else {
                // Total length 0: the NIC was to fill it in (segmentation offload).
                seen_len
            };
            let fragment = header.is_fragmenting_payload().then(|| Fragment {
                id: u32::from(header.identification()),
                offset: u32::from(header.fragments_offset().byte_offset()),
                more: header.more_fragments(),
            });
            (ip_len, fragment)
        }
        LaxIpSlice::Ipv6(v6) => {
            let payload_len = u32::from(v6.header().payload_length());
            let ip_len = if payload_len == 0 {
                // Jumbogram or offload: the length is what was on the wire.
                seen_len
            } else {
                40 + payload_len
            };
            let fragment = v6
                .extensions()
                .clone()
                .into_iter()
                .find_map(|ext| match ext {
                    Ipv6ExtensionSlice::Fragment(f) if f.is_fragmenting_payload() => {
                        Some(Fragment {
                            id: f.identification(),
                            offset: u32::from(f.fragment_offset().byte_offset()),
                            more: f.more_fragments(),
                        })
                    }
                    _ => None,
                });
            (ip_len, fragment)
        }
    };
    Ok(IpPacket {
        src: slice.source_addr(),
        dst: slice.destination_addr(),
        protocol: payload.ip_number.0,
        ip_len,
        fragment,
        payload: payload.payload,
    })
}
