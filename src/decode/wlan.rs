//! IEEE 802.11 data frames, as a CAPWAP data tunnel carries them (RFC 5416 §3.2: the native
//! frame without FCS): the MAC header, then the LLC/SNAP header naming what the frame carries.
//!
//! Read: data and QoS data frames of any To DS / From DS combination (the fourth address when
//! both are set), the QoS Control field, and the HT Control field a QoS frame with the +HTC
//! (Order) bit carries. Not read, and so left as the tunnel's outer flow: management and
//! control frames, data subtypes without a body (Null, QoS Null), protected frames (the body is
//! encrypted), fragments (More Fragments set, or a fragment number other than 0), A-MSDUs (a
//! frame holding several packets), and bodies that are not LLC/SNAP.
//!
//! Some access points send the Frame Control field with its two bytes swapped (Wireshark's
//! CAPWAP preference "swap frame control", on by default, exists for them). A swapped data
//! frame is recognised without a setting: the frames a CAPWAP tunnel carries go to or from
//! the distribution system, so To DS or From DS is set, and in the first byte those are
//! protocol-version bits, which are always 0 in an unswapped frame.

use super::{Layer, Skip};

const TYPE_MASK: u8 = 0x0f;
/// Protocol version 0, type 2 (data), in the first Frame Control byte.
const TYPE_DATA: u8 = 0x08;
const SUBTYPE_NO_BODY: u8 = 0x04;
const SUBTYPE_QOS: u8 = 0x08;
const TO_DS: u8 = 0x01;
const FROM_DS: u8 = 0x02;
const MORE_FRAGMENTS: u8 = 0x04;
const PROTECTED: u8 = 0x40;
const ORDER: u8 = 0x80;
/// In the first byte of QoS Control.
const A_MSDU_PRESENT: u8 = 0x80;
/// Frame Control, Duration, three addresses, Sequence Control.
const BASE_HEADER_LEN: usize = 24;
/// LLC (DSAP AA, SSAP AA, control 03) and SNAP (OUI, ethertype).
const LLC_SNAP_LEN: usize = 8;
/// SNAP OUIs that put an ethertype after them: RFC 1042 and 802.1H bridge tunnelling.
const OUI_RFC1042: [u8; 3] = [0, 0, 0];
const OUI_BRIDGE_TUNNEL: [u8; 3] = [0, 0, 0xf8];

/// The ethertype-labelled body of an 802.11 data frame.
pub(super) fn data_frame(frame: &[u8]) -> Result<Layer<'_>, Skip> {
    let header: &[u8; BASE_HEADER_LEN] = frame
        .first_chunk()
        .ok_or(Skip::Malformed("short 802.11 header"))?;
    let (kind, flags) = match (header[0], header[1]) {
        (kind, flags) if kind & TYPE_MASK == TYPE_DATA => (kind, flags),
        (flags, kind) if kind & TYPE_MASK == TYPE_DATA && flags & (TO_DS | FROM_DS) != 0 => {
            (kind, flags)
        }
        _ => return Err(Skip::NotIp),
    };
    let subtype = kind >> 4;
    let fragment_number = header[22] & 0x0f;
    if subtype & SUBTYPE_NO_BODY != 0
        || flags & PROTECTED != 0
        || flags & MORE_FRAGMENTS != 0
        || fragment_number != 0
    {
        return Err(Skip::NotIp);
    }
    let mut len = BASE_HEADER_LEN;
    if flags & (TO_DS | FROM_DS) == TO_DS | FROM_DS {
        len += 6;
    }
    if subtype & SUBTYPE_QOS != 0 {
        let qos = frame
            .get(len)
            .ok_or(Skip::Malformed("short 802.11 QoS header"))?;
        if qos & A_MSDU_PRESENT != 0 {
            return Err(Skip::NotIp);
        }
        len += 2;
        if flags & ORDER != 0 {
            len += 4;
        }
    }
    let body = frame
        .get(len..)
        .ok_or(Skip::Malformed("short 802.11 header"))?;
    let (&[dsap, ssap, control, o0, o1, o2, e0, e1], payload) = body
        .split_first_chunk::<LLC_SNAP_LEN>()
        .ok_or(Skip::Malformed("short LLC/SNAP header"))?;
    let oui = [o0, o1, o2];
    if [dsap, ssap, control] != [0xaa, 0xaa, 0x03]
        || (oui != OUI_RFC1042 && oui != OUI_BRIDGE_TUNNEL)
    {
        return Err(Skip::NotIp);
    }
    let ethertype = u16::from_be_bytes([e0, e1]);
    Ok(Layer::Ether(ethertype, payload))
}
