//! The QUIC versions this module reads: how each protects its client Initial packets (salt,
//! HKDF labels, long-header type bits) and how its handshake travels.
//!
//! Sources of the constants (facts, recorded per item below): RFC 9001 §5.2 (v1 salt),
//! RFC 9369 §3.3 (v2 version, salt, labels, packet types), the IETF drafts
//! draft-ietf-quic-tls-22/-23/-29 §5.2 (draft salts), Meta's mvfst
//! (`quic/QuicConstants.h` version list, `getQuicVersionSalt` and the older
//! `FizzCryptoFactory::makeInitialTrafficSecret` salt choice) and Wireshark's
//! `epan/dissectors/packet-quic.c` / nDPI's `protocols/quic.c` (Google QUIC Q050/T050/T051 salts,
//! which Google published only in Chromium's source).

/// Initial salt of QUIC v1 (RFC 9001 §5.2); drafts 33 and 34 use it too.
const SALT_V1: [u8; 20] = hex20(b"38762cf7f55934b34d179ae6a4c80cadccbb7f0a");
/// QUIC v2 (RFC 9369 §3.3.1).
const SALT_V2: [u8; 20] = hex20(b"0dede3def700a6db819381be6e269dcbf9bd2ed9");
/// The provisional v2 codepoint 0x709a50c4 of draft-ietf-quic-v2-01 (Wireshark's
/// `handshake_salt_v2_draft_00`, 2022).
const SALT_V2_DRAFT: [u8; 20] = hex20(b"a707c203a59b47184a1d62ca570406ea7ae3e5d3");
/// draft-ietf-quic-tls-29 §5.2, used by drafts 29 to 32.
const SALT_DRAFT_29: [u8; 20] = hex20(b"afbfec289993d24c9e9786f19c6111e04390a899");
/// draft-ietf-quic-tls-23 §5.2, used by drafts 23 to 28 and by mvfst's own versions.
const SALT_DRAFT_23: [u8; 20] = hex20(b"c3eef712c72ebb5a11a7d2432bb46365bef9f502");
/// draft-ietf-quic-tls-22 §5.2; mvfst kept it for 0xfaceb001 ("equivalent to d-24 mostly, but
/// we never updated the salt", mvfst `FizzCryptoFactory.cpp`).
const SALT_DRAFT_22: [u8; 20] = hex20(b"7fbcdb0e7c66bbe9193a96cd21519ebd7a02644a");
/// Google QUIC Q050 (Wireshark `hanshake_salt_draft_q50`, nDPI the same).
const SALT_Q050: [u8; 20] = hex20(b"504574efd066fe2f9d945cfcdbd3a7f0d3b56b45");
/// Google QUIC T050 (Wireshark `hanshake_salt_draft_t50`).
const SALT_T050: [u8; 20] = hex20(b"7ff579e5acd072915580304c43a2367c60488310");
/// Google QUIC T051 (Wireshark `hanshake_salt_draft_t51`).
const SALT_T051: [u8; 20] = hex20(b"7a4edef4e7ccee5fa4506c19124fc8ccda6e033d");

/// HKDF-Expand-Label labels for the packet protection key, IV and header protection key.
#[derive(Debug, PartialEq, Eq)]
pub(super) struct Labels {
    pub key: &'static [u8],
    pub iv: &'static [u8],
    pub hp: &'static [u8],
}

/// RFC 9001 §5.1; the drafts and Google's TLS/CHLO-over-IETF-header versions use the same.
pub(super) const LABELS_V1: Labels = Labels {
    key: b"quic key",
    iv: b"quic iv",
    hp: b"quic hp",
};
/// RFC 9369 §3.3.2.
pub(super) const LABELS_V2: Labels = Labels {
    key: b"quicv2 key",
    iv: b"quicv2 iv",
    hp: b"quicv2 hp",
};

