//! Oracle test: per-5-tuple packet and byte counts of `residency analyze --json -`
//! checked against an independent dissection of the same capture by tshark.
//!
//! For every capture in `../shared/captures` (relative to the crate root):
//! * residency runs once; it must exit 0 (complete) or 3 (partial) with a valid JSON
//!   report on stdout; its `flows[]` are summed per (IP protocol, endpoint pair), per
//!   direction (direction = from endpoint A to endpoint B, not client/server role);
//! * tshark runs once with IP defragmentation and TCP reassembly disabled and prints one
//!   line of fields per frame; the test rebuilds the same sums itself: key = innermost
//!   *tunnel-level* IP header (tunnels: GRE incl. ERSPAN, VXLAN, IP-in-IP) plus its
//!   transport, bytes = that header's total length (IPv4 `ip.len`, IPv6 `40 + plen`),
//!   non-first fragments attributed to the first fragment of the same
//!   (src, dst, protocol, IP id);
//! * frames tshark could not dissect cleanly (see `LINK_IP_ERRORS`, `TRANSPORT_ERRORS`)
//!   are left out, and the tuples they touch are not compared; every skip is printed.
//!
//! Missing captures directory or missing tshark: the tests print why and pass.

use serde_json::Value;
use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::io::{Read, Write};
use std::net::IpAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::OnceLock;
use std::thread;
use std::time::{Duration, Instant};

/// The captures, relative to the crate root.
const CAPTURES_DIR: &str = "../shared/captures";
/// A run of residency over one capture longer than this counts as a hang.
const RESIDENCY_TIMEOUT: Duration = Duration::from_secs(180);
/// Exit codes residency may use when it produced a report.
const EXIT_COMPLETE: i32 = 0;
const EXIT_PARTIAL: i32 = 3;

// ---------------------------------------------------------------------------------------
// One #[test] per known capture, plus one for captures that appear later.

macro_rules! capture_tests {
    ($($name:ident => $file:literal,)*) => {
        $(
            #[test]
            fn $name() {
                check_capture($file);
            }
        )*
        const KNOWN_CAPTURES: &[&str] = &[$($file),*];
    };
}

capture_tests! {
    capture_4in4tunnel_pcap => "4in4tunnel.pcap",
    capture_6in4tunnel_pcap => "6in4tunnel.pcap",
    capture_kakaotalk_chat_pcap => "KakaoTalk_chat.pcap",
    capture_dlt_ppp_pcap => "dlt_ppp.pcap",
    capture_dns_pcap => "dns.pcap",
    capture_dns_ambiguous_names_pcap => "dns_ambiguous_names.pcap",
    capture_fuzz_2021_10_13_pcap => "fuzz-2021-10-13.pcap",
    capture_gre_pcapng => "gre.pcapng",
    capture_http_pcapng => "http.pcapng",
    capture_http_ipv6_pcap => "http_ipv6.pcap",
    capture_ip_fragmented_garbage_pcap => "ip_fragmented_garbage.pcap",
    capture_kerberos_fuzz_pcapng => "kerberos_fuzz.pcapng",
    capture_malformed_dns_pcap => "malformed_dns.pcap",
    capture_ossfuzz_seed_fake_traces_1_pcapng => "ossfuzz_seed_fake_traces_1.pcapng",
    capture_quic_29_pcap => "quic-29.pcap",
    capture_quic_mvfst_22_decryption_error_pcap => "quic-mvfst-22_decryption_error.pcap",
    capture_quic_v2_pcapng => "quic-v2.pcapng",
    capture_quic_pcap => "quic.pcap",
    capture_quic_frags_ch_in_multiple_packets_pcapng => "quic_frags_ch_in_multiple_packets.pcapng",
    capture_rdp_pcap => "rdp.pcap",
    capture_selfsigned_pcap => "selfsigned.pcap",
    capture_skype_conference_call_pcap => "skype-conference-call.pcap",
    capture_stun_pcap => "stun.pcap",
    capture_stun_msteams_unidir_pcapng => "stun_msteams_unidir.pcapng",
    capture_teams_pcap => "teams.pcap",
    capture_tls_rdn_extract_pcap => "tls-rdn-extract.pcap",
    capture_tls_1_2_unidirectional_server_pcapng => "tls_1.2_unidirectional_server.pcapng",
    capture_tls_2_reasms_pcapng => "tls_2_reasms.pcapng",
    capture_tls_ech_pcapng => "tls_ech.pcapng",
    capture_vxlan_pcap => "vxlan.pcap",
}

/// Captures in the directory that the list above does not name are checked here, so a
/// new capture is never ignored silently.
#[test]
fn captures_not_in_the_known_list() {
    let Some(dir) = captures_dir() else { return };
    let mut extra: Vec<String> = capture_files(&dir)
        .into_iter()
        .filter(|name| !KNOWN_CAPTURES.contains(&name.as_str()))
        .collect();
    extra.sort();
    if extra.is_empty() {
        println!("every capture in {} has its own test", dir.display());
        return;
    }
    println!("captures without their own test, checked here: {extra:?}");
    let mut failures = Vec::new();
    for name in &extra {
        if let Err(message) = std::panic::catch_unwind(|| check_capture(name)) {
            let text = message
                .downcast_ref::<String>()
                .cloned()
                .or_else(|| message.downcast_ref::<&str>().map(|s| s.to_string()))
                .unwrap_or_default();
            failures.push(format!("{name}: {text}"));
        }
    }
    assert!(failures.is_empty(), "failures:\n{}", failures.join("\n"));
}

