//! Finding a frame's innermost tunnel-level IP header in `frame.protocols` (tunnels: GRE
//! incl. ERSPAN, VXLAN, IP-in-IP, CAPWAP data) and reading its addresses, length, transport, ports and
//! fragment state.

use crate::keys::{Endpoint, TupleKey, has_ports};
use crate::tshark::{Row, parse_bool, parse_uint};
use std::net::IpAddr;

/// Where a tunnel-level IP header sits in `frame.protocols`.
#[derive(Debug, PartialEq, Eq)]
pub struct IpLayer {
    pub v6: bool,
    /// Index among the frame's `ip` (or `ipv6`) layers = index into that family's fields.
    pub occurrence: usize,
    /// Position in the token list.
    pos: usize,
}

/// Is what lies between two IP layers a tunnel residency decapsulates?
/// IP-in-IP (nothing between), GRE (possibly with Ethernet/VLAN/ERSPAN/PPP inside) or
/// VXLAN (UDP then VXLAN then Ethernet) or CAPWAP data (UDP then an 802.3 or 802.11 frame),
/// unless the CAPWAP packet is a fragment (`capwap_fragment`: tshark then shows the
/// reassembled frame in the last fragment; residency keeps every fragment in the outer flow).
/// Anything else (ICMP errors quoting a packet, Teredo, GTP, ...) is not a tunnel.
fn is_tunnel_gap(gap: &[&str], capwap_fragment: bool) -> bool {
    // Extension headers belong to the outer IPv6 header.
    let start = gap.iter().take_while(|t| t.starts_with("ipv6.")).count();
    let gap = &gap[start..];
    let link = |t: &&str| matches!(*t, "eth" | "ethertype" | "vlan" | "erspan" | "ppp");
    match gap {
        [] => true,
        ["gre", rest @ ..] => rest.iter().all(link),
        ["udp", "vxlan", rest @ ..] => rest.iter().all(|t| *t != "ppp" && link(t)),
        ["udp", "capwap.data", rest @ ..] => {
            !capwap_fragment
                && rest
                    .iter()
                    .all(|t| matches!(*t, "eth" | "ethertype" | "vlan" | "wlan" | "llc"))
        }
        _ => false,
    }
}

/// The IP headers of a frame that are tunnel-level: the first one and every one reached from
/// the previous through a tunnel, outermost first.
pub fn tunnel_chain(tokens: &[&str]) -> Vec<IpLayer> {
    tunnel_chain_of(tokens, false)
}

