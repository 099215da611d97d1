//! The flow table: bounded, with idle and close timeouts measured in capture time.

use super::PacketMeta;
use super::key::{Endpoint, FlowKey};
use super::loss::{CaptureLoss, Check, TcpSeen};
use super::record::PacketRef;
use super::record::{ClientBy, Flow, FlowEnd, FlowId, TO_CLIENT, TO_SERVER};
use crate::decode::TcpFlags;
use crate::timestamp::Timestamp;
use std::collections::HashMap;

const PROTO_TCP: u8 = 6;
const PROTO_UDP: u8 = 17;
const NANOS: i64 = 1_000_000_000;

/// Timeouts in seconds of capture time.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Timeouts {
    /// A TCP flow with no packet for this long has ended (an hour: long-lived connections such
    /// as Teams signalling send keep-alives far more often; a silent hour means it is gone).
    pub tcp_idle: u64,
    /// After FIN in both directions or an RST, packets for this long (retransmitted FINs, the
    /// last ACK) still belong to the flow; a new SYN starts a new flow at once.
    pub tcp_close: u64,
    /// A UDP flow with no packet for this long has ended (as Linux conntrack's assured UDP
    /// streams; media and QUIC send far more often).
    pub udp_idle: u64,
    /// Any other protocol (ICMP, ESP, GRE, ...).
    pub other_idle: u64,
}

impl Default for Timeouts {
    fn default() -> Self {
        Timeouts {
            tcp_idle: 3600,
            tcp_close: 30,
            udp_idle: 120,
            other_idle: 60,
        }
    }
}

impl Timeouts {
    fn idle_nanos(&self, protocol: u8) -> i64 {
        let secs = match protocol {
            PROTO_TCP => self.tcp_idle,
            PROTO_UDP => self.udp_idle,
            _ => self.other_idle,
        };
        secs_to_nanos(secs)
    }
}

fn secs_to_nanos(secs: u64) -> i64 {
    i64::try_from(secs)
        .unwrap_or(i64::MAX)
        .saturating_mul(NANOS)
}

/// Ports that identify a service when seen as a packet's source: the well-known range, plus
/// registered ports of services that clients talk to (VPN, databases, SIP, STUN/TURN — Teams
/// media relays use 3478–3481 —, XMPP, MQTT, AMQP, alternative HTTP).
pub fn is_service_port(port: u16) -> bool {
    const REGISTERED: [u16; 27] = [
        1194, 1433, 1521, 1723, 1883, 2049, 3268, 3306, 3389, 3478, 3479, 3480, 3481, 4500, 5060,
        5061, 5222, 5349, 5432, 5671, 5672, 6379, 8080, 8443, 8883, 9092, 27017,
    ];
    (1..1024).contains(&port) || REGISTERED.contains(&port)
}

/// How much a port looks like a server's: 0 a known service port, 1 another port below the
/// ephemeral ranges, 2 an ephemeral port (Linux allocates 32768–60999, Windows and the IANA
/// range are 49152–65535). Port 0 ranks as ephemeral: it names no service.
pub fn port_rank(port: u16) -> u8 {
    if is_service_port(port) {
        0
    } else if port != 0 && port < 32768 {
        1
    } else {
        2
    }
}

/// Counters of the table's work, for the report.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct TableStats {
    /// Flows pushed out because the table was full.
    pub evicted: u64,
    /// Most flows active at once.
    pub peak_active: usize,
    /// Passes over the full table to make room (each frees at least a sixteenth of it).
    pub sweeps: u64,
    /// Passes over the table, as capture time advanced, to close the flows that timed out.
    pub expiry_sweeps: u64,
}

/// How often, in capture time, the table looks for flows that have timed out: once per
/// shortest timeout, but never less often than every 10 s nor more often than every 1 s. A
/// sweep costs one pass over the open flows (a few ms per 100,000); a flow leaves memory, and
/// reaches the outputs, at most one interval after its timeout. How it ended does not depend
/// on the interval.
const MAX_EXPIRY_INTERVAL_NS: i64 = 10 * NANOS;
const MIN_EXPIRY_INTERVAL_NS: i64 = NANOS;