// ---------------------------------------------------------------------------------------
// Environment and skip rules.

/// Says why a test compares nothing. `eprintln!` is captured by the test harness just like
/// `println!`, so the message also goes to the raw stderr handle, which is not: a skip shows
/// in a plain `cargo test` run, not only with `--nocapture`.
fn skip(reason: &str) {
    println!("SKIPPED: {reason}");
    let _ = writeln!(std::io::stderr(), "SKIPPED: {reason}");
}

fn captures_dir() -> Option<PathBuf> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join(CAPTURES_DIR);
    if dir.is_dir() {
        Some(dir)
    } else {
        skip(&format!(
            "captures directory {} is absent; the tshark oracle compares nothing",
            dir.display()
        ));
        None
    }
}

fn capture_files(dir: &Path) -> Vec<String> {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_file())
        .filter_map(|e| e.file_name().into_string().ok())
        .filter(|n| n.ends_with(".pcap") || n.ends_with(".pcapng"))
        .collect()
}

/// Captures that are damaged on purpose: residency must survive them; counts are only
/// compared where tshark's dissection was clean (as for every other capture).
fn deliberately_malformed(name: &str) -> bool {
    ["fuzz", "ossfuzz", "garbage", "malformed"]
        .iter()
        .any(|w| name.to_ascii_lowercase().contains(w))
}

/// What tshark offers: the field list to request (required fields plus those of the
/// optional error markers this version knows), or why the oracle cannot run.
struct Tshark {
    fields: Vec<String>,
    missing_markers: Vec<&'static str>,
}

fn tshark() -> Result<&'static Tshark, String> {
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

// ---------------------------------------------------------------------------------------
// Keys and counters shared by both sides.

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct Endpoint {
    ip: IpAddr,
    port: Option<u16>,
}

impl fmt::Display for Endpoint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match (self.ip, self.port) {
            (IpAddr::V4(ip), Some(p)) => write!(f, "{ip}:{p}"),
            (IpAddr::V6(ip), Some(p)) => write!(f, "[{ip}]:{p}"),
            (ip, None) => write!(f, "{ip}"),
        }
    }
}

/// A bidirectional 5-tuple with canonically ordered endpoints (`a <= b`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
struct TupleKey {
    proto: u8,
    a: Endpoint,
    b: Endpoint,
}

impl TupleKey {
    /// The key for traffic from `src` to `dst`, and whether that direction is A→B.
    fn new(proto: u8, src: Endpoint, dst: Endpoint) -> (TupleKey, bool) {
        if src <= dst {
            (
                TupleKey {
                    proto,
                    a: src,
                    b: dst,
                },
                true,
            )
        } else {
            (
                TupleKey {
                    proto,
                    a: dst,
                    b: src,
                },
                false,
            )
        }
    }

    fn addresses(&self) -> AddrPair {
        AddrPair::new(self.proto, self.a.ip, self.b.ip)
    }
}

impl fmt::Display for TupleKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let transport = transport_name(self.proto);
        if transport == "other" {
            write!(f, "other/{} {} <-> {}", self.proto, self.a, self.b)
        } else {
            write!(f, "{transport} {} <-> {}", self.a, self.b)
        }
    }
}

/// Protocol and unordered address pair: what is known of a frame whose ports are not.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
struct AddrPair {
    proto: u8,
    lo: IpAddr,
    hi: IpAddr,
}

impl AddrPair {
    fn new(proto: u8, x: IpAddr, y: IpAddr) -> AddrPair {
        AddrPair {
            proto,
            lo: x.min(y),
            hi: x.max(y),
        }
    }
}

fn transport_name(proto: u8) -> &'static str {
    match proto {
        6 => "tcp",
        17 => "udp",
        1 => "icmp",
        58 => "icmpv6",
        _ => "other",
    }
}

fn has_ports(proto: u8) -> bool {
    proto == 6 || proto == 17
}

/// Packets and bytes, index 0 = A→B, index 1 = B→A.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
struct Counts {
    packets: [u64; 2],
    bytes: [u64; 2],
}

impl Counts {
    fn add(&mut self, a_to_b: bool, packets: u64, bytes: u64) {
        let i = usize::from(!a_to_b);
        self.packets[i] += packets;
        self.bytes[i] += bytes;
    }
}

impl fmt::Display for Counts {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}p/{}B > {}p/{}B",
            self.packets[0], self.bytes[0], self.packets[1], self.bytes[1]
        )
    }
}

// ---------------------------------------------------------------------------------------
// residency's side.

struct ResidencySide {
    exit: i32,
    flows: usize,
    input_packets: Option<u64>,
    input_errors: usize,
    counts: BTreeMap<TupleKey, Counts>,
}