/// How a version's client handshake reaches the wire.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum Family {
    /// IETF long header, protected Initial, TLS ClientHello in CRYPTO frames.
    Ietf,
    /// Google QUIC Q024–Q043: the old public header, CHLO in the clear in stream 1.
    GoogleClear,
    /// Google QUIC Q046: an IETF-like long header, CHLO in the clear in stream 1.
    GoogleLongClear,
    /// Google QUIC Q050: IETF Initial protection, CHLO in Google-framed CRYPTO frames.
    GoogleCryptoChlo,
    /// Google QUIC T050/T051: IETF Initial protection, TLS ClientHello in Google-framed CRYPTO
    /// frames.
    GoogleCryptoTls,
}

/// What the module knows about one version.
#[derive(Debug)]
pub(super) struct VersionInfo {
    pub family: Family,
    /// Salts to try, in order (one for every version but those whose salt is uncertain).
    pub salts: &'static [[u8; 20]],
    pub labels: &'static Labels,
    /// RFC 9369 §3.2 long-header types (Initial = 0b01) instead of v1's (Initial = 0b00).
    pub v2_types: bool,
}

const fn ietf(salts: &'static [[u8; 20]]) -> VersionInfo {
    VersionInfo {
        family: Family::Ietf,
        salts,
        labels: &LABELS_V1,
        v2_types: false,
    }
}

const fn google(family: Family, salts: &'static [[u8; 20]]) -> VersionInfo {
    VersionInfo {
        family,
        salts,
        labels: &LABELS_V1,
        v2_types: false,
    }
}

/// QUIC v1 (RFC 9000).
pub const V1: u32 = 0x0000_0001;
/// QUIC v2 (RFC 9369 §3.1).
pub const V2: u32 = 0x6b33_43cf;
/// Provisional v2 codepoint of draft-ietf-quic-v2-01.
const V2_DRAFT: u32 = 0x709a_50c4;
/// IETF drafts are 0xff0000NN (draft-ietf-quic-transport §15).
const DRAFT_PREFIX: u32 = 0xff00_0000;
/// mvfst's versions (mvfst `QuicVersion`): D24 (named draft-22 after its salt), MVFST (based on
/// draft-27), the v1 alias, and the experimental/alias codepoints that reuse MVFST's salt.
const MVFST_D22: u32 = 0xface_b001;
const MVFST_D27: u32 = 0xface_b002;
const MVFST_V1_ALIAS: u32 = 0xface_b003;
const MVFST_EXPERIMENTAL: u32 = 0xface_b00e;
const MVFST_ALIAS: u32 = 0xface_b010;
const MVFST_EXPERIMENTAL2: u32 = 0xface_b011;
const MVFST_EXPERIMENTAL3: u32 = 0xface_b013;
/// Google QUIC versions are ASCII: 'Q' or 'T', '0', two digits.
pub const Q046: u32 = u32::from_be_bytes(*b"Q046");
pub const Q050: u32 = u32::from_be_bytes(*b"Q050");
pub const T050: u32 = u32::from_be_bytes(*b"T050");
pub const T051: u32 = u32::from_be_bytes(*b"T051");
/// The old public-header versions read here (Wireshark dissects Q024 onwards the same way).
const OLD_GOOGLE_FIRST: u32 = 24;
const OLD_GOOGLE_LAST: u32 = 43;