/// An open flow, as the table holds it, kept small (144 bytes, in `OpenFlows`' slab): what
/// its key says is not repeated (endpoints, protocol, ports or not; `CLIENT_IS_LO` says which
/// endpoint is the client), nor what its TCP flags say (FIN seen per direction), and the
/// first and last packets' inputs sit apart from their numbers (two `PacketRef`s would pad 8
/// bytes).
#[derive(Clone, Copy, Debug)]
struct Open {
    id: FlowId,
    first_seen: Timestamp,
    last_seen: Timestamp,
    /// When FIN both ways or RST closed the connection; `i64::MIN`: not closed.
    closed_at: Timestamp,
    /// The first and last packets: numbers, and inputs.
    packet_numbers: [u64; 2],
    packet_inputs: [u32; 2],
    packets: [u64; 2],
    bytes: [u64; 2],
    payload: [u64; 2],
    /// TCP sequence numbers seen, for the capture-loss estimate (32 bytes).
    tcp: TcpSeen,
    fragments: u32,
    tcp_flags: [u8; 2],
    client_by: ClientBy,
    /// `CLIENT_IS_LO`, `CLOSED_BY_RST`.
    marks: u8,
}

const NOT_CLOSED: Timestamp = Timestamp(i64::MIN);
/// The client is the key's `lo` endpoint.
const CLIENT_IS_LO: u8 = 1;
/// `closed_at` is an RST's (else FIN both ways).
const CLOSED_BY_RST: u8 = 2;

/// The open flows: an index from key to slot, and the flows in a slab. Two parts so that the
/// hash table, which keeps up to twice the slots it holds (a table that sees entries come and
/// go doubles rather than rehash in place once more than half full), doubles only 52-byte
/// entries; the 128-byte flows sit in a dense list whose free slots are reused. About 230–290
/// bytes per open flow in all (`docs/performance.md`).
#[derive(Default)]
struct OpenFlows {
    /// SipHash (std): keys are chosen by whoever sends packets.
    index: HashMap<FlowKey, u32>,
    slots: Vec<Open>,
    free: Vec<u32>,
}

impl OpenFlows {
    fn len(&self) -> usize {
        self.index.len()
    }

    fn get_mut(&mut self, key: &FlowKey) -> Option<&mut Open> {
        let slot = *self.index.get(key)?;
        self.slots.get_mut(slot as usize)
    }

    fn remove(&mut self, key: &FlowKey) -> Option<Open> {
        let slot = self.index.remove(key)?;
        self.free.push(slot);
        self.slots.get(slot as usize).copied()
    }

    fn insert(&mut self, key: FlowKey, flow: Open) {
        let slot = match self.free.pop() {
            Some(slot) => {
                if let Some(s) = self.slots.get_mut(slot as usize) {
                    *s = flow;
                }
                slot
            }
            None => {
                // The table's bound (`max_flows`) is far below u32::MAX slots.
                let slot = u32::try_from(self.slots.len()).unwrap_or(u32::MAX);
                self.slots.push(flow);
                slot
            }
        };
        if let Some(old) = self.index.insert(key, slot) {
            self.free.push(old);
        }
    }

    fn iter(&self) -> impl Iterator<Item = (&FlowKey, &Open)> {
        self.index
            .iter()
            .filter_map(|(key, slot)| Some((key, self.slots.get(*slot as usize)?)))
    }

    /// Take out the flows `pred` selects.
    fn extract(&mut self, mut pred: impl FnMut(&FlowKey, &Open) -> bool) -> Vec<(FlowKey, Open)> {
        let slots = &self.slots;
        let taken: Vec<(FlowKey, u32)> = self
            .index
            .extract_if(|key, slot| slots.get(*slot as usize).is_some_and(|f| pred(key, f)))
            .collect();
        let mut out = Vec::with_capacity(taken.len());
        for (key, slot) in taken {
            self.free.push(slot);
            if let Some(flow) = self.slots.get(slot as usize) {
                out.push((key, *flow));
            }
        }
        out
    }

    /// Take out every flow.
    fn drain(&mut self) -> Vec<(FlowKey, Open)> {
        let slots = std::mem::take(&mut self.slots);
        self.free.clear();
        self.index
            .drain()
            .filter_map(|(key, slot)| Some((key, *slots.get(slot as usize)?)))
            .collect()
    }
}

impl Open {
    fn closed_at(&self) -> Option<Timestamp> {
        (self.closed_at != NOT_CLOSED).then_some(self.closed_at)
    }

    /// How FIN/RST closed the connection, if they did.
    fn close_reason(&self) -> Option<FlowEnd> {
        self.closed_at().map(|_| {
            if self.marks & CLOSED_BY_RST != 0 {
                FlowEnd::Rst
            } else {
                FlowEnd::Fin
            }
        })
    }

