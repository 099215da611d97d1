//! The round-trip times an analyser must report for each flow of the RTT captures, computed
//! from the records as they were written: their timestamps and the [`Role`] each packet was
//! built with.
//!
//! * TCP (from the segments' flags): `handshake_ms` is the first SYN → the first SYN/ACK;
//!   `client_side_ms` is the first SYN/ACK → the client's first ACK without SYN after it. The
//!   first is a sample of the server's round trip, the second of the client's.
//! * Requests and answers (STUN transaction, DNS ID, QUIC Initial → first server packet): a
//!   request is timed from its first copy to the first answer with the same id coming the other
//!   way. Its responder is whoever answered: the server for requests the client sent, the client
//!   for requests the server sent. Answers that match no waiting request count for nothing.

use std::fmt;

use serde::{Serialize, Serializer};

use super::flow::{Dir, Flow, Role};
use super::packet::{ACK, SYN};
use super::write::Rec;

const NS_PER_US: u64 = 1_000;
const US_PER_MS: u64 = 1_000;

/// A duration of whole microseconds, written as milliseconds with three decimals.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub struct Ms(u64);

impl Ms {
    /// From a difference of two timestamps in nanoseconds (which must be whole microseconds).
    fn between(earlier: u64, later: u64) -> Ms {
        let ns = later
            .checked_sub(earlier)
            .expect("answer after its request");
        assert_eq!(ns % NS_PER_US, 0, "RTT captures have µs timestamps");
        Ms(ns / NS_PER_US)
    }
}

impl fmt::Display for Ms {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{:03}", self.0 / US_PER_MS, self.0 % US_PER_MS)
    }
}

impl Serialize for Ms {
    /// A JSON number; `expected_json` prints it with exactly three decimals.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        // Exact: every count of microseconds in a capture is far below 2^53.
        #[allow(clippy::cast_precision_loss)]
        let ms = self.0 as f64 / US_PER_MS as f64;
        s.serialize_f64(ms)
    }
}

/// The `rtt` object of one flow.
#[derive(Clone, Debug, Default, Serialize)]
pub struct ExpectedRtt {
    /// TCP: first SYN → first SYN/ACK.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub handshake_ms: Option<Ms>,
    /// TCP: first SYN/ACK → the client's first ACK without SYN.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_side_ms: Option<Ms>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub server_min_ms: Option<Ms>,
    /// Round trips answered by the server, in the order the answers were captured.
    pub server_samples: Vec<Ms>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub client_min_ms: Option<Ms>,
    /// Round trips answered by the client, in the order the answers were captured.
    pub client_samples: Vec<Ms>,
}

/// A request waiting for (or given) its answer.
struct Asked {
    dir: Dir,
    id: u128,
    at: u64,
    answered: bool,
}

/// The round-trip times of `flow` in `recs` (in file order).
pub fn expected_rtt(recs: &[Rec], flow: Flow) -> ExpectedRtt {
    let mut first_syn = None;
    let mut first_syn_ack = None;
    let mut e = ExpectedRtt::default();
    let mut asked: Vec<Asked> = Vec::new();
    for rec in recs {
        let (Some(acct), Some(role)) = (rec.pkt.acct, rec.pkt.role) else {
            continue;
        };
        if acct.flow != flow {
            continue;
        }
        let (dir, at) = (acct.dir, rec.ts);
        match role {
            Role::Tcp(flags) => {
                let (syn, ack) = (flags & SYN != 0, flags & ACK != 0);
                match dir {
                    Dir::ToServer if syn && !ack => {
                        first_syn.get_or_insert(at);
                    }
                    Dir::ToClient if syn && ack && first_syn_ack.is_none() => {
                        first_syn_ack = Some(at);
                        if let Some(sent) = first_syn {
                            let rtt = Ms::between(sent, at);
                            e.handshake_ms = Some(rtt);
                            e.server_samples.push(rtt);
                        }
                    }
                    Dir::ToServer if ack && !syn && e.client_side_ms.is_none() => {
                        if let Some(sent) = first_syn_ack {
                            let rtt = Ms::between(sent, at);
                            e.client_side_ms = Some(rtt);
                            e.client_samples.push(rtt);
                        }
                    }
                    _ => {}
                }
            }
            Role::Request(id) => {
                if !asked.iter().any(|a| a.dir == dir && a.id == id) {
                    asked.push(Asked {
                        dir,
                        id,
                        at,
                        answered: false,
                    });
                }
            }
            Role::Answer(id) => {
                let waiting = asked
                    .iter_mut()
                    .find(|a| a.dir != dir && a.id == id && !a.answered);
                if let Some(a) = waiting {
                    a.answered = true;
                    let rtt = Ms::between(a.at, at);
                    match dir {
                        Dir::ToClient => e.server_samples.push(rtt),
                        Dir::ToServer => e.client_samples.push(rtt),
                    }
                }
            }
        }
    }
    e.server_min_ms = e.server_samples.iter().min().copied();
    e.client_min_ms = e.client_samples.iter().min().copied();
    e
}

/// `[a, b]` as "a, b"; "-" when empty.
pub fn list(samples: &[Ms]) -> String {
    if samples.is_empty() {
        return "-".to_string();
    }
    let texts: Vec<String> = samples.iter().map(Ms::to_string).collect();
    texts.join(", ")
}

/// `Some(x)` as "x", `None` as "-".
pub fn maybe(ms: Option<Ms>) -> String {
    ms.map_or_else(|| "-".to_string(), |m| m.to_string())
}