/// Runs the binary with a time limit; returns (exit code or None if killed by a signal,
/// stdout, stderr).
fn run_with_timeout(
    mut cmd: Command,
    limit: Duration,
) -> Result<(Option<i32>, Vec<u8>, String), String> {
    let mut child = cmd
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("cannot start {:?}: {e}", cmd.get_program()))?;
    let mut stdout = child.stdout.take().expect("piped stdout");
    let mut stderr = child.stderr.take().expect("piped stderr");
    let out_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stdout.read_to_end(&mut buf);
        buf
    });
    let err_reader = thread::spawn(move || {
        let mut buf = Vec::new();
        let _ = stderr.read_to_end(&mut buf);
        String::from_utf8_lossy(&buf).into_owned()
    });
    let start = Instant::now();
    let status = loop {
        match child.try_wait() {
            Ok(Some(status)) => break status,
            Ok(None) if start.elapsed() > limit => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(format!("no exit after {limit:?}: hang? (killed)"));
            }
            Ok(None) => thread::sleep(Duration::from_millis(20)),
            Err(e) => return Err(format!("waiting for the child failed: {e}")),
        }
    };
    let out = out_reader.join().unwrap_or_default();
    let err = err_reader.join().unwrap_or_default();
    Ok((status.code(), out, err))
}

fn run_residency(capture: &Path) -> Result<ResidencySide, String> {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_residency"));
    cmd.arg("analyze").arg("--json").arg("-").arg(capture);
    let (code, stdout, stderr) = run_with_timeout(cmd, RESIDENCY_TIMEOUT)?;
    let stderr_tail: String = stderr.lines().rev().take(15).collect::<Vec<_>>().join("\n");
    let exit = match code {
        Some(c @ (EXIT_COMPLETE | EXIT_PARTIAL)) => c,
        Some(c) => {
            return Err(format!(
                "exit code {c} (expected 0 or 3); stderr:\n{stderr_tail}"
            ));
        }
        None => {
            return Err(format!(
                "killed by a signal (crash?); stderr:\n{stderr_tail}"
            ));
        }
    };
    let report: Value = serde_json::from_slice(&stdout).map_err(|e| {
        let head = String::from_utf8_lossy(&stdout[..stdout.len().min(300)]).into_owned();
        format!("exit {exit} but stdout is not JSON ({e}); stdout starts: {head:?}")
    })?;
    if report.get("schema").and_then(Value::as_str) != Some("residency.report/1") {
        return Err(format!("unexpected `schema`: {:?}", report.get("schema")));
    }
    let flows = report
        .get("flows")
        .and_then(Value::as_array)
        .ok_or("report has no `flows` array")?;
    let input = report
        .get("inputs")
        .and_then(Value::as_array)
        .and_then(|i| i.first());
    let mut side = ResidencySide {
        exit,
        flows: flows.len(),
        input_packets: input.and_then(|i| i.get("packets")).and_then(Value::as_u64),
        input_errors: input
            .and_then(|i| i.get("errors"))
            .and_then(Value::as_array)
            .map_or(0, Vec::len),
        counts: BTreeMap::new(),
    };
    for (i, flow) in flows.iter().enumerate() {
        let f = residency_flow(flow).map_err(|e| format!("flows[{i}]: {e}: {flow}"))?;
        let slot = side.counts.entry(f.key).or_default();
        let same_endpoint = f.key.a == f.key.b;
        // to_server is client→server; with identical endpoints both go to A→B.
        slot.add(f.client_is_a, f.packets[0], f.bytes[0]);
        slot.add(!f.client_is_a || same_endpoint, f.packets[1], f.bytes[1]);
    }
    Ok(side)
}

/// One of residency's flows, keyed like the oracle's tuples.
struct ResidencyFlow {
    key: TupleKey,
    /// Whether the client is endpoint A.
    client_is_a: bool,
    /// [to_server, to_client]
    packets: [u64; 2],
    bytes: [u64; 2],
}

fn residency_flow(flow: &Value) -> Result<ResidencyFlow, String> {
    let transport = flow
        .get("transport")
        .and_then(Value::as_str)
        .ok_or("no `transport`")?;
    let proto = match flow.get("ip_protocol").and_then(Value::as_u64) {
        Some(p) => u8::try_from(p).map_err(|_| format!("ip_protocol {p} out of range"))?,
        None => match transport {
            "tcp" => 6,
            "udp" => 17,
            "icmp" => 1,
            "icmpv6" => 58,
            _ => return Err("transport `other` without `ip_protocol`".into()),
        },
    };
    if transport_name(proto) != transport {
        return Err(format!(
            "transport {transport:?} disagrees with ip_protocol {proto}"
        ));
    }
    let endpoint = |role: &str| -> Result<Endpoint, String> {
        let v = flow.get(role).ok_or(format!("no `{role}`"))?;
        let ip = v
            .get("ip")
            .and_then(Value::as_str)
            .ok_or(format!("no `{role}.ip`"))?
            .parse::<IpAddr>()
            .map_err(|e| format!("`{role}.ip`: {e}"))?;
        let port = match v.get("port") {
            None | Some(Value::Null) => None,
            Some(p) => Some(
                p.as_u64()
                    .and_then(|p| u16::try_from(p).ok())
                    .ok_or(format!("`{role}.port` is not a port"))?,
            ),
        };
        if port.is_some() && !has_ports(proto) {
            return Err(format!("`{role}.port` set for transport {transport}"));
        }
        Ok(Endpoint { ip, port })
    };
    let client = endpoint("client")?;
    let server = endpoint("server")?;
    let number = |group: &str, dir: &str| -> Result<u64, String> {
        flow.get(group)
            .and_then(|g| g.get(dir))
            .and_then(Value::as_u64)
            .ok_or(format!("no `{group}.{dir}`"))
    };
    let (key, client_is_a) = TupleKey::new(proto, client, server);
    Ok(ResidencyFlow {
        key,
        client_is_a,
        packets: [
            number("packets", "to_server")?,
            number("packets", "to_client")?,
        ],
        bytes: [number("bytes", "to_server")?, number("bytes", "to_client")?],
    })
}

