//! What an analyser must report: the flows of each capture, `expected.json` and `README.md`.

use std::collections::BTreeMap;

use serde::Serialize;
use serde_json::ser::{Formatter, PrettyFormatter, Serializer};

use super::NOT_A_CAPTURE;
use super::captures::Capture;
use super::expected_rtt::{ExpectedRtt, expected_rtt, list, maybe};
use super::flow::{Dir, Flow};
use super::timestamp::{Precision, rfc3339};
use super::write::Rec;

/// One flow as `expected.json` lists it.
#[derive(Clone, Debug, Serialize)]
pub struct ExpectedFlow {
    transport: &'static str,
    client: String,
    server: String,
    packets_to_server: u64,
    packets_to_client: u64,
    bytes_to_server: u64,
    bytes_to_client: u64,
    first_packet: usize,
    last_packet: usize,
    first_seen: String,
    last_seen: String,
    /// Round-trip times; only the flows of the RTT captures have them.
    #[serde(skip_serializing_if = "Option::is_none")]
    rtt: Option<ExpectedRtt>,
    /// Every 1-based packet number of the flow, in file order (README only).
    #[serde(skip)]
    packet_numbers: Vec<usize>,
    #[serde(skip)]
    flow: Flow,
}

impl ExpectedFlow {
    /// Adds the flow's round-trip times, computed from `recs` (the capture's records).
    pub fn add_rtt(&mut self, recs: &[Rec]) {
        self.rtt = Some(expected_rtt(recs, self.flow));
    }
}

/// Flows of the readable records, in order of each flow's first packet. Packet numbers are
/// positions in `recs` (1-based).
pub fn expected_flows(recs: &[Rec], precision: Precision) -> Vec<ExpectedFlow> {
    let mut flows: Vec<(Flow, ExpectedFlow, u64)> = Vec::new();
    for (i, rec) in recs.iter().enumerate() {
        let Some(acct) = rec.pkt.acct else { continue };
        let number = i + 1;
        let at = match flows.iter().position(|(f, _, _)| *f == acct.flow) {
            Some(at) => at,
            None => {
                flows.push((
                    acct.flow,
                    ExpectedFlow {
                        transport: acct.flow.transport.name(),
                        client: acct.flow.client.to_string(),
                        server: acct.flow.server.to_string(),
                        packets_to_server: 0,
                        packets_to_client: 0,
                        bytes_to_server: 0,
                        bytes_to_client: 0,
                        first_packet: number,
                        last_packet: number,
                        first_seen: rfc3339(rec.ts, precision),
                        last_seen: String::new(),
                        rtt: None,
                        packet_numbers: Vec::new(),
                        flow: acct.flow,
                    },
                    rec.ts,
                ));
                flows.len() - 1
            }
        };
        let (_, e, last_ts) = &mut flows[at];
        match acct.dir {
            Dir::ToServer => {
                e.packets_to_server += 1;
                e.bytes_to_server += acct.ip_len;
            }
            Dir::ToClient => {
                e.packets_to_client += 1;
                e.bytes_to_client += acct.ip_len;
            }
        }
        e.last_packet = number;
        e.packet_numbers.push(number);
        *last_ts = rec.ts;
    }
    flows
        .into_iter()
        .map(|(_, mut e, last_ts)| {
            e.last_seen = rfc3339(last_ts, precision);
            e
        })
        .collect()
}

pub fn expected_json(captures: &[Capture]) -> Vec<u8> {
    let map: BTreeMap<&str, &Vec<ExpectedFlow>> =
        captures.iter().map(|c| (c.file, &c.flows)).collect();
    let mut json = Vec::new();
    let mut ser = Serializer::with_formatter(&mut json, MsFormatter(PrettyFormatter::new()));
    map.serialize(&mut ser).expect("serialising expected flows");
    json.push(b'\n');
    json
}

/// `serde_json`'s pretty printer, except that numbers with a fraction (only the milliseconds of
/// `rtt`) are written with exactly three decimals: microseconds, as the captures store them.
struct MsFormatter<'a>(PrettyFormatter<'a>);

impl Formatter for MsFormatter<'_> {
    fn write_f64<W: ?Sized + std::io::Write>(&mut self, w: &mut W, v: f64) -> std::io::Result<()> {
        write!(w, "{v:.3}")
    }
    fn begin_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_array(w)
    }
    fn end_array<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array(w)
    }
    fn begin_array_value<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_array_value(w, first)
    }
    fn end_array_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_array_value(w)
    }
    fn begin_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object(w)
    }
    fn end_object<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object(w)
    }
    fn begin_object_key<W: ?Sized + std::io::Write>(
        &mut self,
        w: &mut W,
        first: bool,
    ) -> std::io::Result<()> {
        self.0.begin_object_key(w, first)
    }
    fn begin_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.begin_object_value(w)
    }
    fn end_object_value<W: ?Sized + std::io::Write>(&mut self, w: &mut W) -> std::io::Result<()> {
        self.0.end_object_value(w)
    }
}

/// "1-3, 5, 7-9".
fn ranges(numbers: &[usize]) -> String {
    let mut parts: Vec<String> = Vec::new();
    let mut i = 0;
    while i < numbers.len() {
        let start = numbers[i];
        let mut end = start;
        while i + 1 < numbers.len() && numbers[i + 1] == end + 1 {
            i += 1;
            end = numbers[i];
        }
        parts.push(if start == end {
            start.to_string()
        } else {
            format!("{start}-{end}")
        });
        i += 1;
    }
    parts.join(", ")
}