    fn client_is_lo(&self) -> bool {
        self.marks & CLIENT_IS_LO != 0
    }

    fn client<'k>(&self, key: &'k FlowKey) -> &'k Endpoint {
        if self.client_is_lo() {
            &key.lo
        } else {
            &key.hi
        }
    }

    fn first_packet(&self) -> PacketRef {
        PacketRef {
            input: self.packet_inputs[0],
            number: self.packet_numbers[0],
        }
    }

    fn last_packet(&self) -> PacketRef {
        PacketRef {
            input: self.packet_inputs[1],
            number: self.packet_numbers[1],
        }
    }

    /// The flow's record, as it leaves the table.
    fn into_flow(self, key: &FlowKey, end: FlowEnd) -> Flow {
        let (client, server) = if self.client_is_lo() {
            (key.lo, key.hi)
        } else {
            (key.hi, key.lo)
        };
        Flow {
            id: self.id,
            protocol: key.protocol,
            has_ports: key.has_ports,
            client,
            server,
            client_by: self.client_by,
            packets: self.packets,
            bytes: self.bytes,
            payload: self.payload,
            tcp_flags: self.tcp_flags,
            capture_gaps: self.tcp.gaps(),
            fragments: u64::from(self.fragments),
            first_seen: self.first_seen,
            last_seen: self.last_seen,
            first_packet: self.first_packet(),
            last_packet: self.last_packet(),
            end: Some(end),
        }
    }
}

/// The bidirectional flow table. Flows that end (FIN/RST and their close window, idle
/// timeout, eviction from a full table, end of input) leave it at once and wait in `ended`
/// until the caller takes them (`take_ended`), which it does after every packet: memory is the
/// open flows, never the finished ones.
pub struct FlowTable {
    active: OpenFlows,
    /// The site of each input, by input index (empty: one site).
    sites: Vec<u32>,
    ended: Vec<Flow>,
    max_flows: usize,
    timeouts: Timeouts,
    next_id: u64,
    stats: TableStats,
    /// Capture time the table has reached: the older of the last two packets' times, so one
    /// packet with a wild timestamp cannot time out every other flow.
    clock: Option<Timestamp>,
    last_ts: Option<Timestamp>,
    next_expiry: Option<Timestamp>,
    /// The flows still to close at the end of input, last first (`close_batch`).
    closing: Option<Vec<(Timestamp, FlowId, FlowKey)>>,
    /// Capture loss estimated from TCP ACKs (`loss`).
    loss: CaptureLoss,
}

impl FlowTable {
    /// Bytes the table stores per open flow in its slab: the flow without its endpoints
    /// (which are its key's). 144 on 64-bit targets.
    pub const SLAB_ENTRY_BYTES: usize = std::mem::size_of::<Open>();

    /// Bytes of one index entry: the flow's key and its slot in the slab. 52 on 64-bit
    /// targets. The hash table keeps up to twice the entries it holds, plus a control byte
    /// each, so the resident memory per open flow is higher (`docs/performance.md` measures
    /// it).
    pub const INDEX_ENTRY_BYTES: usize = std::mem::size_of::<(FlowKey, u32)>();

    /// `max_flows` bounds the flows held open at once (at least 1).
    pub fn new(max_flows: usize, timeouts: Timeouts) -> Self {
        FlowTable {
            active: OpenFlows::default(),
            sites: Vec::new(),
            ended: Vec::new(),
            max_flows: max_flows.max(1),
            timeouts,
            next_id: 1,
            stats: TableStats::default(),
            clock: None,
            last_ts: None,
            next_expiry: None,
            closing: None,
            loss: CaptureLoss::default(),
        }
    }

    /// Inputs taken at different sites (by input index) never share a flow; inputs of one site
    /// join up as one stream (rotated files).
    pub fn with_sites(mut self, sites: Vec<u32>) -> Self {
        self.sites = sites;
        self
    }

    /// Count one packet into its flow, opening a new flow when needed. Returns the flow's id.
    pub fn add(&mut self, p: &PacketMeta) -> FlowId {
        self.add_opened(p).0
    }