// ---------------------------------------------------------------------------------------
// tshark's side.

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
    // Exceptions while dissecting: "[Malformed Packet: PROTO]" and
    // "[Packet size limited during capture: PROTO truncated]".
    "_ws.malformed",
    "_ws.short",
];

/// tshark's expert items (present = "1") that mean the link or IP header, i.e. the key or
/// the byte count, cannot be trusted: the frame is skipped.
const LINK_IP_ERRORS: &[&str] = &[
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
const TRANSPORT_ERRORS: &[&str] = &[
    "tcp.bogus_header_length",
    "tcp.short_segment",
    "udp.length.bad",
    "udp.length.bad_zero",
];

/// Short protocol names (as in "[Malformed Packet: NAME]") of the layers that carry the
/// key, split as above.
const LINK_IP_LAYERS: &[&str] = &[
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
    "IPv4",
    "IPv6",
    "IPv6 Hop-by-Hop",
    "IPv6 Routing",
    "IPv6 Fragment",
    "IPv6 Destination",
];
const TRANSPORT_LAYERS: &[&str] = &["TCP", "UDP", "ICMP", "ICMPv6"];

/// One frame's fields: per requested field, its occurrences.
struct Row<'a> {
    names: &'a [String],
    cols: Vec<Vec<&'a str>>,
}

impl<'a> Row<'a> {
    fn parse(line: &'a str, names: &'a [String]) -> Option<Row<'a>> {
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

    fn all(&self, name: &str) -> &[&'a str] {
        self.names
            .iter()
            .position(|n| n == name)
            .map_or(&[], |i| &self.cols[i])
    }

    fn nth(&self, name: &str, i: usize) -> Option<&'a str> {
        self.all(name).get(i).copied()
    }
}

fn parse_uint(s: &str) -> Option<u64> {
    match s.strip_prefix("0x") {
        Some(hex) => u64::from_str_radix(hex, 16).ok(),
        None => s.parse().ok(),
    }
}

fn parse_bool(s: &str) -> Option<bool> {
    match s {
        "1" | "True" | "true" => Some(true),
        "0" | "False" | "false" => Some(false),
        _ => None,
    }
}

/// Where a tunnel-level IP header sits in `frame.protocols`.
#[derive(Debug, PartialEq, Eq)]
struct IpLayer {
    v6: bool,
    /// Index among the frame's `ip` (or `ipv6`) layers = index into that family's fields.
    occurrence: usize,
    /// Position in the token list.
    pos: usize,
}

/// Is what lies between two IP layers a tunnel residency decapsulates?
/// IP-in-IP (nothing between), GRE (possibly with Ethernet/VLAN/ERSPAN/PPP inside) or
/// VXLAN (UDP then VXLAN then Ethernet). Anything else (ICMP errors quoting a packet,
/// Teredo, GTP, ...) is not a tunnel.
fn is_tunnel_gap(gap: &[&str]) -> bool {
    // Extension headers belong to the outer IPv6 header.
    let start = gap.iter().take_while(|t| t.starts_with("ipv6.")).count();
    let gap = &gap[start..];
    let link = |t: &&str| matches!(*t, "eth" | "ethertype" | "vlan" | "erspan" | "ppp");
    match gap {
        [] => true,
        ["gre", rest @ ..] => rest.iter().all(link),
        ["udp", "vxlan", rest @ ..] => rest.iter().all(|t| *t != "ppp" && link(t)),
        _ => false,
    }
}