pub fn readme(captures: &[Capture]) -> String {
    let mut s = String::from(README_INTRO);
    s.push_str("\n| file | bytes | readable packets | flows |\n|---|---:|---:|---:|\n");
    for c in captures {
        s.push_str(&format!(
            "| `{}` | {} | {} | {} |\n",
            c.file,
            c.bytes.len(),
            c.readable,
            c.flows.len()
        ));
    }
    s.push_str(&format!(
        "| `not-a-capture.txt` | {} | - | - |\n",
        NOT_A_CAPTURE.len()
    ));
    for c in captures {
        s.push_str(&format!("\n## {}\n\n", c.file));
        s.push_str(&format!("Format: {}.\n\n", c.format));
        s.push_str(&c.about);
        s.push_str("\n\n");
        s.push_str(&format!(
            "Readable packets: {}; not IP (skipped, no flow): {}.\n\n",
            c.readable, c.non_ip
        ));
        s.push_str(
            "| transport | client | server | packets c→s | packets s→c | bytes c→s | \
             bytes s→c | first seen | last seen | packet numbers |\n\
             |---|---|---|---:|---:|---:|---:|---|---|---|\n",
        );
        for f in &c.flows {
            s.push_str(&format!(
                "| {} | `{}` | `{}` | {} | {} | {} | {} | {} | {} | {} |\n",
                f.transport,
                f.client,
                f.server,
                f.packets_to_server,
                f.packets_to_client,
                f.bytes_to_server,
                f.bytes_to_client,
                f.first_seen,
                f.last_seen,
                ranges(&f.packet_numbers)
            ));
        }
        rtt_table(&mut s, &c.flows);
    }
    s.push_str(&format!(
        "\n## not-a-capture.txt\n\n{README_NOT_A_CAPTURE}\n"
    ));
    s
}

/// The round-trip times of the flows that have them (the RTT captures), as a table.
fn rtt_table(s: &mut String, flows: &[ExpectedFlow]) {
    if flows.iter().all(|f| f.rtt.is_none()) {
        return;
    }
    s.push_str(
        "\nRound-trip times (ms):\n\n\
         | transport | client | server | handshake | client side | server min | server samples \
         | client min | client samples |\n|---|---|---|---:|---:|---:|---|---:|---|\n",
    );
    for f in flows {
        let Some(r) = &f.rtt else { continue };
        s.push_str(&format!(
            "| {} | `{}` | `{}` | {} | {} | {} | {} | {} | {} |\n",
            f.transport,
            f.client,
            f.server,
            maybe(r.handshake_ms),
            maybe(r.client_side_ms),
            maybe(r.server_min_ms),
            list(&r.server_samples),
            maybe(r.client_min_ms),
            list(&r.client_samples)
        ));
    }
}

const README_INTRO: &str = "# Test captures

Generated by `cargo run --example gen_captures -- captures/` from `examples/gen_captures/`;
do not edit by hand. The generator uses fixed addresses, fixed timestamps (around
2026-03-02T09:00:00Z) and fixed-seed filler bytes, so it always writes the same bytes;
`tests/captures_generated.rs` fails if a file here differs from what it produces now. This
README and `expected.json` are written by the same run, from the packets as they were built.

Conventions for the expected values (here and in `expected.json`):

* A flow is a transport 5-tuple in both directions. The client is the side that sent the TCP
  SYN; for UDP it is the side with the ephemeral port (the first sender where both ports are
  equal, as with mDNS 5353 -> 5353).
* `bytes` = IP length as sent: the IPv4 total-length field, or 40 + the IPv6 payload-length
  field, of the innermost IP header (tunnels). It is not the frame length (Ethernet frames
  under 60 bytes are padded) nor the captured length (one pcapng packet is truncated).
* Every IP fragment counts as one packet of its datagram's flow, with its own IP length.
* Packet numbers are 1-based positions in the file (across pcapng sections); `first_packet`
  is the first packet attributed to the flow, which for `fragments.pcap` is a non-first
  fragment that precedes the fragment carrying the ports.
* Timestamps are RFC 3339 UTC with the capture's precision: 6 digits for µs files, 9 for ns
  files (`ns.pcap`, and `ipv6.pcapng`, whose finest interface resolution is ns).
* Non-IP frames (ARP) belong to no flow.

`expected.json` maps each capture file to its flows, in order of first packet:
`transport`, `client`/`server` (`ip:port`, IPv6 as `[addr]:port`), `packets_to_server`,
`packets_to_client`, `bytes_to_server`, `bytes_to_client`, `first_packet`, `last_packet`,
`first_seen`, `last_seen`. The tables below also list every packet number of each flow.

The flows of `rtt.pcap` and `rtt-sydney.pcap` also have an `rtt` object: round-trip times
measured at the capture point, in milliseconds with three decimals (the captures' µs
timestamps, so they are exact), each the time from a request seen passing to its answer:

* `handshake_ms` (TCP): the first SYN -> the first SYN/ACK, timed from the first copy of a
  retransmitted SYN; absent without both. `client_side_ms` (TCP): the first SYN/ACK -> the
  client's first ACK without SYN; absent without both.
* `server_samples`: every round trip the flow's server answered, in the order of the answers:
  the TCP handshake; QUIC, the client's first Initial -> the server's first packet; STUN, a
  request the client sent -> the response with its transaction ID; DNS over UDP, a query -> the
  response with its ID. A retransmitted request is timed from its first copy; an answer that
  matches no request, and a request never answered, give nothing.
* `client_samples`: the round trips the client answered: SYN/ACK -> ACK, and STUN requests
  the server sent -> the client's response. They measure the client's side, never the server's.
* `server_min_ms` and `client_min_ms`: the smallest sample of each list (absent when empty).
";

const README_NOT_A_CAPTURE: &str = "A short plain-text file: an analyser must reject it with a \
clear \"not a pcap/pcapng file\" error and report no flows.";
