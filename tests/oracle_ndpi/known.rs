//! Every known, examined difference between residency and nDPI on the captures, with the
//! side that is right and why. The checks assert these tables exactly: a difference not
//! listed fails, and so does an entry that no longer happens (remove it then).
//!
//! Flows are named by capture and nDPI's flow number (`N` in its `.out`; all flows below are
//! in its first, "detected" list). Evidence was checked with tshark 4 on the same captures;
//! packet numbers are tshark's frame numbers.

/// Which side of a difference is right. (`Ndpi` is unused while every difference found has
/// been decided for residency or fixed in it; the tables keep the choice explicit.)
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[allow(dead_code)]
pub enum Right {
    Residency,
    Ndpi,
}

/// A TLS/QUIC/HTTP flow whose names differ: residency's `hostname.name` against nDPI's
/// `Hostname/SNI`.
pub struct Mismatch {
    pub capture: &'static str,
    pub flow: u32,
    pub residency: Option<&'static str>,
    pub ndpi: &'static str,
    pub right: Right,
    pub why: &'static str,
}

/// None: on every TLS/QUIC/HTTP flow where nDPI gives a name, residency gives the same one.
pub const KNOWN_DIFFERENCES: &[Mismatch] = &[];

/// A TLS/QUIC/HTTP flow where residency has a name and nDPI has none.
pub struct Extra {
    pub capture: &'static str,
    pub flow: u32,
    pub name: &'static str,
    /// residency's `hostname.source`.
    pub source: &'static str,
    pub right: Right,
    pub why: &'static str,
}

pub const EXTRA_NAMES: &[Extra] = &[
    Extra {
        capture: "KakaoTalk_chat.pcap",
        flow: 4, // TCP 10.24.82.188:35503 <-> 173.252.97.2:443
        name: "facebook.com",
        source: "tls-cert",
        right: Right::Residency,
        why: "ClientHello (frame 44) has no server_name and no DNS answer in the capture gives \
              173.252.97.2; the server's Certificate (retransmitted, frames 91-95) names \
              CN=*.facebook.com with SAN facebook.com, the first non-wildcard name. nDPI prints \
              the same certificate but takes no hostname from it",
    },
    Extra {
        capture: "KakaoTalk_chat.pcap",
        flow: 5, // TCP 10.24.82.188:45213 <-> 31.13.68.84:443
        name: "developers.facebook.com",
        source: "dns",
        right: Right::Residency,
        why: "no server_name in the ClientHello (frame 222); DNS gave 31.13.68.84 for \
              api.facebook.com (frame 98) and developers.facebook.com (frame 139); the latest \
              answer before the flow's first packet (frame 217) wins, as docs/names.md says. \
              The certificate (*.facebook.com) covers both",
    },
    Extra {
        capture: "KakaoTalk_chat.pcap",
        flow: 6, // TCP 10.24.82.188:35511 <-> 173.252.97.2:443
        name: "facebook.com",
        source: "tls-cert",
        right: Right::Residency,
        why: "as flow 4: no server_name (frame 231), no DNS answer; Certificate in frame 260 \
              (CN=*.facebook.com, SAN facebook.com)",
    },
    Extra {
        capture: "KakaoTalk_chat.pcap",
        flow: 7, // TCP 10.24.82.188:37821 <-> 210.103.240.15:443
        name: "plus-talk.kakao.com",
        source: "dns",
        right: Right::Residency,
        why: "no server_name (frame 61); DNS gave 210.103.240.15 for auth.kakao.com (frame 5), \
              item.kakao.com (frame 10) and plus-talk.kakao.com (frames 55-57): the latest \
              before the flow (frame 58) is plus-talk.kakao.com; the certificate is *.kakao.com",
    },
    Extra {
        capture: "KakaoTalk_chat.pcap",
        flow: 10, // TCP 10.24.82.188:58964 <-> 54.255.253.199:5223
        name: "*.push.samsungosp.com",
        source: "tls-cert",
        right: Right::Residency,
        why: "no server_name (frame 345) and no DNS answer; the capture ends in the middle of \
              the server's Certificate message (frame 347, 1388 bytes), which already holds the \
              whole leaf: CN=*.push.samsungosp.com, no SAN. nDPI waits for the complete message. \
              The name is the server's own claim, but a wildcard pattern, not a host name \
              (reported to the lead)",
    },
    Extra {
        capture: "KakaoTalk_chat.pcap",
        flow: 14, // TCP 10.24.82.188:42332 <-> 210.103.240.15:443
        name: "plus-talk.kakao.com",
        source: "dns",
        right: Right::Residency,
        why: "the capture starts mid-flow (first packet a FIN, frame 210): no handshake to read; \
              the latest DNS answer for 210.103.240.15 before it is plus-talk.kakao.com \
              (frames 55-57)",
    },
    Extra {
        capture: "tls_1.2_unidirectional_server.pcapng",
        flow: 1, // TCP 216.58.209.42:443 -> 192.168.12.156:43854
        name: "upload.video.google.com",
        source: "tls-cert",
        right: Right::Residency,
        why: "only the server's direction is captured, so there is no ClientHello; its TLS 1.2 \
              Certificate names CN=upload.video.google.com (nDPI prints the same Subject and \
              ServerNames, but no hostname)",
    },
];

