//! Google QUIC crypto handshake messages ("QUIC Crypto", Langley & Chang, 2013–2016, section
//! "Handshake message format"): a 4-byte tag ("CHLO"), a little-endian u16 entry count, two
//! bytes of padding, then per entry a 4-byte tag and the little-endian u32 END offset of its
//! value; the values follow the entry table back to back, in tag order.

use super::QuicError;
use crate::wire::Cursor;

const CHLO: &[u8; 4] = b"CHLO";
/// Server name indication: the host the client connects to.
const TAG_SNI: &[u8; 4] = b"SNI\0";
/// User agent: Chrome's product and version.
const TAG_UAID: &[u8; 4] = b"UAID";
/// Message header: tag, entry count, padding.
const HEADER_LEN: usize = 8;
/// One entry: tag and end offset.
const ENTRY_LEN: usize = 8;
/// A DNS name is at most 253 bytes; a longer SNI value is not a host name.
const MAX_SNI_LEN: usize = 255;
/// User-agent strings are ~50–150 bytes; a longer value is cut here (at a character boundary).
const MAX_USER_AGENT_LEN: usize = 512;

/// What the CHLO says about the client.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Chlo {
    pub sni: Option<String>,
    pub user_agent: Option<String>,
}

/// Whether `data` opens with a CHLO message tag.
pub(super) fn is_chlo(data: &[u8]) -> bool {
    data.starts_with(CHLO)
}

/// The full length of the message that starts `data`, once its header and entry table are
/// there; `Err` if it is not a CHLO.
pub(super) fn message_len(data: &[u8]) -> Result<Option<usize>, QuicError> {
    if data.len() < 4 {
        return Ok(None);
    }
    if !is_chlo(data) {
        return Err(QuicError::NotChlo);
    }
    let mut r = Cursor::new(data);
    r.skip(4);
    let Some(entries) = r.le_usize(2) else {
        return Ok(None);
    };
    let table_end = HEADER_LEN + ENTRY_LEN * entries;
    if entries == 0 {
        return Ok(Some(table_end));
    }
    // The values end where the last entry says.
    let Some(last_end) = data.get(table_end - 4..table_end) else {
        return Ok(None);
    };
    let last_end = Cursor::new(last_end).le_usize(4).unwrap_or(0);
    Ok(table_end.checked_add(last_end))
}

/// Reads the SNI and UAID values from a complete CHLO.
pub(super) fn parse(data: &[u8]) -> Result<Chlo, QuicError> {
    let total = message_len(data)?.ok_or(QuicError::MalformedChlo("cut short"))?;
    let data = data
        .get(..total)
        .ok_or(QuicError::MalformedChlo("cut short"))?;
    let mut r = Cursor::new(data);
    r.skip(4);
    let entries = r
        .le_usize(2)
        .ok_or(QuicError::MalformedChlo("entry count"))?;
    r.skip(2);
    let values_start = HEADER_LEN + ENTRY_LEN * entries;
    let values = data
        .get(values_start..)
        .ok_or(QuicError::MalformedChlo("entry table"))?;
    let mut chlo = Chlo {
        sni: None,
        user_agent: None,
    };
    let mut previous_end = 0usize;
    // At most 65535 entries, each read once from a message bounded by MAX_CRYPTO_BYTES.
    for _ in 0..entries {
        let tag = r.bytes(4).ok_or(QuicError::MalformedChlo("entry table"))?;
        let end = r
            .le_usize(4)
            .ok_or(QuicError::MalformedChlo("entry table"))?;
        if end < previous_end {
            return Err(QuicError::MalformedChlo("value offsets go backwards"));
        }
        let value = values
            .get(previous_end..end)
            .ok_or(QuicError::MalformedChlo("value beyond the message"))?;
        previous_end = end;
        if tag == TAG_SNI {
            chlo.sni = (value.len() <= MAX_SNI_LEN)
                .then(|| std::str::from_utf8(value).ok().map(str::to_owned))
                .flatten();
        } else if tag == TAG_UAID {
            chlo.user_agent = std::str::from_utf8(value)
                .ok()
                .map(|s| cut(s, MAX_USER_AGENT_LEN));
        }
    }
    Ok(chlo)
}

/// `s` limited to `max` bytes, cut at a character boundary.
fn cut(s: &str, max: usize) -> String {
    let mut end = s.len().min(max);
    while !s.is_char_boundary(end) {
        end -= 1;
    }
    s[..end].to_owned()
}

#[cfg(test)]
pub(super) fn build(tags: &[(&[u8; 4], &[u8])]) -> Vec<u8> {
    let mut out = CHLO.to_vec();
    out.extend_from_slice(&(tags.len() as u16).to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    let mut end = 0u32;
    for (tag, value) in tags {
        end += value.len() as u32;
        out.extend_from_slice(*tag);
        out.extend_from_slice(&end.to_le_bytes());
    }
    for (_, value) in tags {
        out.extend_from_slice(value);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sni_and_user_agent() {
        let msg = build(&[
            (b"PAD\0", &[0x2d; 20]),
            (b"SNI\0", b"www.youtube.com"),
            (b"VER\0", b"Q043"),
            (b"UAID", b"Chrome/50.0.2661.102 Linux x86_64"),
        ]);
        assert_eq!(message_len(&msg), Ok(Some(msg.len())));
        assert_eq!(message_len(&msg[..40]), Ok(Some(msg.len())));
        assert_eq!(message_len(&msg[..20]), Ok(None));
        assert_eq!(message_len(&msg[..5]), Ok(None));
        let chlo = parse(&msg).unwrap();
        assert_eq!(chlo.sni.as_deref(), Some("www.youtube.com"));
        assert_eq!(
            chlo.user_agent.as_deref(),
            Some("Chrome/50.0.2661.102 Linux x86_64")
        );
    }

    #[test]
    fn refusals() {
        assert_eq!(message_len(b"SHLO\0\0\0\0"), Err(QuicError::NotChlo));
        let mut msg = build(&[(b"SNI\0", b"a.exa"), (b"UAID", b"xyz"), (b"VER\0", b"Q043")]);
        // Second end offset (bytes 20..24) made smaller than the first (5).
        msg[20] = 3;
        assert_eq!(
            parse(&msg),
            Err(QuicError::MalformedChlo("value offsets go backwards"))
        );
        assert_eq!(cut("aé", 2), "a");
    }
}
