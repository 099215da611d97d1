//! Flow keys: transport and the two endpoints, ordered so both directions find one entry.

use std::net::IpAddr;

/// An address and port (port 0 for transports without ports).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Endpoint {
    pub ip: IpAddr,
    pub port: u16,
}

/// The canonical key of a bidirectional flow: `lo` ≤ `hi`. `has_ports` keeps port-less
/// packets (fragments whose first fragment never came) apart from a real flow on port 0.
/// `site` keeps captures taken at different places apart: two offices may both have a client
/// 192.168.1.10 talking from port 50000 to the same media relay at the same time.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct FlowKey {
    pub protocol: u8,
    pub has_ports: bool,
    pub lo: Endpoint,
    pub hi: Endpoint,
    pub site: u32,
}

impl FlowKey {
    pub fn new(protocol: u8, has_ports: bool, a: Endpoint, b: Endpoint) -> Self {
        let (lo, hi) = if a <= b { (a, b) } else { (b, a) };
        FlowKey {
            protocol,
            has_ports,
            lo,
            hi,
            site: 0,
        }
    }

    /// The same key at another site.
    pub fn at_site(self, site: u32) -> Self {
        FlowKey { site, ..self }
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
        assert_eq!(FlowKey::new(6, true, a, b), FlowKey::new(6, true, b, a));
        assert_ne!(FlowKey::new(6, true, a, b), FlowKey::new(17, true, a, b));
        assert_ne!(FlowKey::new(6, true, a, b), FlowKey::new(6, false, a, b));
        assert_ne!(
            FlowKey::new(6, true, a, b),
            FlowKey::new(6, true, b, a).at_site(1)
        );
    }
}