/// Flows where residency read the server's leaf certificate and nDPI printed none
/// (no `[ServerNames: ...]`, no `[Subject: ...]`), per capture.
pub struct CertsNdpiMissed {
    pub capture: &'static str,
    pub flows: &'static [u32],
    pub why: &'static str,
}

pub const CERTS_NDPI_MISSED: &[CertsNdpiMissed] = &[
    CertsNdpiMissed {
        capture: "teams.pcap",
        flows: &[
            5, 6, 7, 11, 15, 16, 18, 20, 21, 22, 26, 27, 29, 31, 35, 36, 37, 38,
        ],
        why: "in each of these flows the server's first segments arrive out of order (tshark \
              flags tcp.analysis.out_of_order / lost_segment on them, e.g. frames 313/314 for \
              port 60540). nDPI does not reorder TCP segments, so it never sees the Certificate; \
              residency reassembles by sequence number. tshark with \
              -o tcp.reassemble_out_of_order:TRUE shows the same leaf names residency reports",
    },
    CertsNdpiMissed {
        capture: "KakaoTalk_chat.pcap",
        flows: &[10],
        why: "the capture ends inside the Certificate message; residency reads the leaf, which \
              is complete (see EXTRA_NAMES)",
    },
];

/// A certificate whose subject CN differs: residency's `names.tls_cert.subject_cn` against
/// the last CN of nDPI's `[Subject: ...]`.
pub struct CnDifference {
    pub capture: &'static str,
    pub flow: u32,
    pub residency: Option<&'static str>,
    pub ndpi: Option<&'static str>,
    pub right: Right,
    pub why: &'static str,
}

/// Empty: the one difference found (KakaoTalk_chat.pcap #7, a CN in a TeletexString that
/// residency first dropped) was fixed; the CN is now read from the raw string bytes.
pub const CN_DIFFERENCES: &[CnDifference] = &[];

/// A QUIC flow whose version differs: residency's `names.quic.version` against nDPI's
/// `[QUIC ver: ...]` (in residency's spelling).
pub struct QuicDifference {
    pub capture: &'static str,
    pub flow: u32,
    pub residency: Option<&'static str>,
    pub ndpi: &'static str,
    pub right: Right,
    pub why: &'static str,
}

/// Empty: the one difference found (quic-mvfst-22_decryption_error.pcap #1, version lost when
/// the Initial does not decrypt) was fixed; the version is read from the clear long header.
pub const QUIC_DIFFERENCES: &[QuicDifference] = &[];