/// The table entry for a version, if this module reads its Initials.
pub(super) fn lookup(version: u32) -> Option<VersionInfo> {
    Some(match version {
        V1 | MVFST_V1_ALIAS => ietf(&[SALT_V1]),
        V2 => VersionInfo {
            family: Family::Ietf,
            salts: &[SALT_V2],
            labels: &LABELS_V2,
            v2_types: true,
        },
        // Wireshark treats 0x709a50c4 as v2 (labels and types) with the draft salt; the final
        // salt is tried second in case a late draft implementation used it.
        V2_DRAFT => VersionInfo {
            family: Family::Ietf,
            salts: &[SALT_V2_DRAFT, SALT_V2],
            labels: &LABELS_V2,
            v2_types: true,
        },
        MVFST_D22 => ietf(&[SALT_DRAFT_22]),
        MVFST_D27 | MVFST_EXPERIMENTAL | MVFST_ALIAS | MVFST_EXPERIMENTAL2
        | MVFST_EXPERIMENTAL3 => ietf(&[SALT_DRAFT_23]),
        Q046 => google(Family::GoogleLongClear, &[]),
        Q050 => google(Family::GoogleCryptoChlo, &[SALT_Q050]),
        T050 => google(Family::GoogleCryptoTls, &[SALT_T050]),
        T051 => google(Family::GoogleCryptoTls, &[SALT_T051]),
        _ => {
            if let Some(draft) = draft_number(version) {
                // Drafts 22 onwards share v1's long header and labels; older ones differ.
                match draft {
                    22 => ietf(&[SALT_DRAFT_22]),
                    23..=28 => ietf(&[SALT_DRAFT_23]),
                    29..=32 => ietf(&[SALT_DRAFT_29]),
                    33..=34 => ietf(&[SALT_V1]),
                    _ => return None,
                }
            } else if google_number(version, b'Q')
                .is_some_and(|n| (OLD_GOOGLE_FIRST..=OLD_GOOGLE_LAST).contains(&n))
            {
                google(Family::GoogleClear, &[])
            } else {
                return None;
            }
        }
    })
}

/// Whether this module can read Initials of this version.
pub fn is_supported(version: u32) -> bool {
    lookup(version).is_some()
}

/// A short name for a version: "v1", "v2", "draft-29", "mvfst-draft-22", "Q046", "T051", or
/// "0x…" (eight hex digits) for one not known here.
pub fn version_name(version: u32) -> String {
    let fixed = match version {
        V1 => "v1",
        V2 => "v2",
        V2_DRAFT => "v2-draft",
        MVFST_D22 => "mvfst-draft-22",
        MVFST_D27 => "mvfst-draft-27",
        MVFST_V1_ALIAS => "mvfst-v1",
        MVFST_EXPERIMENTAL => "mvfst-experimental",
        MVFST_ALIAS => "mvfst-alias",
        MVFST_EXPERIMENTAL2 => "mvfst-experimental-2",
        MVFST_EXPERIMENTAL3 => "mvfst-experimental-3",
        _ => "",
    };
    if !fixed.is_empty() {
        return fixed.to_string();
    }
    if let Some(draft) = draft_number(version) {
        return format!("draft-{draft}");
    }
    if google_number(version, b'Q').is_some() || google_number(version, b'T').is_some() {
        return version
            .to_be_bytes()
            .iter()
            .map(|&b| char::from(b))
            .collect();
    }
    format!("{version:#010x}")
}

/// N for draft-ietf-quic-transport-N (0xff0000NN), N ≥ 1.
fn draft_number(version: u32) -> Option<u32> {
    (version & 0xffff_ff00 == DRAFT_PREFIX && version & 0xff != 0).then_some(version & 0xff)
}

/// The two-digit number of a Google version "<letter>0<d><d>".
pub(super) fn google_number(version: u32, letter: u8) -> Option<u32> {
    let [l, zero, tens, ones] = version.to_be_bytes();
    (l == letter && zero == b'0' && tens.is_ascii_digit() && ones.is_ascii_digit())
        .then(|| u32::from(tens - b'0') * 10 + u32::from(ones - b'0'))
}

/// Decodes 40 hex digits (spaces ignored) at compile time; a bad digit fails the build.
// Only ever evaluated for the `const` salts above, at compile time: an index out of range or
// the panic on a bad digit is a build error, never a run-time panic.
#[allow(clippy::indexing_slicing, clippy::panic)]
const fn hex20(text: &[u8]) -> [u8; 20] {
    let mut out = [0u8; 20];
    let mut nibbles = 0;
    let mut i = 0;
    while i < text.len() {
        let c = text[i];
        i += 1;
        let v = match c {
            b'0'..=b'9' => c - b'0',
            b'a'..=b'f' => c - b'a' + 10,
            b' ' => continue,
            _ => panic!("not a hex digit"),
        };
        out[nibbles / 2] |= if nibbles % 2 == 0 { v << 4 } else { v };
        nibbles += 1;
    }
    assert!(nibbles == 40, "a salt is 20 bytes");
    out
}
