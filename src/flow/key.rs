//! Flow keys: transport and the two endpoints, ordered so both directions find one entry.

use std::net::IpAddr;

/// An address and port (port 0 for transports without ports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: u16,
}

/// The canonical key of a bidirectional flow: `lo` ≤ `hi`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    pub protocol: u8,
    pub lo: Endpoint,
    pub hi: Endpoint,
}

impl FlowKey {
    pub fn new(protocol: u8, a: Endpoint, b: Endpoint) -> Self {
        if a <= b {
            FlowKey {
                protocol,
                lo: a,
                hi: b,
            }
        } else {
            FlowKey {
                protocol,
                lo: b,
                hi: a,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_directions_one_key() {
        let a = Endpoint {
            ip: "10.0.0.1".parse().unwrap(),
            port: 5000,
        };
        let b = Endpoint {
            ip: "192.0.2.1".parse().unwrap(),
            port: 443,
        };
        assert_eq!(FlowKey::new(6, a, b), FlowKey::new(6, b, a));
        assert_ne!(FlowKey::new(6, a, b), FlowKey::new(17, a, b));
    }
}
