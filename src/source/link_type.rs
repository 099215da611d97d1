//! Link-layer header types (the `LINKTYPE_*` registry used by pcap and pcapng).

/// A link type as stored in a capture file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct LinkType(pub u16);

impl LinkType {
    pub const NULL: LinkType = LinkType(0);
    pub const ETHERNET: LinkType = LinkType(1);
    pub const PPP: LinkType = LinkType(9);
    /// DLT_RAW as some BSDs number it in pcap files.
    pub const RAW_12: LinkType = LinkType(12);
    /// DLT_RAW as OpenBSD numbers it.
    pub const RAW_14: LinkType = LinkType(14);
    pub const PPP_HDLC: LinkType = LinkType(50);
    pub const PPP_ETHER: LinkType = LinkType(51);
    pub const RAW: LinkType = LinkType(101);
    pub const C_HDLC: LinkType = LinkType(104);
    pub const LOOP: LinkType = LinkType(108);
    pub const LINUX_SLL: LinkType = LinkType(113);
    pub const IPV4: LinkType = LinkType(228);
    pub const IPV6: LinkType = LinkType(229);
    pub const LINUX_SLL2: LinkType = LinkType(276);

    /// Every link type `decode` reads, in a fixed order (the `decode` fuzz target picks one
    /// by its index, and the seeds it gets are cut with the same index).
    pub const DECODED: [LinkType; 14] = [
        Self::NULL,
        Self::ETHERNET,
        Self::PPP,
        Self::RAW_12,
        Self::RAW_14,
        Self::PPP_HDLC,
        Self::PPP_ETHER,
        Self::RAW,
        Self::C_HDLC,
        Self::LOOP,
        Self::LINUX_SLL,
        Self::IPV4,
        Self::IPV6,
        Self::LINUX_SLL2,
    ];

    /// The stable name used in reports.
    pub fn name(self) -> String {
        let known = match self {
            Self::NULL => "null",
            Self::ETHERNET => "ethernet",
            Self::PPP => "ppp",
            Self::RAW_12 | Self::RAW_14 | Self::RAW => "raw",
            Self::PPP_HDLC => "ppp-hdlc",
            Self::PPP_ETHER => "pppoe",
            Self::C_HDLC => "cisco-hdlc",
            Self::LOOP => "loop",
            Self::LINUX_SLL => "linux-sll",
            Self::IPV4 => "ipv4",
            Self::IPV6 => "ipv6",
            Self::LINUX_SLL2 => "linux-sll2",
            LinkType(other) => return format!("linktype-{other}"),
        };
        known.to_string()
    }
}