    /// As `add`, and whether this packet opened the flow.
    pub fn add_opened(&mut self, p: &PacketMeta) -> (FlowId, bool) {
        self.advance(p.ts);
        let site = usize::try_from(p.at.input)
            .ok()
            .and_then(|i| self.sites.get(i))
            .copied()
            .unwrap_or(0);
        let key = FlowKey::new(p.protocol, p.has_ports, p.src, p.dst).at_site(site);
        if let Some(flow) = self.active.get_mut(&key) {
            match expired(&self.timeouts, &key, flow, p) {
                None => {
                    let check = update(flow, &key, p);
                    self.loss.record(p.ts, check);
                    return (flow.id, false);
                }
                Some(end) => {
                    if let Some(old) = self.active.remove(&key) {
                        self.ended.push(old.into_flow(&key, end));
                    }
                }
            }
        }
        if self.active.len() >= self.max_flows {
            self.make_room(p.ts);
        }
        let flow = open(FlowId(self.next_id), &key, p);
        self.next_id += 1;
        let id = flow.id;
        self.active.insert(key, flow);
        self.stats.peak_active = self.stats.peak_active.max(self.active.len());
        (id, true)
    }

    /// Flows that ended since the last call, in the order the table closed them; flows closed
    /// together (a sweep, an eviction, the end of input) by the time of their last packet, ties
    /// by id.
    pub fn take_ended(&mut self) -> std::vec::IntoIter<Flow> {
        std::mem::take(&mut self.ended).into_iter()
    }

    /// Whether flows wait in `take_ended`.
    pub fn has_ended(&self) -> bool {
        !self.ended.is_empty()
    }

    /// Advance capture time; when it has moved on by the expiry interval, close the flows that
    /// timed out by then.
    fn advance(&mut self, ts: Timestamp) {
        let clock = match self.last_ts {
            Some(last) => last.min(ts),
            None => ts,
        };
        self.last_ts = Some(ts);
        if self.clock.is_some_and(|c| c >= clock) {
            return;
        }
        self.clock = Some(clock);
        let interval = self.expiry_interval();
        match self.next_expiry {
            None => self.next_expiry = Some(Timestamp(clock.0.saturating_add(interval))),
            Some(next) if clock >= next => {
                self.next_expiry = Some(Timestamp(clock.0.saturating_add(interval)));
                self.expire(clock);
            }
            Some(_) => {}
        }
    }

    fn expiry_interval(&self) -> i64 {
        let t = &self.timeouts;
        let shortest = [t.tcp_idle, t.tcp_close, t.udp_idle, t.other_idle]
            .into_iter()
            .min()
            .unwrap_or(0);
        secs_to_nanos(shortest).clamp(MIN_EXPIRY_INTERVAL_NS, MAX_EXPIRY_INTERVAL_NS)
    }

    /// Close every flow that has timed out by `now`.
    fn expire(&mut self, now: Timestamp) {
        self.stats.expiry_sweeps += 1;
        let start = self.ended.len();
        let timeouts = self.timeouts;
        for (key, flow) in self
            .active
            .extract(|key, f| ended_by(&timeouts, key, f, now).is_some())
        {
            let end = ended_by(&timeouts, &key, &flow, now).unwrap_or(FlowEnd::IdleTimeout);
            self.ended.push(flow.into_flow(&key, end));
        }
        sort_batch(self.ended.get_mut(start..).unwrap_or_default());
    }

    /// Free room in a full table: close every flow that has timed out by `now`, and if that
    /// is not enough to reach the low-water mark (a sixteenth below the bound), close flows
    /// that already ended with FIN/RST, then evict the least recently seen. One O(n) pass thus
    /// buys room for `max_flows / 16` new flows: O(1) per new flow, amortised.
    fn make_room(&mut self, now: Timestamp) {
        let low_water = self.max_flows - crate::bounded::sixteenth(self.max_flows);
        self.stats.sweeps += 1;
        // Rank 0: timed out; 1: closed by FIN/RST, within its close window; 2: open.
        let candidates: Vec<(u8, Timestamp, FlowId, FlowKey)> = self
            .active
            .iter()
            .map(|(key, f)| {
                let rank = if ended_by(&self.timeouts, key, f, now).is_some() {
                    0
                } else if f.closed_at().is_some() {
                    1
                } else {
                    2
                };
                (rank, f.last_seen, f.id, *key)
            })
            .collect();
        let timed_out = candidates.iter().filter(|c| c.0 == 0).count();
        let count = (self.active.len().saturating_sub(low_water))
            .max(timed_out)
            .min(candidates.len());
        let start = self.ended.len();
        for (rank, _, _, key) in crate::bounded::smallest(candidates, count) {
            let Some(flow) = self.active.remove(&key) else {
                continue;
            };
            let end = match rank {
                0 => ended_by(&self.timeouts, &key, &flow, now),
                1 => flow.close_reason(),
                _ => None,
            };
            if end.is_none() {
                self.stats.evicted += 1;
            }
            self.ended
                .push(flow.into_flow(&key, end.unwrap_or(FlowEnd::Evicted)));
        }
        sort_batch(self.ended.get_mut(start..).unwrap_or_default());
    }

