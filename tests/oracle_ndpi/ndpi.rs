//! nDPI's side: the flow lines of its expected output (`expected/<capture>.out`).
//!
//! A flow line is `\tN\tPROTO CLIENT:PORT <-> SERVER:PORT [field][field]...` (`->` for a
//! flow seen one way only; IPv6 addresses in brackets). Fields are `[key: value]` or a bare
//! `[flag]`; a value may itself hold brackets (`[Mapped IP/Port: [2001:db8::1]:3478]`), so
//! fields are split at `][`, never at a lone bracket. The file has two numbered lists (the
//! detected flows and, after `Undetected flows:`, the rest): both are read.

use std::net::IpAddr;

/// nDPI's master protocol ids (`proto: M.A/...`, the part before the dot), from nDPI's
/// `ndpi_protocol_ids.h` (NDPI_PROTOCOL_HTTP = 7, NDPI_PROTOCOL_TLS = 91,
/// NDPI_PROTOCOL_QUIC = 188, NDPI_PROTOCOL_STUN = 78).
pub const HTTP: u16 = 7;
pub const TLS: u16 = 91;
pub const QUIC: u16 = 188;
pub const STUN: u16 = 78;

/// One endpoint as nDPI printed it: the address when it parses as an IP address (nDPI prints
/// some IPv6 addresses wrongly, e.g. `302e::3d00::8001`), and the text either way.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Endpoint {
    pub ip: Option<IpAddr>,
    pub text: String,
    pub port: u16,
}

#[derive(Clone, Debug)]
pub struct Flow {
    /// `N` of the line, and whether it is in the "Undetected flows" list.
    pub number: u32,
    pub undetected: bool,
    /// `TCP`, `UDP`, `ICMP`, ... as printed.
    pub transport: String,
    pub client: Endpoint,
    pub server: Endpoint,
    /// Printed with `->`: nDPI saw packets one way only.
    pub one_way: bool,
    /// The `proto:` field as printed, e.g. `VXLAN:91.119/TLS.Facebook`.
    pub proto: String,
    /// Master and application ids (`91` and `119` above; a single id is the master).
    pub master: Option<u16>,
    pub app: Option<u16>,
    /// The label's names (`TLS`, `Facebook`).
    pub labels: Vec<String>,
    /// Every `[key: value]` field, in order.
    pub fields: Vec<(String, String)>,
}

impl Flow {
    /// The first field named `key`.
    pub fn field(&self, key: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.as_str())
    }

    pub fn hostname(&self) -> Option<&str> {
        self.field("Hostname/SNI").filter(|h| !h.is_empty())
    }

    pub fn labelled(&self, label: &str) -> bool {
        self.labels.iter().any(|l| l == label)
    }

    /// `N TCP client <-> server [proto]`, for messages.
    pub fn describe(&self) -> String {
        let list = if self.undetected { "undetected " } else { "" };
        let arrow = if self.one_way { "->" } else { "<->" };
        format!(
            "{list}#{} {} {}:{} {arrow} {}:{} [{}]",
            self.number,
            self.transport,
            self.client.text,
            self.client.port,
            self.server.text,
            self.server.port,
            self.proto
        )
    }
}

/// Parses a whole `.out` file: its flows, and the flow-like lines it could not read.
pub fn parse_out(text: &str) -> (Vec<Flow>, Vec<String>) {
    let mut flows = Vec::new();
    let mut unreadable = Vec::new();
    let mut undetected = false;
    for line in text.lines() {
        if line.trim_start().starts_with("Undetected flows") {
            undetected = true;
            continue;
        }
        if !is_flow_line(line) {
            continue;
        }
        match parse_line(line, undetected) {
            Some(flow) => flows.push(flow),
            None => unreadable.push(line.to_string()),
        }
    }
    (flows, unreadable)
}

/// `\tN\tWORD ...` with WORD in capitals: a flow (the "JA3 Host Stats" table also starts
/// with `\tN\t`, but continues with a space and an address).
fn is_flow_line(line: &str) -> bool {
    let mut parts = line.splitn(3, '\t');
    let (Some(""), Some(n), Some(rest)) = (parts.next(), parts.next(), parts.next()) else {
        return false;
    };
    !n.is_empty()
        && n.bytes().all(|b| b.is_ascii_digit())
        && rest.bytes().next().is_some_and(|b| b.is_ascii_uppercase())
}

pub fn parse_line(line: &str, undetected: bool) -> Option<Flow> {
    let mut parts = line.trim_start_matches('\t').splitn(2, '\t');
    let number = parts.next()?.parse().ok()?;
    let rest = parts.next()?;
    // Four words (no spaces inside, IPv6 endpoints included), then the fields.
    let words: Vec<&str> = rest.splitn(5, ' ').collect();
    let [transport, client, arrow, server, tail] = words[..] else {
        return None;
    };
    let one_way = match arrow {
        "->" => true,
        "<->" => false,
        _ => return None,
    };
    let fields_text = tail.trim().strip_prefix('[')?.strip_suffix(']')?;
    let mut fields = Vec::new();
    for piece in fields_text.split("][") {
        match piece.split_once(": ") {
            Some((k, v)) => fields.push((k.to_string(), v.to_string())),
            None => fields.push((piece.to_string(), String::new())),
        }
    }
    let proto = fields
        .iter()
        .find(|(k, _)| k == "proto")
        .map(|(_, v)| v.clone())?;
    let (master, app, labels) = parse_proto(&proto)?;
    Some(Flow {
        number,
        undetected,
        transport: transport.to_string(),
        client: endpoint(client)?,
        server: endpoint(server)?,
        one_way,
        proto,
        master,
        app,
        labels,
        fields,
    })
}

/// `[TUNNEL:]M[.A]/NAME[.APP]` → (M, A, [NAME, APP]).
fn parse_proto(proto: &str) -> Option<(Option<u16>, Option<u16>, Vec<String>)> {
    // A tunnel prefix (`VXLAN:`, `GRE:`) ends in a colon before the ids.
    let inner = proto.rsplit_once(':').map_or(proto, |(_, p)| p);
    let (ids, names) = inner.split_once('/')?;
    let mut ids = ids.split('.');
    let master = ids.next().and_then(|m| m.parse().ok());
    let app = ids.next().and_then(|a| a.parse().ok());
    let labels = names.split('.').map(str::to_string).collect();
    Some((master, app, labels))
}

/// `1.2.3.4:80` or `[2001:db8::1]:443`.
pub fn endpoint(text: &str) -> Option<Endpoint> {
    let (addr, port) = text.rsplit_once(':')?;
    let port = port.parse().ok()?;
    let addr = addr
        .strip_prefix('[')
        .and_then(|a| a.strip_suffix(']'))
        .unwrap_or(addr);
    Some(Endpoint {
        ip: addr.parse().ok(),
        text: addr.to_string(),
        port,
    })
}

/// nDPI's `[QUIC ver: ...]` spelling → residency's `names.quic.version` spelling
/// (`V-1` → `v1`, `Draft-29` → `draft-29`, `MVFST-22` → `mvfst-draft-22`, `Q046` as is).
pub fn quic_version(ndpi: &str) -> String {
    if let Some(n) = ndpi.strip_prefix("V-") {
        return format!("v{n}");
    }
    if let Some(n) = ndpi.strip_prefix("Draft-") {
        return format!("draft-{n}");
    }
    if let Some(n) = ndpi.strip_prefix("MVFST-") {
        return format!("mvfst-draft-{n}");
    }
    ndpi.to_string()
}
