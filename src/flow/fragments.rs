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

/// A fragment waiting for its datagram's first fragment.
#[derive(Clone, Copy, Debug)]
struct Waiting {
    key: DatagramKey,
    packet: PacketMeta,
}

#[derive(Default)]
pub struct FragmentTracker {
    datagrams: HashMap<DatagramKey, Ports>,
    /// Datagram keys in order of first fragment, for expiry; an entry whose time differs from
    /// the datagram's `seen` is stale and skipped.
    order: VecDeque<(Timestamp, DatagramKey)>,
    /// Waiting fragments in arrival order. A slot is emptied when its first fragment comes;
    /// empty slots still count against `MAX_PENDING_FRAGMENTS` until they reach the front,
    /// which keeps the queue bounded whatever the order of arrival.
    pending: VecDeque<Option<Waiting>>,
    /// Sequence number of `pending[0]`.
    pending_front: u64,
    /// Sequence numbers of the waiting fragments of each datagram.
    pending_by_key: HashMap<DatagramKey, VecDeque<u64>>,
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
            let ports = Ports {
                src: p.src.port,
                dst: p.dst.port,
                has_ports: p.has_ports,
                seen: p.ts,
            };
            match self.datagrams.get_mut(&key) {
                // A repeated first fragment (a mirror port that copies packets twice): keep the
                // time of the first copy, so its expiry entry stays valid.
                Some(known) => {
                    *known = Ports {
                        seen: known.seen,
                        ..ports
                    }
                }
                None => {
                    if self.datagrams.len() >= MAX_TRACKED_DATAGRAMS {
                        self.forget_oldest_datagram();
                    }
                    self.datagrams.insert(key, ports);
                    self.order.push_back((p.ts, key));
                }
            }
            for seq in self.pending_by_key.remove(&key).unwrap_or_default() {
                let slot = usize::try_from(seq - self.pending_front)
                    .ok()
                    .and_then(|i| self.pending.get_mut(i));
                if let Some(waiting) = slot.and_then(Option::take) {
                    self.stats.attributed += 1;
                    emit(&with_ports(waiting.packet, ports));
                }
            }
            return;
        }
        if let Some(ports) = self.datagrams.get(&key) {
            self.stats.attributed += 1;
            emit(&with_ports(p, *ports));
            return;
        }
        while self.pending.len() >= MAX_PENDING_FRAGMENTS {
            self.release_front(&mut emit);
        }
        let seq = self.pending_front + self.pending.len() as u64;
        self.pending.push_back(Some(Waiting { key, packet: p }));
        self.pending_by_key.entry(key).or_default().push_back(seq);
    }

    /// Release every fragment still waiting (end of input).
    pub fn flush(&mut self, mut emit: impl FnMut(&PacketMeta)) {
        while !self.pending.is_empty() {
            self.release_front(&mut emit);
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
        loop {
            match self.pending.front() {
                Some(None) => self.release_front(emit),
                Some(Some(w)) if now.since(w.packet.ts) > FRAGMENT_TIMEOUT_NANOS => {
                    self.release_front(emit)
                }
                _ => break,
            }
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

    /// Drop the front slot of the waiting queue; a fragment still in it is released as a
    /// port-less packet (its first fragment never came in time, or the queue is full).
    fn release_front(&mut self, emit: &mut impl FnMut(&PacketMeta)) {
        let Some(slot) = self.pending.pop_front() else {
            return;
        };
        let seq = self.pending_front;
        self.pending_front += 1;
        let Some(waiting) = slot else {
            return;
        };
        if let Some(seqs) = self.pending_by_key.get_mut(&waiting.key) {
            // The front of the queue is the oldest waiting fragment of its datagram too.
            if seqs.front() == Some(&seq) {
                seqs.pop_front();
            } else {
                seqs.retain(|s| *s != seq);
            }
            if seqs.is_empty() {
                self.pending_by_key.remove(&waiting.key);
            }
        }
        self.stats.unattributed += 1;
        let p = waiting.packet;
        emit(&PacketMeta {
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
        });
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::flow::PacketRef;

    fn frag(ts: i64, n: u64) -> PacketMeta {
        PacketMeta {
            ts: Timestamp::from_nanos(ts),
            protocol: 17,
            src: Endpoint {
                ip: "10.0.0.5".parse().unwrap(),
                port: 40001,
            },
            dst: Endpoint {
                ip: "198.51.100.20".parse().unwrap(),
                port: 4500,
            },
            has_ports: true,
            ip_len: 100,
            payload_len: 72,
            tcp_flags: None,
            seq: 0,
            ack: 0,
            fragment: true,
            at: PacketRef {
                input: 0,
                number: n,
            },
        }
    }

    #[test]
    fn waiting_queue_stays_bounded_when_first_fragments_resolve_it() {
        let mut t = FragmentTracker::new();
        let mut emitted = 0u64;
        // Non-first then first, same time, many datagrams: every slot empties, none leaks.
        for id in 0..50_000u32 {
            t.fragment(frag(0, 1), id, false, |_| emitted += 1);
            t.fragment(frag(0, 2), id, true, |_| emitted += 1);
            assert!(t.pending.len() <= MAX_PENDING_FRAGMENTS);
        }
        assert_eq!(emitted, 100_000);
        assert_eq!(t.stats().attributed, 50_000);
        assert!(t.pending_by_key.is_empty());
        // Unresolved fragments past the bound are released port-less, oldest first.
        for id in 100_000..100_000 + MAX_PENDING_FRAGMENTS as u32 + 10 {
            t.fragment(frag(0, 3), id, false, |p| {
                assert!(!p.has_ports);
                emitted += 1;
            });
        }
        assert_eq!(t.pending.len(), MAX_PENDING_FRAGMENTS);
        assert_eq!(t.stats().unattributed, 10);
    }

    #[test]
    fn a_repeated_first_fragment_still_expires() {
        let mut t = FragmentTracker::new();
        t.fragment(frag(0, 1), 7, true, |_| {});
        t.fragment(frag(5, 2), 7, true, |_| {});
        // Long after the timeout, a lone fragment with the same id is not attributed.
        let later = FRAGMENT_TIMEOUT_NANOS * 100;
        t.fragment(frag(later, 3), 7, false, |_| {});
        assert_eq!(t.stats().attributed, 0);
        assert!(t.datagrams.is_empty());
    }

    #[test]
    fn many_fragments_of_one_datagram_release_in_order() {
        let mut t = FragmentTracker::new();
        let mut numbers = Vec::new();
        for n in 0..(MAX_PENDING_FRAGMENTS as u64 + 3) {
            t.fragment(frag(0, n), 9, false, |p| numbers.push(p.at.number));
        }
        assert_eq!(numbers, vec![0, 1, 2]);
        t.flush(|p| numbers.push(p.at.number));
        assert_eq!(numbers.len(), MAX_PENDING_FRAGMENTS + 3);
    }
}
