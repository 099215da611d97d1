//! IP fragments belong to the flow of their datagram.
//!
//! Only a datagram's first fragment carries the transport header. The tracker remembers each
//! first fragment's ports by (source, destination, protocol, IP id) so the later fragments can
//! be counted into the same flow; fragments that arrive before their first fragment wait (as
//! small records, not bytes) until it comes. Fragments whose first fragment never comes are
//! released as port-less packets, so their bytes still count toward the addresses they went
//! between. Nothing is reassembled: counting needs only the IP lengths.

use super::PacketMeta;
use super::key::Endpoint;
use crate::timestamp::Timestamp;
use std::collections::{HashMap, VecDeque};
use std::net::IpAddr;

/// Datagrams whose first fragment's ports are remembered. A datagram's fragments arrive within
/// milliseconds; 16 Ki datagrams covers far more fragmentation than any normal link has in
/// flight within the timeout, and costs about 1 MiB.
pub const MAX_TRACKED_DATAGRAMS: usize = 16_384;
/// Fragments waiting for their first fragment. Out-of-order fragments are rare; past this
/// bound the oldest is released port-less (counted, never dropped).
pub const MAX_PENDING_FRAGMENTS: usize = 4_096;
/// How long fragments of one datagram are matched, in capture time (Linux waits 30 s before
/// giving up reassembly: `net.ipv4.ipfrag_time`).
pub const FRAGMENT_TIMEOUT_NANOS: i64 = 30_000_000_000;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
struct DatagramKey {
    src: IpAddr,
    dst: IpAddr,
    protocol: u8,
    id: u32,
}

impl DatagramKey {
    fn of(p: &PacketMeta, id: u32) -> Self {
        DatagramKey {
            src: p.src.ip,
            dst: p.dst.ip,
            protocol: p.protocol,
            id,
        }
    }
}

#[derive(Clone, Copy, Debug)]
struct Ports {
    src: u16,
    dst: u16,
    has_ports: bool,
    seen: Timestamp,
}

/// Counters for the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct FragmentStats {
    /// Non-first fragments counted into the flow of their first fragment.
    pub attributed: u64,
    /// Fragments whose first fragment never came, counted into port-less flows.
    pub unattributed: u64,
    /// Remembered datagrams forgotten early because the tracker was full.
    pub evicted: u64,
}

#[derive(Default)]
pub struct FragmentTracker {
    datagrams: HashMap<DatagramKey, Ports>,
    /// Datagram keys in order of first fragment, for expiry.
    order: VecDeque<(Timestamp, DatagramKey)>,
    pending: HashMap<DatagramKey, Vec<PacketMeta>>,
    /// Pending fragments in arrival order, for expiry.
    pending_order: VecDeque<(Timestamp, DatagramKey)>,
    pending_len: usize,
    stats: FragmentStats,
}

impl FragmentTracker {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn stats(&self) -> FragmentStats {
        self.stats
    }

    /// Handle one fragment. `emit` receives the packets to count, now or released from waiting,
    /// each with the ports of its datagram (or port-less).
    pub fn fragment(
        &mut self,
        p: PacketMeta,
        id: u32,
        first: bool,
        mut emit: impl FnMut(&PacketMeta),
    ) {
        self.expire(p.ts, &mut emit);
        let key = DatagramKey::of(&p, id);
        if first {
            emit(&p);
            if self.datagrams.len() >= MAX_TRACKED_DATAGRAMS {
                self.forget_oldest_datagram();
            }
            let ports = Ports {
                src: p.src.port,
                dst: p.dst.port,
                has_ports: p.has_ports,
                seen: p.ts,
            };
            if self.datagrams.insert(key, ports).is_none() {
                self.order.push_back((p.ts, key));
            }
            if let Some(waiting) = self.pending.remove(&key) {
                self.pending_len -= waiting.len();
                for w in waiting {
                    self.stats.attributed += 1;
                    emit(&with_ports(w, ports));
                }
            }
            return;
        }
        if let Some(ports) = self.datagrams.get(&key) {
            self.stats.attributed += 1;
            emit(&with_ports(p, *ports));
            return;
        }
        if self.pending_len >= MAX_PENDING_FRAGMENTS {
            self.release_oldest_pending(&mut emit);
        }
        self.pending.entry(key).or_default().push(p);
        self.pending_order.push_back((p.ts, key));
        self.pending_len += 1;
    }

    /// Release every fragment still waiting (end of input).
    pub fn flush(&mut self, mut emit: impl FnMut(&PacketMeta)) {
        while self.pending_len > 0 {
            self.release_oldest_pending(&mut emit);
        }
        self.datagrams.clear();
        self.order.clear();
    }

    fn expire(&mut self, now: Timestamp, emit: &mut impl FnMut(&PacketMeta)) {
        while let Some((ts, key)) = self.order.front().copied() {
            if now.since(ts) <= FRAGMENT_TIMEOUT_NANOS {
                break;
            }
            self.order.pop_front();
            if self.datagrams.get(&key).is_some_and(|d| d.seen == ts) {
                self.datagrams.remove(&key);
            }
        }
        while let Some((ts, _)) = self.pending_order.front() {
            if now.since(*ts) <= FRAGMENT_TIMEOUT_NANOS {
                break;
            }
            self.release_oldest_pending(emit);
        }
    }

    fn forget_oldest_datagram(&mut self) {
        while let Some((ts, key)) = self.order.pop_front() {
            if self.datagrams.get(&key).is_some_and(|d| d.seen == ts) {
                self.datagrams.remove(&key);
                self.stats.evicted += 1;
                return;
            }
        }
    }

    /// Release the oldest waiting fragment as a port-less packet.
    fn release_oldest_pending(&mut self, emit: &mut impl FnMut(&PacketMeta)) {
        let Some((_, key)) = self.pending_order.pop_front() else {
            self.pending_len = 0;
            return;
        };
        let Some(waiting) = self.pending.get_mut(&key) else {
            return;
        };
        if waiting.is_empty() {
            self.pending.remove(&key);
            return;
        }
        let p = waiting.remove(0);
        if waiting.is_empty() {
            self.pending.remove(&key);
        }
        self.pending_len -= 1;
        self.stats.unattributed += 1;
        let portless = PacketMeta {
            has_ports: false,
            src: Endpoint {
                ip: p.src.ip,
                port: 0,
            },
            dst: Endpoint {
                ip: p.dst.ip,
                port: 0,
            },
            ..p
        };
        emit(&portless);
    }
}

fn with_ports(p: PacketMeta, ports: Ports) -> PacketMeta {
    PacketMeta {
        src: Endpoint {
            ip: p.src.ip,
            port: ports.src,
        },
        dst: Endpoint {
            ip: p.dst.ip,
            port: ports.dst,
        },
        has_ports: ports.has_ports,
        ..p
    }
}
