//! Running tshark: probing which fields it offers, the field lists and error markers the
//! oracle asks for, and parsing its per-frame field lines.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::OnceLock;

/// What tshark offers: the field list to request (required fields plus those of the
/// optional error markers this version knows), or why the oracle cannot run.
pub struct Tshark {
    pub fields: Vec<String>,
    pub missing_markers: Vec<&'static str>,
}

pub fn tshark() -> Result<&'static Tshark, String> {
    static TSHARK: OnceLock<Result<Tshark, String>> = OnceLock::new();
    TSHARK
        .get_or_init(probe_tshark)
        .as_ref()
        .map_err(Clone::clone)
}

fn tshark_command() -> Command {
    let mut cmd = Command::new("tshark");
    // An empty personal configuration: nobody's saved preferences or "decode as" rules
    // can change what the oracle sees.
    let config = Path::new(env!("CARGO_TARGET_TMPDIR")).join("oracle_tshark_config");
    let _ = std::fs::create_dir_all(&config);
    cmd.env("WIRESHARK_CONFIG_DIR", config);
    cmd
}

fn probe_tshark() -> Result<Tshark, String> {
    let out = tshark_command()
        .args(["-G", "fields"])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("tshark is not runnable from PATH ({e})"))?;
    if !out.status.success() {
        return Err(format!(
            "`tshark -G fields` failed ({}): {}",
            out.status,
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    let glossary = String::from_utf8_lossy(&out.stdout);
    let known: BTreeSet<&str> = glossary
        .lines()
        .filter_map(|l| {
            let mut parts = l.split('\t');
            match (parts.next(), parts.next(), parts.next()) {
                (Some("F" | "P"), Some(_), Some(abbrev)) => Some(abbrev),
                _ => None,
            }
        })
        .collect();
    let missing: Vec<&str> = REQUIRED_FIELDS
        .iter()
        .copied()
        .filter(|f| !known.contains(f))
        .collect();
    if !missing.is_empty() {
        return Err(format!("this tshark lacks required fields {missing:?}"));
    }
    let mut fields: Vec<String> = REQUIRED_FIELDS.iter().map(|f| f.to_string()).collect();
    let mut missing_markers = Vec::new();
    for marker in LINK_IP_ERRORS.iter().chain(TRANSPORT_ERRORS) {
        if known.contains(marker) {
            fields.push(marker.to_string());
        } else {
            missing_markers.push(*marker);
        }
    }
    Ok(Tshark {
        fields,
        missing_markers,
    })
}

const REQUIRED_FIELDS: &[&str] = &[
    "frame.number",
    "frame.protocols",
    "ip.src",
    "ip.dst",
    "ip.len",
    "ip.proto",
    "ip.id",
    "ip.flags.mf",
    "ip.frag_offset",
    "ipv6.src",
    "ipv6.dst",
    "ipv6.plen",
    "ipv6.nxt",
    "ipv6.hopopts.nxt",
    "ipv6.routing.nxt",
    "ipv6.dstopts.nxt",
    "ipv6.fraghdr.nxt",
    "ipv6.fraghdr.offset",
    "ipv6.fraghdr.more",
    "ipv6.fraghdr.ident",
    "tcp.srcport",
    "tcp.dstport",
    "udp.srcport",
    "udp.dstport",
    // A CAPWAP fragment's payload is incomplete: the CAPWAP packet's own IP header keys it.
    "capwap.header.flags.f",
    // Exceptions while dissecting: "[Malformed Packet: PROTO]" and
    // "[Packet size limited during capture: PROTO truncated]".
    "_ws.malformed",
    "_ws.short",
];

/// tshark's expert items (present = "1") that mean the link or IP header, i.e. the key or
/// the byte count, cannot be trusted: the frame is skipped.
pub const LINK_IP_ERRORS: &[&str] = &[
    "frame.len_lt_caplen",
    "vlan.too_many_tags",
    "ip.bogus_header_length",
    "ip.bogus_ip_length", // also ip.len 0 (TSO), since the test sets ip.tso_support off
    "ip.bogus_ip_version",
    "ipv6.bogus_ipv6_version",
    "ipv6.invalid_header",
    "ipv6.plen_exceeds_framing",
    "ipv6.plen_zero",
    "ipv6.routing.invalid_length",
];

/// Expert items that mean the transport header is bogus: tshark may still print ports,
/// but whether such a packet belongs in a flow is a policy choice, so the tuple is not
/// compared.
pub const TRANSPORT_ERRORS: &[&str] = &[
    "tcp.bogus_header_length",
    "tcp.short_segment",
    "udp.length.bad",
    "udp.length.bad_zero",
];

/// Short protocol names (as in "[Malformed Packet: NAME]") of the layers that carry the
/// key, split as above.
pub const LINK_IP_LAYERS: &[&str] = &[
    "Frame",
    "Ethernet",
    "Ethertype",
    "VLAN",
    "SLL",
    "Null",
    "Raw",
    "PPP",
    "PPPoES",
    "MPLS",
    "GRE",
    "ERSPAN",
    "VXLAN",
    "CAPWAP-DATA",
    "IEEE 802.11",
    "LLC",
    "IPv4",
    "IPv6",
    "IPv6 Hop-by-Hop",
    "IPv6 Routing",
    "IPv6 Fragment",
    "IPv6 Destination",
];
pub const TRANSPORT_LAYERS: &[&str] = &["TCP", "UDP", "ICMP", "ICMPv6"];

/// Runs tshark over `capture` with IP defragmentation and TCP reassembly off; returns its
/// lines of fields (one per frame) and its warnings.
pub fn tshark_fields(capture: &Path, ts: &Tshark) -> Result<(String, String), String> {
    let mut cmd = tshark_command();
    cmd.arg("-n").arg("-r").arg(capture);
    for pref in [
        "ip.defragment:FALSE",
        "ipv6.defragment:FALSE",
        "tcp.desegment_tcp_streams:FALSE",
        "tcp.reassemble_out_of_order:FALSE",
        "ip.tso_support:FALSE",
        "ipv6.tso_support:FALSE",
        // CAPWAP carries 802.11 frames as RFC 5416 defines them. Wireshark swaps their Frame
        // Control bytes by default (for access points that send them swapped); residency
        // reads both, this oracle checks the standard form only.
        "capwap.swap_fc:FALSE",
    ] {
        cmd.args(["-o", pref]);
    }
    cmd.args([
        "-T",
        "fields",
        "-E",
        "header=n",
        "-E",
        "separator=/t",
        "-E",
        "quote=n",
    ]);
    cmd.args(["-E", "occurrence=a", "-E", "aggregator=,"]);
    for f in &ts.fields {
        cmd.args(["-e", f]);
    }
    let out = cmd
        .stdin(Stdio::null())
        .output()
        .map_err(|e| format!("cannot run tshark: {e}"))?;
    let stdout = String::from_utf8_lossy(&out.stdout);
    let warnings: String = String::from_utf8_lossy(&out.stderr)
        .lines()
        .filter(|l| !l.contains("could be dangerous"))
        .collect::<Vec<_>>()
        .join("\n");
    if !out.status.success() && stdout.trim().is_empty() {
        return Err(format!("tshark failed ({}): {warnings}", out.status));
    }
    Ok((stdout.into_owned(), warnings))
}

/// One frame's fields: per requested field, its occurrences.
pub struct Row<'a> {
    names: &'a [String],
    cols: Vec<Vec<&'a str>>,
}

impl<'a> Row<'a> {
    pub fn parse(line: &'a str, names: &'a [String]) -> Option<Row<'a>> {
        let raw: Vec<&str> = line.split('\t').collect();
        if raw.len() != names.len() {
            return None;
        }
        let cols = raw
            .into_iter()
            .map(|c| {
                if c.is_empty() {
                    Vec::new()
                } else {
                    c.split(',').collect()
                }
            })
            .collect();
        Some(Row { names, cols })
    }

    pub fn all(&self, name: &str) -> &[&'a str] {
        self.names
            .iter()
            .position(|n| n == name)
            .map_or(&[], |i| &self.cols[i])
    }

    pub fn nth(&self, name: &str, i: usize) -> Option<&'a str> {
        self.all(name).get(i).copied()
    }
}

pub fn parse_uint(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

pub fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "True" | "true" => Some(true),
        "0" | "False" | "false" => Some(false),
        _ => None,
    }
}

/// Names of the protocols tshark reports an exception or truncation in.
pub fn exception_layers(row: &Row) -> Vec<String> {
    let mut layers = Vec::new();
    for v in row.all("_ws.malformed").iter().chain(row.all("_ws.short")) {
        if let Some(rest) = v.strip_prefix("[Malformed Packet: ") {
            layers.push(rest.trim_end_matches(']').to_string());
        } else if let Some(rest) = v.strip_prefix("[Packet size limited during capture: ") {
            let name = rest.trim_end_matches(']').trim_end_matches(" truncated");
            layers.push(name.to_string());
        }
        // A bare "_ws.malformed" is an application dissector's note, not an exception.
    }
    layers
}
