//! The local side of a mirror port: which addresses are "ours".

use super::record::Flow;
use ipnet::IpNet;
use std::net::IpAddr;

/// Networks inside by default: RFC 1918, RFC 4193 unique local, link-local (v4 and v6),
/// RFC 6598 shared address space (carrier-grade NAT), and loopback.
pub const DEFAULT_INSIDE: [&str; 9] = [
    "10.0.0.0/8",
    "172.16.0.0/12",
    "192.168.0.0/16",
    "100.64.0.0/10",
    "169.254.0.0/16",
    "127.0.0.0/8",
    "fc00::/7",
    "fe80::/10",
    "::1/128",
];

/// Where a flow runs relative to the inside networks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum Scope {
    /// Client inside, server outside.
    Outbound,
    /// Client outside, server inside.
    Inbound,
    /// Both inside.
    Internal,
    /// Neither inside (transit traffic, or `--inside` does not describe this capture).
    External,
}

impl Scope {
    /// Which side of a flow is the remote destination: the server of outbound and external
    /// flows, the client of inbound ones, none of internal ones.
    pub fn remote_side(self) -> Option<super::Side> {
        match self {
            Scope::Outbound | Scope::External => Some(super::Side::Server),
            Scope::Inbound => Some(super::Side::Client),
            Scope::Internal => None,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Scope::Outbound => "outbound",
            Scope::Inbound => "inbound",
            Scope::Internal => "internal",
            Scope::External => "external",
        }
    }
}

/// The inside networks.
#[derive(Clone, Debug)]
pub struct Inside {
    nets: Vec<IpNet>,
}

impl Inside {
    pub fn new(nets: Vec<IpNet>) -> Self {
        Inside { nets }
    }

    pub fn default_nets() -> Self {
        Inside::new(
            DEFAULT_INSIDE
                .iter()
                .filter_map(|n| n.parse().ok())
                .collect(),
        )
    }

    pub fn nets(&self) -> &[IpNet] {
        &self.nets
    }

    pub fn contains(&self, ip: IpAddr) -> bool {
        // IPv4-mapped IPv6 addresses are judged as the IPv4 address they carry.
        let ip = match ip {
            IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
            v4 => v4,
        };
        self.nets.iter().any(|n| n.contains(&ip))
    }

    pub fn scope(&self, flow: &Flow) -> Scope {
        match (self.contains(flow.client.ip), self.contains(flow.server.ip)) {
            (true, false) => Scope::Outbound,
            (false, true) => Scope::Inbound,
            (true, true) => Scope::Internal,
            (false, false) => Scope::External,
        }
    }
}
