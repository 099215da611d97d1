//! One flow's record: who opened it, what went each way, and how it ended.

use super::key::Endpoint;
use crate::timestamp::Timestamp;

/// A flow's number: 1-based, in order of creation, never reused within a run. Handed out by the
/// flow table, not chosen by whoever sends packets (so fast non-keyed hashes are safe on it).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(transparent)]
pub struct FlowId(pub u64);

impl std::fmt::Display for FlowId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Where a packet is: the input (0-based, in command-line order) and its 1-based number there.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct PacketRef {
    pub input: u32,
    pub number: u64,
}

/// How the client (the side that opened the flow) was decided.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum ClientBy {
    /// It sent the TCP SYN.
    Syn,
    /// It received the SYN/ACK (the SYN was not captured).
    SynAck,
    /// The first packet came from a more server-like port than it went to (a service port to
    /// any other, or a port below 32768 to an ephemeral one), so its receiver is the client
    /// (see `table::port_rank`).
    PortHeuristic,
    /// It sent the first packet captured.
    FirstPacket,
}

impl ClientBy {
    pub fn name(self) -> &'static str {
        match self {
            ClientBy::Syn => "syn",
            ClientBy::SynAck => "syn-ack",
            ClientBy::PortHeuristic => "port-heuristic",
            ClientBy::FirstPacket => "first-packet",
        }
    }
}

/// Why a flow's record was closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum FlowEnd {
    /// TCP FIN seen in both directions.
    Fin,
    /// TCP RST seen.
    Rst,
    /// No packet for longer than the idle timeout.
    IdleTimeout,
    /// Pushed out of a full flow table.
    Evicted,
    /// Still open when the input ended.
    EndOfCapture,
}

impl FlowEnd {
    pub fn name(self) -> &'static str {
        match self {
            FlowEnd::Fin => "fin",
            FlowEnd::Rst => "rst",
            FlowEnd::IdleTimeout => "idle-timeout",
            FlowEnd::Evicted => "evicted",
            FlowEnd::EndOfCapture => "end-of-capture",
        }
    }
}

/// One side of a flow.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Side {
    Server,
    Client,
}

impl Side {
    pub fn name(self) -> &'static str {
        match self {
            Side::Server => "server",
            Side::Client => "client",
        }
    }
}

/// Direction index into the per-direction arrays.
pub const TO_SERVER: usize = 0;
pub const TO_CLIENT: usize = 1;

/// A bidirectional flow.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Flow {
    pub id: FlowId,
    pub protocol: u8,
    pub has_ports: bool,
    pub client: Endpoint,
    pub server: Endpoint,
    pub client_by: ClientBy,
    /// Indexed by `TO_SERVER` / `TO_CLIENT`.
    pub packets: [u64; 2],
    pub bytes: [u64; 2],
    /// Transport payload bytes (IP length less the IP and transport headers).
    pub payload: [u64; 2],
    /// TCP flags seen, OR-ed, per direction.
    pub tcp_flags: [u8; 2],
    /// Capture gaps per direction: ACKs from the other side of this direction's data that
    /// the capture never saw (`loss`; always 0 for other transports).
    pub capture_gaps: [u32; 2],
    /// Packets that were IP fragments.
    pub fragments: u64,
    pub first_seen: Timestamp,
    pub last_seen: Timestamp,
    pub first_packet: PacketRef,
    pub last_packet: PacketRef,
    /// Set when the flow's record is closed.
    pub end: Option<FlowEnd>,
}
