//! The captures, one function each, and what the README says about them.

mod ethernet;
mod format;
mod links;
mod loss;
mod missed;
mod names;
mod pcapng;
mod regions;
mod rtt;
mod scan;
mod turn;
mod wireless;

use std::net::IpAddr;

// The capture modules reach the building blocks through these imports (`super::flow`, ...):
// `crate::` would name the test crate when `tests/captures_generated.rs` includes the
// generator.
use super::{
    bytes, capwap, flow, gquic_payload, link, names_payload, names_vectors, packet, payload,
    timestamp, tunnel, turn_payload, write,
};

use super::expected::{ExpectedFlow, expected_flows};
use super::flow::{Dir, Flow, Pkt, udp};
use super::payload::{DNS_A, DNS_AAAA, dns_answer, dns_query};
use super::timestamp::Precision;
use super::write::{PcapFormat, Rec};

use ethernet::{fragments, teams_like, tunnels, vlan};
use format::{damaged, nanoseconds};
use links::{cooked, null_loopback_captures, ppp_capture, raw_ip, raw_ipv4, raw_ipv6, raw12};
use loss::loss_capture;
use missed::{gquic_capture, tls_preamble_capture};
use names::names_capture;
use pcapng::ipv6_pcapng;
use regions::regions_capture;
use rtt::{rtt_stockholm, rtt_sydney};
use scan::scan_capture;
use turn::turn;
use wireless::capwap;

/// One generated capture and what the README says about it.
pub struct Capture {
    pub file: &'static str,
    pub format: String,
    pub about: String,
    pub bytes: Vec<u8>,
    /// Records a reader can read completely.
    pub readable: usize,
    /// Readable records that are not IP (ARP).
    pub non_ip: usize,
    pub flows: Vec<ExpectedFlow>,
}

impl Capture {
    pub fn new(
        file: &'static str,
        format: String,
        about: &str,
        bytes: Vec<u8>,
        readable: &[Rec],
        precision: Precision,
    ) -> Capture {
        Capture {
            file,
            format,
            about: about.to_string(),
            bytes,
            readable: readable.len(),
            non_ip: readable.iter().filter(|r| r.pkt.acct.is_none()).count(),
            flows: expected_flows(readable, precision),
        }
    }

    pub fn pcap(file: &'static str, format: PcapFormat, about: &str, recs: &[Rec]) -> Capture {
        Capture::new(
            file,
            format.describe(),
            about,
            format.file(recs),
            recs,
            format.precision,
        )
    }

    /// Adds the round-trip times of every flow, computed from `recs` (what was written).
    pub fn with_rtt(mut self, recs: &[Rec]) -> Capture {
        for flow in &mut self.flows {
            flow.add_rtt(recs);
        }
        self
    }
}

pub fn all_captures() -> Vec<Capture> {
    let mut all = vec![teams_like(), vlan()];
    all.extend(cooked());
    all.push(ipv6_pcapng());
    all.push(fragments());
    all.push(tunnels());
    all.push(capwap());
    all.extend(null_loopback_captures());
    all.extend([raw_ip(), raw_ipv4(), raw_ipv6(), raw12(), ppp_capture()]);
    all.push(nanoseconds());
    all.extend(damaged());
    all.push(names_capture());
    all.push(turn());
    all.extend([rtt_stockholm(), rtt_sydney()]);
    all.extend([gquic_capture(), tls_preamble_capture()]);
    all.extend([scan_capture(), regions_capture()]);
    all.push(loss_capture());
    all
}

/// A DNS lookup on `flow`: the query for `name` (type A or AAAA, as `addr` is IPv4 or IPv6) and
/// the response answering it with `addr`.
fn dns_lookup(flow: Flow, id: u16, name: &str, addr: impl Into<IpAddr>, ttl: u32) -> [Pkt; 2] {
    let addr = addr.into();
    let qtype = if addr.is_ipv4() { DNS_A } else { DNS_AAAA };
    [
        udp(flow, Dir::ToServer, &dns_query(id, name, qtype)),
        udp(flow, Dir::ToClient, &dns_answer(id, name, addr, ttl)),
    ]
}
