//! Bidirectional flows: a bounded table keyed by transport and the two endpoints, with idle and
//! close timeouts, per-direction counters, and attribution of IP fragments to their flow.
#![deny(
    clippy::indexing_slicing,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::unreachable,
    clippy::todo,
    clippy::unimplemented
)]

mod community_id;
mod fragments;
mod inside;
mod key;
pub mod loss;
mod record;
mod table;

pub use community_id::{community_id, flow_community_id};
pub use fragments::{FragmentStats, FragmentTracker, MAX_PENDING_FRAGMENTS, MAX_TRACKED_DATAGRAMS};
pub use inside::{DEFAULT_INSIDE, Inside, Scope};
pub use key::{Endpoint, FlowKey};
pub use loss::{CaptureLoss, LossCounts, LossInterval};
pub use record::{ClientBy, Flow, FlowEnd, FlowId, PacketRef, Side};
pub use table::{FlowTable, TableStats, Timeouts, is_service_port, port_rank};

use crate::decode::{TcpFlags, Transport};
use crate::timestamp::Timestamp;

/// What the flow table needs to know of one packet.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PacketMeta {
    pub ts: Timestamp,
    pub protocol: u8,
    pub src: Endpoint,
    pub dst: Endpoint,
    /// False for transports without ports (ICMP, ...) and for fragments whose first fragment
    /// was never seen.
    pub has_ports: bool,
    /// IP length as sent.
    pub ip_len: u32,
    /// Transport payload bytes as sent (`decode::Decoded::payload_len`).
    pub payload_len: u32,
    /// TCP flags, for TCP packets that carry a header.
    pub tcp_flags: Option<TcpFlags>,
    /// TCP sequence and acknowledgment numbers (0 without a TCP header), for the capture-loss
    /// estimate (`loss`).
    pub seq: u32,
    pub ack: u32,
    /// Part of a fragmented datagram.
    pub fragment: bool,
    pub at: PacketRef,
}

/// One packet of a flow, as the stages after the flow table see it (names, round trips).
pub struct FlowPacket<'p, 'a> {
    pub flow: FlowId,
    /// This packet opened the flow.
    pub opened: bool,
    pub src: Endpoint,
    pub dst: Endpoint,
    pub transport: &'p Transport<'a>,
    /// The payload is not all there: cut by the snap length, or the first fragment of a
    /// datagram.
    pub partial: bool,
    pub ts: Timestamp,
    pub at: PacketRef,
}