    /// Close flows still open (the input ended), at most `max` at a time, in the order of
    /// `close_all`; returns whether any remain open. The caller takes each batch before the
    /// next, so the end of a run never holds a second copy of the whole table.
    pub fn close_batch(&mut self, max: usize) -> bool {
        let mut order: Vec<(Timestamp, FlowId, FlowKey)> = match self.closing.take() {
            Some(order) => order,
            None => {
                let mut order: Vec<_> = self
                    .active
                    .iter()
                    .map(|(key, f)| (f.last_seen, f.id, *key))
                    .collect();
                // Last first: batches pop from the end.
                order.sort_unstable_by(|a, b| b.cmp(a));
                order
            }
        };
        for _ in 0..max.max(1) {
            let Some((_, _, key)) = order.pop() else {
                break;
            };
            if let Some(flow) = self.active.remove(&key) {
                let end = flow.close_reason().unwrap_or(FlowEnd::EndOfCapture);
                self.ended.push(flow.into_flow(&key, end));
            }
        }
        let more = !order.is_empty();
        if more {
            self.closing = Some(order);
        }
        more
    }

    /// Close every flow still open (the input ended); they wait in `take_ended`. A flow still
    /// open ends `end-of-capture` (or how FIN/RST closed it): whether it would have timed out
    /// is judged only by a later packet of its own or by capture time moving on, so one packet
    /// with a wild timestamp cannot rewrite how every other flow ended.
    pub fn close_all(&mut self) {
        let start = self.ended.len();
        for (key, flow) in self.active.drain() {
            let end = flow.close_reason().unwrap_or(FlowEnd::EndOfCapture);
            self.ended.push(flow.into_flow(&key, end));
        }
        sort_batch(self.ended.get_mut(start..).unwrap_or_default());
    }

    /// Close every flow and return those not yet taken, ordered by id, with the counters: for
    /// tests and benchmarks that look at a whole small capture at once.
    pub fn finish(mut self) -> (Vec<Flow>, TableStats) {
        self.close_all();
        let mut flows = std::mem::take(&mut self.ended);
        flows.sort_unstable_by_key(|f| f.id);
        (flows, self.stats)
    }

    pub fn stats(&self) -> TableStats {
        self.stats
    }

    /// The capture-loss estimate so far: totals and per-interval counts of checked ACKs and
    /// gaps (docs/capture-loss.md). Cheap to read at any time, e.g. to print each interval
    /// while a live capture runs.
    pub fn capture_loss(&self) -> &CaptureLoss {
        &self.loss
    }

    pub fn active_len(&self) -> usize {
        self.active.len()
    }
}

/// Flows closed at one moment, in a deterministic order: by last packet time, then id.
fn sort_batch(batch: &mut [Flow]) {
    batch.sort_unstable_by_key(|f| (f.last_seen, f.id));
}

/// Whether `p` starts a new flow rather than continuing `flow`, and if so how `flow` ended: a
/// new SYN after FIN/RST, or the flow timed out by the packet's time.
fn expired(timeouts: &Timeouts, key: &FlowKey, flow: &Open, p: &PacketMeta) -> Option<FlowEnd> {
    let new_syn = p
        .tcp_flags
        .is_some_and(|f| f.has(TcpFlags::SYN) && !f.has(TcpFlags::ACK));
    if new_syn && flow.closed_at().is_some() {
        return flow.close_reason();
    }
    ended_by(timeouts, key, flow, p.ts)
}

/// How a flow ends by `now` if no packet of it comes: past its close window after FIN/RST, or
/// idle for longer than its protocol's timeout.
fn ended_by(timeouts: &Timeouts, key: &FlowKey, flow: &Open, now: Timestamp) -> Option<FlowEnd> {
    if let Some(closed) = flow.closed_at()
        && now.since(closed) > secs_to_nanos(timeouts.tcp_close)
    {
        return flow.close_reason();
    }
    (now.since(flow.last_seen) > timeouts.idle_nanos(key.protocol)).then_some(FlowEnd::IdleTimeout)
}

