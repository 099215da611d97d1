//! The TLS 1.2 Certificate message (RFC 5246 §7.4.2): names of the leaf certificate.
//!
//! The message framing is read by hand: tls-parser's Certificate parser wants the whole chain,
//! but the leaf is its first entry, complete long before the chain is (the chain may not even
//! fit the stream prefix). The certificate itself is read by x509-parser.

use super::record::Message;
use super::{CertNames, host_name};
use x509_parser::extensions::GeneralName;

pub const CERTIFICATE: u8 = 11;

/// SAN dNSNames kept. A leaf names its own host first; multi-domain certificates list dozens to
/// hundreds (a Microsoft leaf in nDPI's tests has 43), which would only repeat the provider,
/// and every flow to that server carries the list.
pub const MAX_SAN_NAMES: usize = 32;

/// Where the leaf certificate stands in a (possibly partial) Certificate message.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Leaf<'a> {
    /// The leaf's DER bytes, all present.
    Der(&'a [u8]),
    /// Not all there yet.
    NeedMore,
    /// An empty chain, or lengths that contradict each other.
    Absent,
}

/// Find the leaf certificate in a Certificate message's body: a 3-byte chain length, then
/// entries of a 3-byte length and DER bytes.
pub fn leaf<'a>(message: &Message<'a>) -> Leaf<'a> {
    let body = message.body;
    let (Some(chain), Some(first)) = (be24(body, 0), be24(body, 3)) else {
        return if message.is_complete() {
            Leaf::Absent
        } else {
            Leaf::NeedMore
        };
    };
    if chain == 0 || chain + 3 != message.length || first + 3 > chain {
        return Leaf::Absent;
    }
    match body.get(6..6 + first) {
        Some(der) => Leaf::Der(der),
        None => Leaf::NeedMore,
    }
}

fn be24(bytes: &[u8], at: usize) -> Option<usize> {
    let &[a, b, c] = bytes.get(at..at + 3)? else {
        return None;
    };
    Some(usize::from(a) << 16 | usize::from(b) << 8 | usize::from(c))
}

/// The subject common name and SAN dNSNames of a DER certificate; None if it does not parse.
///
/// Names are kept when they look like hosts (see `host_name`: printable ASCII, lowercased), so
/// a CN such as "Acme Corp" or a non-ASCII one is left out. With several CNs, the last one is
/// taken: the most specific in the DN's order, as Go's x509 reads it.
pub fn names(der: &[u8]) -> Option<CertNames> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let subject_cn = cert
        .subject()
        .iter_common_name()
        // A CN in a string type x509-parser does not decode (TeletexString, seen in real
        // certificates: `*.kakao.com`) is taken as its raw bytes; `host_name` keeps it only if
        // they are printable ASCII, which a host name in any of these types is.
        .map(|cn| cn.as_str().map_or(cn.as_slice(), str::as_bytes))
        .last()
        .and_then(|cn| host_name(cn.trim_ascii()));
    let mut san_dns = Vec::new();
    let mut san_dropped = 0;
    if let Ok(Some(san)) = cert.subject_alternative_name() {
        let dns = san
            .value
            .general_names
            .iter()
            .filter_map(|name| match name {
                GeneralName::DNSName(dns) => host_name(dns.as_bytes()),
                _ => None,
            });
        for name in dns {
            if san_dns.len() < MAX_SAN_NAMES {
                san_dns.push(name);
            } else {
                san_dropped += 1;
            }
        }
    }
    Some(CertNames {
        subject_cn,
        san_dns,
        san_dropped,
    })
}
