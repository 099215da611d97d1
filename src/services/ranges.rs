//! Address rules: CIDR prefixes with an optional protocol and server ports.
//!
//! One hash map per prefix length and family, probed from the longest length down: a lookup
//! costs one probe per distinct length in the catalog (a few dozen at most), whatever the number
//! of prefixes. Within one prefix, the rule with ports beats the one without, then the one with a
//! protocol; rules that could tie are refused at load, so the winner is unique.

use super::Found;
use super::ports::{PortSet, protocol_name};
use ipnet::IpNet;
use std::collections::HashMap;
use std::hash::Hash;
use std::net::IpAddr;

#[derive(Debug)]
struct RangeRule {
    protocol: Option<u8>,
    ports: Option<PortSet>,
    service: usize,
    /// "range:52.112.0.0/14 udp/3478-3481"
    label: String,
}

impl RangeRule {
    fn matches(&self, protocol: u8, port: Option<u16>) -> bool {
        self.protocol.is_none_or(|p| p == protocol)
            && self
                .ports
                .as_ref()
                .is_none_or(|set| port.is_some_and(|p| set.contains(p)))
    }

    /// Higher wins among rules of one prefix.
    fn precedence(&self) -> (bool, bool) {
        (self.ports.is_some(), self.protocol.is_some())
    }

    /// Whether some flow could match both rules.
    fn overlaps(&self, other: &RangeRule) -> bool {
        let protocols = match (self.protocol, other.protocol) {
            (Some(a), Some(b)) => a == b,
            _ => true,
        };
        let ports = match (&self.ports, &other.ports) {
            (Some(a), Some(b)) => a.intersects(b),
            _ => true,
        };
        protocols && ports
    }
}

/// The prefixes of one length: masked network address → rule indices.
#[derive(Debug)]
struct Level<K> {
    len: u8,
    map: HashMap<K, Vec<usize>>,
}

/// Every range rule of the catalog.
#[derive(Debug, Default)]
pub struct RangeTable {
    rules: Vec<RangeRule>,
    /// Longest prefix first.
    v4: Vec<Level<u32>>,
    v6: Vec<Level<u128>>,
}

fn mask4(addr: u32, len: u8) -> u32 {
    if len == 0 {
        0
    } else {
        addr & (u32::MAX << (32 - u32::from(len.min(32))))
    }
}

fn mask6(addr: u128, len: u8) -> u128 {
    if len == 0 {
        0
    } else {
        addr & (u128::MAX << (128 - u32::from(len.min(128))))
    }
}

// `at` is where the binary search found the level or where it was just inserted, so the index
// is in range; `get_mut` would leave an `Option` no caller could do anything with. Catalog
// loading only, not the per-packet path.
#[allow(clippy::indexing_slicing)]
fn level<K: Hash + Eq>(levels: &mut Vec<Level<K>>, len: u8) -> &mut HashMap<K, Vec<usize>> {
    let at = match levels.binary_search_by(|l| len.cmp(&l.len)) {
        Ok(at) => at,
        Err(at) => {
            levels.insert(
                at,
                Level {
                    len,
                    map: HashMap::new(),
                },
            );
            at
        }
    };
    &mut levels[at].map
}

impl RangeTable {
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Adds a rule. `net` must have no host bits set (checked by the caller). If a rule with the
    /// same prefix and precedence could match the same flows, returns that rule's service and
    /// the new rule's label.
    pub fn insert(
        &mut self,
        net: IpNet,
        protocol: Option<u8>,
        ports: Option<PortSet>,
        service: usize,
    ) -> Result<(), (usize, String)> {
        let mut label = format!("range:{net}");
        match (protocol, &ports) {
            (Some(p), Some(set)) => label += &format!(" {}/{set}", protocol_name(p)),
            (Some(p), None) => label += &format!(" {}", protocol_name(p)),
            (None, Some(set)) => label += &format!(" {set}"),
            (None, None) => {}
        }
        let rule = RangeRule {
            protocol,
            ports,
            service,
            label,
        };
        let index = self.rules.len();
        let bucket = match net {
            IpNet::V4(n) => level(&mut self.v4, n.prefix_len())
                .entry(u32::from(n.network()))
                .or_default(),
            IpNet::V6(n) => level(&mut self.v6, n.prefix_len())
                .entry(u128::from(n.network()))
                .or_default(),
        };
        if let Some(other) = bucket
            .iter()
            .filter_map(|&i| self.rules.get(i))
            .find(|other| other.precedence() == rule.precedence() && other.overlaps(&rule))
        {
            return Err((other.service, rule.label));
        }
        bucket.push(index);
        self.rules.push(rule);
        Ok(())
    }

    /// Every rule whose prefix holds the address, whatever its protocol and ports: longest
    /// prefix first, then by precedence (ports, protocol) and file order. For `residency
    /// lookup`, which has no flow to say which would match.
    pub fn containing(&self, server: IpAddr) -> Vec<Found<'_>> {
        let server = server.to_canonical();
        let mut found: Vec<usize> = Vec::new();
        match server {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                for l in &self.v4 {
                    if let Some(ids) = l.map.get(&mask4(a, l.len)) {
                        found.extend(sorted(ids, &self.rules));
                    }
                }
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                for l in &self.v6 {
                    if let Some(ids) = l.map.get(&mask6(a, l.len)) {
                        found.extend(sorted(ids, &self.rules));
                    }
                }
            }
        }
        found
            .into_iter()
            .filter_map(|i| self.rules.get(i))
            .map(|r| Found {
                service: r.service,
                label: &r.label,
            })
            .collect()
    }

    /// The most specific rule for a server address, protocol and port.
    pub fn find(&self, server: IpAddr, protocol: u8, port: Option<u16>) -> Option<Found<'_>> {
        let server = match server {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(server, IpAddr::V4),
            v4 => v4,
        };
        let best = |candidates: &Vec<usize>| {
            candidates
                .iter()
                .filter_map(|&i| self.rules.get(i))
                .filter(|r| r.matches(protocol, port))
                .max_by_key(|r| r.precedence())
        };
        let rule = match server {
            IpAddr::V4(a) => {
                let a = u32::from(a);
                self.v4
                    .iter()
                    .find_map(|l| l.map.get(&mask4(a, l.len)).and_then(best))
            }
            IpAddr::V6(a) => {
                let a = u128::from(a);
                self.v6
                    .iter()
                    .find_map(|l| l.map.get(&mask6(a, l.len)).and_then(best))
            }
        }?;
        Some(Found {
            service: rule.service,
            label: &rule.label,
        })
    }
}

/// The rules of one prefix, highest precedence first, then in file order.
fn sorted(ids: &[usize], rules: &[RangeRule]) -> Vec<usize> {
    let mut ids = ids.to_vec();
    ids.sort_by_key(|&i| {
        let p = rules.get(i).map_or((false, false), RangeRule::precedence);
        (std::cmp::Reverse(p), i)
    });
    ids
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn masks() {
        assert_eq!(mask4(0x3470_010a, 14), 0x3470_0000);
        assert_eq!(mask4(0xffff_ffff, 0), 0);
        assert_eq!(mask4(0x0102_0304, 32), 0x0102_0304);
        assert_eq!(mask6(u128::MAX, 0), 0);
        assert_eq!(mask6(u128::MAX, 128), u128::MAX);
        assert_eq!(mask6(u128::MAX, 1), 1u128 << 127);
    }
}