/// A new flow from its first packet, deciding which side is the client.
fn open(id: FlowId, key: &FlowKey, p: &PacketMeta) -> Open {
    let flags = p.tcp_flags.unwrap_or_default();
    let (client, client_by) = if flags.has(TcpFlags::SYN) && !flags.has(TcpFlags::ACK) {
        (p.src, ClientBy::Syn)
    } else if flags.has(TcpFlags::SYN | TcpFlags::ACK) {
        (p.dst, ClientBy::SynAck)
    } else if p.has_ports && port_rank(p.src.port) < port_rank(p.dst.port) {
        (p.dst, ClientBy::PortHeuristic)
    } else {
        (p.src, ClientBy::FirstPacket)
    };
    let mut flow = Open {
        id,
        first_seen: p.ts,
        last_seen: p.ts,
        closed_at: NOT_CLOSED,
        packet_numbers: [p.at.number; 2],
        packet_inputs: [p.at.input; 2],
        packets: [0; 2],
        bytes: [0; 2],
        payload: [0; 2],
        tcp: TcpSeen::default(),
        fragments: 0,
        tcp_flags: [0; 2],
        client_by,
        marks: if client == key.lo { CLIENT_IS_LO } else { 0 },
    };
    // The first packet of a flow checks no ACK: nothing of the other direction is known.
    let _ = update(&mut flow, key, p);
    flow
}

/// Count a packet into a flow; returns its part in the capture-loss estimate.
fn update(flow: &mut Open, key: &FlowKey, p: &PacketMeta) -> Check {
    if let Some(flags) = p.tcp_flags {
        reorient(flow, key, p, flags);
    }
    let dir = if p.src == *flow.client(key) {
        TO_SERVER
    } else {
        TO_CLIENT
    };
    // `dir` is 0 or 1 and the per-direction arrays have two entries: every `get_mut` finds its
    // entry (as in `TcpSeen::packet`).
    if let Some(packets) = flow.packets.get_mut(dir) {
        *packets += 1;
    }
    if let Some(bytes) = flow.bytes.get_mut(dir) {
        *bytes += u64::from(p.ip_len);
    }
    if let Some(payload) = flow.payload.get_mut(dir) {
        *payload += u64::from(p.payload_len);
    }
    flow.fragments = flow.fragments.saturating_add(u32::from(p.fragment));
    // First and last by capture time, so a fragment that waited for its first fragment, or an
    // input whose clock runs behind, still names the earliest and latest packets.
    if (p.ts, p.at) < (flow.first_seen, flow.first_packet()) {
        flow.first_seen = p.ts;
        flow.packet_numbers[0] = p.at.number;
        flow.packet_inputs[0] = p.at.input;
    }
    if (p.ts, p.at) >= (flow.last_seen, flow.last_packet()) {
        flow.last_seen = p.ts;
        flow.packet_numbers[1] = p.at.number;
        flow.packet_inputs[1] = p.at.input;
    }
    let Some(flags) = p.tcp_flags else {
        return Check::None;
    };
    if let Some(seen) = flow.tcp_flags.get_mut(dir) {
        *seen |= flags.0;
    }
    if flags.has(TcpFlags::RST) && flow.closed_at().is_none() {
        flow.closed_at = p.ts;
        flow.marks |= CLOSED_BY_RST;
    }
    let fin_both = flow.tcp_flags[0] & flow.tcp_flags[1] & TcpFlags::FIN != 0;
    if flags.has(TcpFlags::FIN) && fin_both && flow.closed_at().is_none() {
        flow.closed_at = p.ts;
    }
    flow.tcp
        .packet(dir, p.seq, p.ack, p.payload_len, flags, p.fragment)
}

/// A handshake packet in a flow whose client was only guessed settles who the client is.
fn reorient(flow: &mut Open, key: &FlowKey, p: &PacketMeta, flags: TcpFlags) {
    if matches!(flow.client_by, ClientBy::Syn | ClientBy::SynAck) || !flags.has(TcpFlags::SYN) {
        return;
    }
    let (client, by) = if flags.has(TcpFlags::ACK) {
        (p.dst, ClientBy::SynAck)
    } else {
        (p.src, ClientBy::Syn)
    };
    if client != *flow.client(key) {
        flow.marks ^= CLIENT_IS_LO;
        flow.packets.swap(0, 1);
        flow.bytes.swap(0, 1);
        flow.payload.swap(0, 1);
        flow.tcp_flags.swap(0, 1);
        flow.tcp.swap();
    }
    flow.client_by = by;
}

#[cfg(test)]
#[path = "table_tests.rs"]
mod tests;