/// The IP headers of a frame that are tunnel-level: the first one and every one reached from
/// the previous through a tunnel, outermost first.
fn tunnel_chain(tokens: &[&str]) -> Vec<IpLayer> {
    let (mut n4, mut n6) = (0, 0);
    let mut chain: Vec<IpLayer> = Vec::new();
    for (pos, tok) in tokens.iter().enumerate() {
        let v6 = match *tok {
            "ip" => false,
            "ipv6" => true,
            _ => continue,
        };
        let occurrence = if v6 { n6 } else { n4 };
        if v6 {
            n6 += 1;
        } else {
            n4 += 1;
        }
        if let Some(prev) = chain.last()
            && !is_tunnel_gap(&tokens[prev.pos + 1..pos])
        {
            break;
        }
        chain.push(IpLayer {
            v6,
            occurrence,
            pos,
        });
    }
    chain
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct FragId {
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    id: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Frag {
    Whole,
    First(FragId),
    Later(FragId),
}

/// The innermost tunnel-level IP header of a frame, as far as tshark shows it.
#[derive(Debug)]
struct IpView {
    src: IpAddr,
    dst: IpAddr,
    proto: u8,
    bytes: u64,
    frag: Frag,
    /// (src, dst) ports, for TCP/UDP packets that are not non-first fragments.
    ports: Option<(u16, u16)>,
}

/// Reads the innermost header; `Err` says what is missing.
fn ip_view(row: &Row, tokens: &[&str], layer: &IpLayer) -> Result<IpView, String> {
    let need = |name: &str, i: usize| -> Result<&str, String> {
        row.nth(name, i)
            .ok_or_else(|| format!("{name}[{i}] missing"))
    };
    let num = |name: &str, i: usize| -> Result<u64, String> {
        let s = need(name, i)?;
        parse_uint(s).ok_or_else(|| format!("{name}[{i}] = {s:?} is not a number"))
    };
    let addr = |name: &str, i: usize| -> Result<IpAddr, String> {
        let s = need(name, i)?;
        s.parse()
            .map_err(|_| format!("{name}[{i}] = {s:?} is not an address"))
    };
    let k = layer.occurrence;
    // First token after the IP header and its extension headers.
    let mut next = layer.pos + 1;
    let (src, dst, mut proto, bytes, frag_fields);
    if layer.v6 {
        src = addr("ipv6.src", k)?;
        dst = addr("ipv6.dst", k)?;
        bytes = 40 + num("ipv6.plen", k)?;
        proto = num("ipv6.nxt", k)?;
        let mut fragment = None;
        while let Some(tok) = tokens.get(next).filter(|t| t.starts_with("ipv6.")) {
            let field = format!("{tok}.nxt");
            let i = tokens[..next].iter().filter(|t| *t == tok).count();
            if *tok == "ipv6.fraghdr" {
                fragment = Some((
                    num("ipv6.fraghdr.offset", i)?,
                    parse_bool(need("ipv6.fraghdr.more", i)?).ok_or("bad fraghdr.more")?,
                    num("ipv6.fraghdr.ident", i)?,
                ));
            }
            // Only the four extension headers with a `.nxt` field are walked.
            if row.all(&field).is_empty() {
                return Err(format!("unknown IPv6 extension header token {tok}"));
            }
            proto = num(&field, i)?;
            next += 1;
        }
        if matches!(proto, 0 | 43 | 44 | 60) {
            return Err(format!("IPv6 extension header {proto} not dissected"));
        }
        frag_fields = fragment;
    } else {
        src = addr("ip.src", k)?;
        dst = addr("ip.dst", k)?;
        bytes = num("ip.len", k)?;
        proto = num("ip.proto", k)?;
        let mf = parse_bool(need("ip.flags.mf", k)?).ok_or("bad ip.flags.mf")?;
        let offset = num("ip.frag_offset", k)?;
        frag_fields = Some((offset, mf, num("ip.id", k)?));
    }
    let proto = u8::try_from(proto).map_err(|_| format!("protocol {proto} out of range"))?;
    let frag = match frag_fields {
        Some((offset, more, id)) if offset > 0 || more => {
            let id = FragId {
                src,
                dst,
                proto,
                id,
            };
            if offset > 0 {
                Frag::Later(id)
            } else {
                Frag::First(id)
            }
        }
        _ => Frag::Whole,
    };
    let mut ports = None;
    if has_ports(proto) && !matches!(frag, Frag::Later(_)) {
        let token = if proto == 6 { "tcp" } else { "udp" };
        if tokens.get(next) != Some(&token) {
            return Err(format!("no {token} header dissected after the IP header"));
        }
        let i = tokens[..next].iter().filter(|t| **t == token).count();
        let port = |name: &str| -> Result<u16, String> {
            let p = num(name, i)?;
            u16::try_from(p).map_err(|_| format!("{name} {p} out of range"))
        };
        ports = Some((
            port(&format!("{token}.srcport"))?,
            port(&format!("{token}.dstport"))?,
        ));
    }
    Ok(IpView {
        src,
        dst,
        proto,
        bytes,
        frag,
        ports,
    })
}

impl IpView {
    fn key(&self, ports: Option<(u16, u16)>) -> (TupleKey, bool) {
        let (sp, dp) = match ports {
            Some((s, d)) => (Some(s), Some(d)),
            None => (None, None),
        };
        TupleKey::new(
            self.proto,
            Endpoint {
                ip: self.src,
                port: sp,
            },
            Endpoint {
                ip: self.dst,
                port: dp,
            },
        )
    }
}

/// Names of the protocols tshark reports an exception or truncation in.
fn exception_layers(row: &Row) -> Vec<String> {
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

#[derive(Default)]
struct TsharkSide {
    frames: u64,
    non_ip: u64,
    /// (frame, reason) of frames skipped for link/IP-level damage.
    unclean_ip: Vec<(u64, String)>,
    /// (frame, reason) of frames whose transport header is damaged.
    unclean_transport: Vec<(u64, String)>,
    /// Non-first fragments without a first fragment in the file.
    unattributed_fragments: Vec<u64>,
    /// Non-first fragments whose first fragment was skipped as damaged.
    fragments_of_skipped: Vec<u64>,
    /// Fragment ids that several first fragments (with different tuples) share.
    reused_fragment_ids: Vec<String>,
    counts: BTreeMap<TupleKey, Counts>,
    tainted_tuples: BTreeSet<TupleKey>,
    tainted_pairs: BTreeSet<AddrPair>,
    warnings: String,
}

impl TsharkSide {
    fn tainted(&self, key: &TupleKey) -> bool {
        self.tainted_tuples.contains(key) || self.tainted_pairs.contains(&key.addresses())
    }

    fn skipped_anything(&self) -> bool {
        !(self.unclean_ip.is_empty()
            && self.unclean_transport.is_empty()
            && self.unattributed_fragments.is_empty()
            && self.fragments_of_skipped.is_empty())
    }
}

/// The tuple a first fragment opened, and whether it travelled A→B.
type Owner = (TupleKey, bool);

fn run_tshark(capture: &Path, ts: &Tshark) -> Result<TsharkSide, String> {
    let mut cmd = tshark_command();
    cmd.arg("-n").arg("-r").arg(capture);
    for pref in [
        "ip.defragment:FALSE",
        "ipv6.defragment:FALSE",
        "tcp.desegment_tcp_streams:FALSE",
        "tcp.reassemble_out_of_order:FALSE",
        "ip.tso_support:FALSE",
        "ipv6.tso_support:FALSE",
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

    let mut side = TsharkSide {
        warnings,
        ..TsharkSide::default()
    };
    // First fragments by id, in file order: (frame, key and direction if known).
    let mut firsts: HashMap<FragId, Vec<(u64, Option<Owner>)>> = HashMap::new();
    // Clean non-first fragments: (frame, id, bytes).
    let mut laters: Vec<(u64, FragId, u64)> = Vec::new();

    for line in stdout.lines().filter(|l| !l.is_empty()) {
        let row = Row::parse(line, &ts.fields)
            .ok_or_else(|| format!("tshark line with the wrong field count: {line:?}"))?;
        side.frames += 1;
        let frame = row.nth("frame.number", 0).and_then(parse_uint).unwrap_or(0);
        let tokens: Vec<&str> = row
            .nth("frame.protocols", 0)
            .map(|p| p.split(':').collect())
            .unwrap_or_default();
        let exceptions = exception_layers(&row);
        let marked = |markers: &[&str], layers: &[&str]| -> Vec<String> {
            let mut found: Vec<String> = markers
                .iter()
                .filter(|m| !row.all(m).is_empty())
                .map(|m| m.to_string())
                .collect();
            found.extend(
                exceptions
                    .iter()
                    .filter(|e| layers.contains(&e.as_str()))
                    .map(|e| format!("exception in {e}")),
            );
            found
        };
        let link_ip_damage = marked(LINK_IP_ERRORS, LINK_IP_LAYERS);
        let transport_damage = marked(TRANSPORT_ERRORS, TRANSPORT_LAYERS);

        let chain = tunnel_chain(&tokens);
        if chain.is_empty() {
            if link_ip_damage.is_empty() {
                side.non_ip += 1;
            } else {
                side.unclean_ip.push((frame, link_ip_damage.join(", ")));
            }
            continue;
        }
        // Descend the tunnels, but not into a fragment: its payload is incomplete, so a
        // fragmented outer header is the flow (tshark dissects a first fragment's payload
        // even with defragmentation off).
        let mut picked = None;
        for layer in chain {
            let view = ip_view(&row, &tokens, &layer);
            let stop = view.as_ref().map_or(true, |v| v.frag != Frag::Whole);
            picked = Some((layer, view));
            if stop {
                break;
            }
        }
        let (layer, view) = picked.expect("chain is not empty");
        if !link_ip_damage.is_empty() || view.is_err() {
            let mut reasons = link_ip_damage;
            if let Err(e) = &view {
                reasons.push(e.clone());
            }
            side.unclean_ip.push((frame, reasons.join(", ")));
            // Whatever addresses tshark did read are not compared.
            if let Some((proto, src, dst)) = damaged_addresses(&row, &layer) {
                side.tainted_pairs.insert(AddrPair::new(proto, src, dst));
            }
            if let Ok(v) = &view
                && let Frag::First(id) = v.frag
            {
                firsts.entry(id).or_default().push((frame, None));
            }
            continue;
        }
        let view = view.expect("checked above");
        if !transport_damage.is_empty() {
            side.unclean_transport
                .push((frame, transport_damage.join(", ")));
            let key = view.ports.map(|p| view.key(Some(p)));
            match key {
                Some((k, _)) => {
                    side.tainted_tuples.insert(k);
                }
                None => {
                    side.tainted_pairs
                        .insert(AddrPair::new(view.proto, view.src, view.dst));
                }
            }
            if let Frag::First(id) = view.frag {
                firsts.entry(id).or_default().push((frame, key));
            }
            continue;
        }
        match view.frag {
            Frag::Later(id) => laters.push((frame, id, view.bytes)),
            Frag::First(_) | Frag::Whole => {
                let (key, a_to_b) = view.key(view.ports);
                side.counts
                    .entry(key)
                    .or_default()
                    .add(a_to_b, 1, view.bytes);
                if let Frag::First(id) = view.frag {
                    firsts
                        .entry(id)
                        .or_default()
                        .push((frame, Some((key, a_to_b))));
                }
            }
        }
    }

    // A non-first fragment belongs to the latest first fragment of the same id before it
    // (an id may be reused later in a capture), else to the first one after it.
    for (frame, id, bytes) in laters {
        let candidates = firsts.get(&id).map(Vec::as_slice).unwrap_or(&[]);
        let owner = candidates
            .iter()
            .rev()
            .find(|(f, _)| *f < frame)
            .or_else(|| candidates.iter().find(|(f, _)| *f > frame));
        match owner {
            None => side.unattributed_fragments.push(frame),
            Some((_, None)) => side.fragments_of_skipped.push(frame),
            Some((_, Some((key, a_to_b)))) => {
                side.counts.entry(*key).or_default().add(*a_to_b, 1, bytes);
            }
        }
    }
    for (id, list) in &firsts {
        let distinct: BTreeSet<_> = list.iter().filter_map(|(_, k)| k.map(|k| k.0)).collect();
        if list.len() > 1 {
            side.reused_fragment_ids.push(format!(
                "{} -> {} proto {} id {:#x}: {} first fragments (frames {:?}), {} distinct tuples",
                id.src,
                id.dst,
                id.proto,
                id.id,
                list.len(),
                list.iter().map(|(f, _)| *f).collect::<Vec<_>>(),
                distinct.len()
            ));
        }
    }
    side.reused_fragment_ids.sort();
    Ok(side)
}

/// Protocol and addresses of a damaged frame's innermost header, if tshark read them.
fn damaged_addresses(row: &Row, layer: &IpLayer) -> Option<(u8, IpAddr, IpAddr)> {
    let k = layer.occurrence;
    let (s, d, p) = if layer.v6 {
        ("ipv6.src", "ipv6.dst", "ipv6.nxt")
    } else {
        ("ip.src", "ip.dst", "ip.proto")
    };
    let src = row.nth(s, k)?.parse().ok()?;
    let dst = row.nth(d, k)?.parse().ok()?;
    let proto = u8::try_from(parse_uint(row.nth(p, k)?)?).ok()?;
    Some((proto, src, dst))
}

// ---------------------------------------------------------------------------------------
// The comparison.

fn check_capture(name: &str) {
    let Some(dir) = captures_dir() else { return };
    let path = dir.join(name);
    if !path.is_file() {
        skip(&format!("{name}: not found in {}", dir.display()));
        return;
    }
    let ts = match tshark() {
        Ok(ts) => ts,
        Err(reason) => {
            skip(&format!(
                "{name}: {reason}; the tshark oracle compares nothing"
            ));
            return;
        }
    };
    let malformed = deliberately_malformed(name);

    // residency first: crash-safety is asserted for every capture.
    let res = match run_residency(&path) {
        Ok(r) => r,
        Err(e) => panic!("{name}: residency failed: {e}"),
    };
    let oracle = match run_tshark(&path, ts) {
        Ok(t) => t,
        Err(e) if malformed => {
            println!(
                "{name}: residency exit {} with a valid report; tshark: {e}",
                res.exit
            );
            return;
        }
        Err(e) => panic!("{name}: {e}"),
    };

    println!(
        "== {name}{}: residency exit {} ({}), {} flows, {} packets read, {} input errors",
        if malformed {
            " [deliberately malformed]"
        } else {
            ""
        },
        res.exit,
        if res.exit == EXIT_COMPLETE {
            "complete"
        } else {
            "partial"
        },
        res.flows,
        res.input_packets.map_or("?".into(), |p| p.to_string()),
        res.input_errors,
    );
    if !ts.missing_markers.is_empty() {
        println!("   (this tshark lacks markers {:?})", ts.missing_markers);
    }
    if !oracle.warnings.is_empty() {
        println!("   tshark says: {}", oracle.warnings.replace('\n', " | "));
    }
    println!(
        "   tshark: {} frames, {} non-IP, {} skipped (link/IP damage), {} skipped (transport \
         header damage), {} non-first fragments unattributed (first fragment absent), {} \
         fragments of skipped first fragments",
        oracle.frames,
        oracle.non_ip,
        oracle.unclean_ip.len(),
        oracle.unclean_transport.len(),
        oracle.unattributed_fragments.len(),
        oracle.fragments_of_skipped.len(),
    );
    for (frame, why) in oracle.unclean_ip.iter().chain(&oracle.unclean_transport) {
        println!("     skipped frame {frame}: {why}");
    }
    if !oracle.unattributed_fragments.is_empty() {
        println!(
            "     unattributed fragments: frames {}",
            frame_list(&oracle.unattributed_fragments)
        );
    }
    for note in &oracle.reused_fragment_ids {
        println!("     fragment id reused: {note}");
    }
    if res.exit == EXIT_PARTIAL && !malformed {
        println!("   note: residency reports this capture as partial (damaged input)");
    }

    let keys: BTreeSet<TupleKey> = oracle
        .counts
        .keys()
        .chain(res.counts.keys())
        .copied()
        .collect();
    let mut failures = Vec::new();
    let (mut matched, mut not_compared) = (0, 0);
    println!(
        "   {:<60} {:<32} {:<32} status",
        "tuple (A <-> B)", "tshark A>B | B>A", "residency A>B | B>A"
    );
    for key in &keys {
        let t = oracle.counts.get(key);
        let r = res.counts.get(key);
        let show = |c: Option<&Counts>| c.map_or("-".to_string(), Counts::to_string);
        let (status, failed) = if oracle.tainted(key) {
            not_compared += 1;
            ("not compared: tshark dissection unclean", false)
        } else {
            match (t, r) {
                (Some(t), Some(r)) if t == r => {
                    matched += 1;
                    ("ok", false)
                }
                (Some(_), Some(_)) => ("MISMATCH", true),
                (Some(_), None) => ("MISSING in residency", true),
                (None, Some(_)) if oracle.skipped_anything() => {
                    not_compared += 1;
                    (
                        "only in residency (tshark skipped frames: unverifiable)",
                        false,
                    )
                }
                (None, Some(_)) => ("ONLY in residency", true),
                (None, None) => unreachable!("key comes from one of the maps"),
            }
        };
        if failed {
            failures.push(format!(
                "{key}: tshark {} vs residency {}",
                show(t),
                show(r)
            ));
        }
        println!(
            "   {:<60} {:<32} {:<32} {status}",
            key.to_string(),
            show(t),
            show(r)
        );
    }
    println!(
        "   {name}: {matched} tuples match, {} differ, {not_compared} not compared",
        failures.len()
    );
    assert!(
        failures.is_empty(),
        "{name}: {} tuple(s) differ between tshark and residency:\n  {}",
        failures.len(),
        failures.join("\n  ")
    );
}

/// "1-3, 7" style list of frame numbers.
fn frame_list(frames: &[u64]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < frames.len() {
        let mut j = i;
        while j + 1 < frames.len() && frames[j + 1] == frames[j] + 1 {
            j += 1;
        }
        parts.push(if i == j {
            frames[i].to_string()
        } else {
            format!("{}-{}", frames[i], frames[j])
        });
        i = j + 1;
    }
    parts.join(", ")
}

// ---------------------------------------------------------------------------------------
// Checks of the harness's own rules (no tshark or captures needed).

#[test]
fn harness_picks_the_tunnel_level_ip_header() {
    let pick = |protocols: &str| {
        let tokens: Vec<&str> = protocols.split(':').collect();
        tunnel_chain(&tokens).last().map(|l| (l.v6, l.occurrence))
    };
    // Plain, 4in4, 6in4, GRE with PPP, VXLAN.
    assert_eq!(pick("eth:ethertype:ip:udp:dns"), Some((false, 0)));
    assert_eq!(pick("eth:ethertype:ip:ip:udp:data"), Some((false, 1)));
    assert_eq!(pick("eth:ethertype:ip:ipv6:tcp"), Some((true, 0)));
    assert_eq!(
        pick("eth:ethertype:ip:gre:ppp:ip:udp:sip"),
        Some((false, 1))
    );
    assert_eq!(
        pick("eth:ethertype:vlan:ethertype:ip:udp:vxlan:eth:ethertype:ip:tcp"),
        Some((false, 1))
    );
    // ICMP errors and Teredo are not tunnels: the outer header keys the flow.
    assert_eq!(pick("sll:ethertype:ip:icmp:ip:udp:dns"), Some((false, 0)));
    assert_eq!(
        pick("eth:ethertype:ip:ipv6:icmpv6:ipv6:tcp:tls"),
        Some((true, 0))
    );
    assert_eq!(
        pick("eth:ethertype:ip:udp:teredo:ipv6:tcp"),
        Some((false, 0))
    );
    // IPv6 extension headers between two IPv6 headers still make IP-in-IP.
    assert_eq!(
        pick("eth:ethertype:ipv6:ipv6.dstopts:ipv6:udp"),
        Some((true, 1))
    );
    assert_eq!(pick("eth:ethertype:arp"), None);
}

#[test]
fn harness_keys_are_direction_free() {
    let ep = |ip: &str, port| Endpoint {
        ip: ip.parse().unwrap(),
        port: Some(port),
    };
    let (k1, fwd) = TupleKey::new(6, ep("10.0.0.2", 80), ep("10.0.0.1", 5000));
    let (k2, rev) = TupleKey::new(6, ep("10.0.0.1", 5000), ep("10.0.0.2", 80));
    assert_eq!(k1, k2);
    assert_ne!(fwd, rev);
    assert_eq!(frame_list(&[1, 2, 3, 7, 9, 10]), "1-3, 7, 9-10");
}
