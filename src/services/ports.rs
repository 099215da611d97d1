//! Server port lists ("3478", "8801-8810"), transport names, and the port heuristics table.

use super::Found;
use std::fmt;

/// IP protocol numbers the catalog can name (IANA Assigned Internet Protocol Numbers).
pub const TCP: u8 = 6;
pub const UDP: u8 = 17;

/// "tcp" or "udp" → protocol number.
pub fn parse_protocol(text: &str) -> Option<u8> {
    match text {
        "tcp" => Some(TCP),
        "udp" => Some(UDP),
        _ => None,
    }
}

/// The catalog name of a protocol number ("tcp", "udp", else the number).
pub fn protocol_name(protocol: u8) -> String {
    match protocol {
        TCP => "tcp".into(),
        UDP => "udp".into(),
        other => other.to_string(),
    }
}

/// Inclusive port ranges, sorted, non-overlapping.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PortSet(Vec<(u16, u16)>);

impl PortSet {
    /// Parses ["3478", "8801-8810"]: ports 1-65535, first <= last, no overlap between items.
    pub fn parse(items: &[String]) -> Result<PortSet, String> {
        if items.is_empty() {
            return Err("an empty list (leave the field out instead)".into());
        }
        let mut ranges = Vec::with_capacity(items.len());
        for item in items {
            let (first, last) = match item.split_once('-') {
                Some((a, b)) => (a, b),
                None => (item.as_str(), item.as_str()),
            };
            let parse = |s: &str| s.trim().parse::<u16>().ok().filter(|&p| p != 0);
            let (Some(first), Some(last)) = (parse(first), parse(last)) else {
                return Err(format!(
                    "{item:?} is not a port (1-65535) or a range \"N-M\""
                ));
            };
            if first > last {
                return Err(format!("{item:?} runs backwards"));
            }
            ranges.push((first, last));
        }
        ranges.sort_unstable();
        if ranges.windows(2).any(|w| matches!(w, [a, b] if b.0 <= a.1)) {
            return Err("port items overlap".into());
        }
        Ok(PortSet(ranges))
    }

    pub fn contains(&self, port: u16) -> bool {
        self.0.iter().any(|&(a, b)| a <= port && port <= b)
    }

    pub fn intersects(&self, other: &PortSet) -> bool {
        self.0
            .iter()
            .any(|&(a, b)| other.0.iter().any(|&(c, d)| a <= d && c <= b))
    }
}

impl fmt::Display for PortSet {
    /// "3478-3481" or "80,443".
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, &(a, b)) in self.0.iter().enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            if a == b {
                write!(f, "{a}")?;
            } else {
                write!(f, "{a}-{b}")?;
            }
        }
        Ok(())
    }
}

#[derive(Debug)]
struct PortRule {
    protocol: u8,
    ports: PortSet,
    service: usize,
    /// "port:udp/3478,5349"
    label: String,
}

/// Port heuristics: a handful of rules, scanned in order (at most one can match: overlapping
/// rules are refused at load).
#[derive(Debug, Default)]
pub struct PortTable {
    rules: Vec<PortRule>,
}

impl PortTable {
    pub fn len(&self) -> usize {
        self.rules.len()
    }

    pub fn is_empty(&self) -> bool {
        self.rules.is_empty()
    }

    /// Adds a rule; if it shares a port with a rule of the same protocol, returns that rule's
    /// service index and the new rule's label.
    pub fn insert(
        &mut self,
        protocol: u8,
        ports: PortSet,
        service: usize,
    ) -> Result<(), (usize, String)> {
        let label = format!("port:{}/{ports}", protocol_name(protocol));
        if let Some(other) = self
            .rules
            .iter()
            .find(|r| r.protocol == protocol && r.ports.intersects(&ports))
        {
            return Err((other.service, label));
        }
        self.rules.push(PortRule {
            protocol,
            ports,
            service,
            label,
        });
        Ok(())
    }

    pub fn find(&self, protocol: u8, port: u16) -> Option<Found<'_>> {
        self.rules
            .iter()
            .find(|r| r.protocol == protocol && r.ports.contains(port))
            .map(|r| Found {
                service: r.service,
                label: &r.label,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(items: &[&str]) -> Result<PortSet, String> {
        PortSet::parse(&items.iter().map(|s| s.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn port_lists_parse_print_and_compare() {
        let zoom = set(&["8801-8810", "3478-3479"]).unwrap();
        assert_eq!(zoom.to_string(), "3478-3479,8801-8810");
        assert!(zoom.contains(3479) && zoom.contains(8810) && !zoom.contains(3480));
        assert!(zoom.intersects(&set(&["8810"]).unwrap()));
        assert!(!zoom.intersects(&set(&["3480-8800"]).unwrap()));
        for bad in [
            &[][..],
            &["0"],
            &["65536"],
            &["10-5"],
            &["x"],
            &["1-2", "2-3"],
        ] {
            assert!(set(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn port_rules_refuse_overlap_on_the_same_protocol_only() {
        let mut t = PortTable::default();
        t.insert(UDP, set(&["3478"]).unwrap(), 0).unwrap();
        t.insert(TCP, set(&["3478"]).unwrap(), 1).unwrap();
        assert_eq!(
            t.insert(UDP, set(&["3400-3500"]).unwrap(), 2),
            Err((0, "port:udp/3400-3500".into()))
        );
        assert_eq!(t.find(UDP, 3478).map(|f| f.label), Some("port:udp/3478"));
        assert_eq!(t.find(TCP, 3478).map(|f| f.service), Some(1));
        assert_eq!(t.find(UDP, 3479), None);
        assert_eq!(t.find(1, 3478), None);
    }
}