/// As `tunnel_chain`, for a frame whose CAPWAP header may have the F (fragment) flag set.
pub fn tunnel_chain_of(tokens: &[&str], capwap_fragment: bool) -> Vec<IpLayer> {
    let (mut n4, mut n6) = (0, 0);
    let mut chain: Vec<IpLayer> = Vec::new();
    for (pos, tok) in tokens.iter().enumerate() {
        let v6 = match *tok {
            "ip" => false,
            "ipv6" => true,
            _ => continue,
        };
        let occurrence = if v6 { n6 } else { n4 };
        if v6 {
            n6 += 1;
        } else {
            n4 += 1;
        }
        if let Some(prev) = chain.last()
            && !is_tunnel_gap(&tokens[prev.pos + 1..pos], capwap_fragment)
        {
            break;
        }
        chain.push(IpLayer {
            v6,
            occurrence,
            pos,
        });
    }
    chain
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct FragId {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    pub id: u64,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Frag {
    Whole,
    First(FragId),
    Later(FragId),
}

/// The innermost tunnel-level IP header of a frame, as far as tshark shows it.
#[derive(Debug)]
pub struct IpView {
    pub src: IpAddr,
    pub dst: IpAddr,
    pub proto: u8,
    pub bytes: u64,
    pub frag: Frag,
    /// (src, dst) ports, for TCP/UDP packets that are not non-first fragments.
    pub ports: Option<(u16, u16)>,
}

/// Reads the innermost header; `Err` says what is missing.
pub fn ip_view(row: &Row, tokens: &[&str], layer: &IpLayer) -> Result<IpView, String> {
    let need = |name: &str, i: usize| -> Result<&str, String> {
        row.nth(name, i)
            .ok_or_else(|| format!("{name}[{i}] missing"))
    };
    let num = |name: &str, i: usize| -> Result<u64, String> {
        let s = need(name, i)?;
        parse_uint(s).ok_or_else(|| format!("{name}[{i}] = {s:?} is not a number"))
    };
    let addr = |name: &str, i: usize| -> Result<IpAddr, String> {
        let s = need(name, i)?;
        s.parse()
            .map_err(|_| format!("{name}[{i}] = {s:?} is not an address"))
    };
    let k = layer.occurrence;
    // First token after the IP header and its extension headers.
    let mut next = layer.pos + 1;
    let (src, dst, mut proto, bytes, frag_fields);
    if layer.v6 {
        src = addr("ipv6.src", k)?;
        dst = addr("ipv6.dst", k)?;
        bytes = 40 + num("ipv6.plen", k)?;
        proto = num("ipv6.nxt", k)?;
        let mut fragment = None;
        while let Some(tok) = tokens.get(next).filter(|t| t.starts_with("ipv6.")) {
            let field = format!("{tok}.nxt");
            let i = tokens[..next].iter().filter(|t| *t == tok).count();
            if *tok == "ipv6.fraghdr" {
                fragment = Some((
                    num("ipv6.fraghdr.offset", i)?,
                    parse_bool(need("ipv6.fraghdr.more", i)?).ok_or("bad fraghdr.more")?,
                    num("ipv6.fraghdr.ident", i)?,
                ));
            }
            // Only the four extension headers with a `.nxt` field are walked.
            if row.all(&field).is_empty() {
                return Err(format!("unknown IPv6 extension header token {tok}"));
            }
            proto = num(&field, i)?;
            next += 1;
        }
        if matches!(proto, 0 | 43 | 44 | 60) {
            return Err(format!("IPv6 extension header {proto} not dissected"));
        }
        frag_fields = fragment;
    } else {
        src = addr("ip.src", k)?;
        dst = addr("ip.dst", k)?;
        bytes = num("ip.len", k)?;
        proto = num("ip.proto", k)?;
        let mf = parse_bool(need("ip.flags.mf", k)?).ok_or("bad ip.flags.mf")?;
        let offset = num("ip.frag_offset", k)?;
        frag_fields = Some((offset, mf, num("ip.id", k)?));
    }
    let proto = u8::try_from(proto).map_err(|_| format!("protocol {proto} out of range"))?;
    let frag = match frag_fields {
        Some((offset, more, id)) if offset > 0 || more => {
            let id = FragId {
                src,
                dst,
                proto,
                id,
            };
            if offset > 0 {
                Frag::Later(id)
            } else {
                Frag::First(id)
            }
        }
        _ => Frag::Whole,
    };
    let mut ports = None;
    if has_ports(proto) && !matches!(frag, Frag::Later(_)) {
        let token = if proto == 6 { "tcp" } else { "udp" };
        if tokens.get(next) != Some(&token) {
            return Err(format!("no {token} header dissected after the IP header"));
        }
        let i = tokens[..next].iter().filter(|t| **t == token).count();
        let port = |name: &str| -> Result<u16, String> {
            let p = num(name, i)?;
            u16::try_from(p).map_err(|_| format!("{name} {p} out of range"))
        };
        ports = Some((
            port(&format!("{token}.srcport"))?,
            port(&format!("{token}.dstport"))?,
        ));
    }
    Ok(IpView {
        src,
        dst,
        proto,
        bytes,
        frag,
        ports,
    })
}

impl IpView {
    pub fn key(&self, ports: Option<(u16, u16)>) -> (TupleKey, bool) {
        let (sp, dp) = match ports {
            Some((s, d)) => (Some(s), Some(d)),
            None => (None, None),
        };
        TupleKey::new(
            self.proto,
            Endpoint {
                ip: self.src,
                port: sp,
            },
            Endpoint {
                ip: self.dst,
                port: dp,
            },
        )
    }
}

/// Protocol and addresses of a damaged frame's innermost header, if tshark read them.
pub fn damaged_addresses(row: &Row, layer: &IpLayer) -> Option<(u8, IpAddr, IpAddr)> {
    let k = layer.occurrence;
    let (s, d, p) = if layer.v6 {
        ("ipv6.src", "ipv6.dst", "ipv6.nxt")
    } else {
        ("ip.src", "ip.dst", "ip.proto")
    };
    let src = row.nth(s, k)?.parse().ok()?;
    let dst = row.nth(d, k)?.parse().ok()?;
    let proto = u8::try_from(parse_uint(row.nth(p, k)?)?).ok()?;
    Some((proto, src, dst))
}
