//! HTTP/1.x request Host.
//!
//! Reads the request line and header fields at the start of a client → server stream
//! (RFC 9112 §2–3, §5; RFC 9110 §7.2). Hand-written: no HTTP crate in the dependency tree parses
//! a head that may be cut short by the capture and tells "need more" from "not HTTP".
//!
//! The host is reported lowercased and without its port. An IPv6 literal (`[2001:db8::1]:8080`)
//! is reported bare (`2001:db8::1`), so it reads as an address. For an absolute-form target
//! (`GET http://example.com/ HTTP/1.1`, sent to proxies) or a CONNECT's authority-form target,
//! the request line names the host and the Host header is ignored (RFC 9112 §3.2.2).

/// Request heads longer than this are not read to the end: common servers reject heads above
/// 8–16 KiB (nginx 8 KiB per line, Apache 8190 bytes per field), so a real Host comes sooner.
pub const MAX_REQUEST_HEAD: usize = 16 * 1024;

/// Longest host accepted: a DNS name is at most 253 characters in text form (RFC 1035 §2.3.4);
/// a zoned IPv6 literal is shorter still.
const MAX_HOST_LEN: usize = 253;

/// Request methods recognised: RFC 9110 §9 and the WebDAV methods (RFC 4918) seen in practice.
/// Anything else is not taken for HTTP, so binary protocols on port 80 are not misread.
const METHODS: &[&[u8]] = &[
    b"GET",
    b"HEAD",
    b"POST",
    b"PUT",
    b"DELETE",
    b"CONNECT",
    b"OPTIONS",
    b"TRACE",
    b"PATCH",
    b"PROPFIND",
    b"PROPPATCH",
    b"MKCOL",
    b"COPY",
    b"MOVE",
    b"LOCK",
    b"UNLOCK",
    b"REPORT",
    b"SEARCH",
];

/// What the start of a client → server stream shows.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum HttpScan {
    /// Not an HTTP/1.x request.
    NotHttp,
    /// An HTTP request so far, but its host is not yet in view.
    NeedMore,
    Host(String),
    /// A request without a usable host (none, empty, malformed, or beyond `MAX_REQUEST_HEAD`).
    NoHost,
}

/// Look at the start of a client→server stream: an HTTP/1.x request line (known methods incl.
/// CONNECT), then the Host header (case-insensitive name, trimmed value; strip a :port unless
/// it's an IPv6 literal — decide and document; lowercase). Bounded by the header size.
pub fn request_host(stream: &[u8]) -> HttpScan {
    let head = stream.get(..MAX_REQUEST_HEAD).unwrap_or(stream);
    // Cut short by the bound, rather than by what has arrived so far.
    let capped = stream.len() >= MAX_REQUEST_HEAD;
    let need_more = if capped {
        HttpScan::NoHost
    } else {
        HttpScan::NeedMore
    };

    let Some(method_end) = head.iter().position(|&b| b == b' ') else {
        let could_be = METHODS.iter().any(|m| m.starts_with(head));
        return if could_be && !capped {
            HttpScan::NeedMore
        } else {
            HttpScan::NotHttp
        };
    };
    // Positions found in a slice are within it: each `get` below finds its range.
    let method = head.get(..method_end).unwrap_or_default();
    if !METHODS.contains(&method) {
        return HttpScan::NotHttp;
    }
    let Some((line, mut rest)) = next_line(head) else {
        // The request line is still arriving; an absolute-form target may already show its host.
        let target = head.get(method_end + 1..).unwrap_or(&[]);
        return match target_host(method, target, false) {
            Some(host) => host,
            None => need_more,
        };
    };
    let Some(target) = request_target(line, method_end) else {
        return HttpScan::NotHttp;
    };
    if let Some(host) = target_host(method, target, true) {
        return host;
    }
    while let Some((field, after)) = next_line(rest) {
        if field.is_empty() {
            return HttpScan::NoHost; // end of the head
        }
        if let Some(value) = field_value(field, b"host") {
            return host_value(value).map_or(HttpScan::NoHost, HttpScan::Host);
        }
        rest = after;
    }
    need_more
}

/// The next line and what follows it; lines end in CRLF or, leniently, a bare LF.
fn next_line(bytes: &[u8]) -> Option<(&[u8], &[u8])> {
    let lf = bytes.iter().position(|&b| b == b'\n')?;
    let (line, rest) = bytes.split_at_checked(lf)?;
    let line = line.strip_suffix(b"\r").unwrap_or(line);
    Some((line, rest.get(1..).unwrap_or(&[])))
}

/// The request target of a complete request line `METHOD SP target SP HTTP/1.x`.
fn request_target(line: &[u8], method_end: usize) -> Option<&[u8]> {
    let version_at = line.iter().rposition(|&b| b == b' ')?;
    let version = line.get(version_at + 1..)?;
    let ok = version.len() == 8
        && version.starts_with(b"HTTP/1.")
        && version.get(7).is_some_and(u8::is_ascii_digit);
    if !ok || version_at <= method_end {
        return None;
    }
    line.get(method_end + 1..version_at)
}

/// The host named by the request target itself: a CONNECT authority, or an absolute URI.
/// `complete`: the whole target is in view (else only a host followed by its end counts).
fn target_host(method: &[u8], target: &[u8], complete: bool) -> Option<HttpScan> {
    let authority = if method == b"CONNECT" {
        let end = target.iter().position(|&b| b == b' ');
        if end.is_none() && !complete {
            return None;
        }
        target
            .get(..end.unwrap_or(target.len()))
            .unwrap_or_default()
    } else {
        let scheme_end = find(target, b"://")?;
        let (scheme, after_scheme) = target.split_at_checked(scheme_end)?;
        let scheme_ok = scheme.first().is_some_and(u8::is_ascii_alphabetic)
            && scheme
                .iter()
                .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(b));
        if !scheme_ok {
            return None;
        }
        let after = after_scheme.get(3..)?;
        let end = after.iter().position(|b| b"/?# ".contains(b));
        if end.is_none() && !complete {
            return None;
        }
        after.get(..end.unwrap_or(after.len())).unwrap_or_default()
    };
    // Drop any userinfo ("user:password@").
    let host = match authority.iter().rposition(|&b| b == b'@') {
        Some(at) => authority.get(at + 1..).unwrap_or_default(),
        None => authority,
    };
    Some(host_value(host).map_or(HttpScan::NoHost, HttpScan::Host))
}

/// The value of header field `name` (lowercase) if `line` is that field, trimmed of spaces and
/// tabs. A folded continuation line starts with whitespace and so never matches.
fn field_value<'a>(line: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    let colon = line.iter().position(|&b| b == b':')?;
    let (field, value) = line.split_at_checked(colon)?;
    if !field.eq_ignore_ascii_case(name) {
        return None;
    }
    Some(trim(value.get(1..).unwrap_or_default()))
}

fn trim(mut bytes: &[u8]) -> &[u8] {
    while let [b' ' | b'\t', rest @ ..] = bytes {
        bytes = rest;
    }
    while let [rest @ .., b' ' | b'\t'] = bytes {
        bytes = rest;
    }
    bytes
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// A host[:port] value as a lowercased host, or None if empty or not host-shaped.
fn host_value(value: &[u8]) -> Option<String> {
    let host = if let Some(inner) = value.strip_prefix(b"[") {
        // IPv6 literal: "[addr]" or "[addr]:port".
        let close = inner.iter().position(|&b| b == b']')?;
        let (host, port) = inner.split_at_checked(close)?;
        let port = port.get(1..).unwrap_or_default();
        if !(port.is_empty() || port.starts_with(b":")) {
            return None;
        }
        host
    } else if value.iter().filter(|&&b| b == b':').count() > 1 {
        value // a bare IPv6 address (not valid HTTP, but unambiguous): no port to strip
    } else {
        match value.iter().position(|&b| b == b':') {
            Some(colon) => value.get(..colon).unwrap_or_default(),
            None => value,
        }
    };
    let shaped = host
        .iter()
        .all(|&b| b.is_ascii_alphanumeric() || b"-._:%".contains(&b));
    if host.is_empty() || host.len() > MAX_HOST_LEN || !shaped {
        return None;
    }
    Some(String::from_utf8_lossy(host).to_ascii_lowercase())
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn host(s: &str) -> HttpScan {
        HttpScan::Host(s.to_string())
    }

    #[test]
    fn plain_request() {
        let req =
            b"GET / HTTP/1.1\r\nHost: google.com\r\nUser-Agent: curl/7.68.0\r\nAccept: */*\r\n\r\n";
        assert_eq!(request_host(req), host("google.com"));
    }

    #[test]
    fn host_variants() {
        let cases: &[(&[u8], HttpScan)] = &[
            (
                b"GET /a HTTP/1.1\r\nhOsT:\tWWW.Example.COM:8080 \r\n\r\n",
                host("www.example.com"),
            ),
            (
                b"GET / HTTP/1.1\r\nHost: [2001:DB8::1]:8443\r\n\r\n",
                host("2001:db8::1"),
            ),
            (b"GET / HTTP/1.1\r\nHost: [::1]\r\n\r\n", host("::1")),
            (
                b"GET / HTTP/1.0\nAccept: */*\nHost: lf.example\n\n",
                host("lf.example"),
            ),
            (b"GET / HTTP/1.0\r\nAccept: */*\r\n\r\n", HttpScan::NoHost),
            (b"GET / HTTP/1.1\r\nHost:\r\n\r\n", HttpScan::NoHost),
            (
                b"GET / HTTP/1.1\r\nHost: bad host\r\n\r\n",
                HttpScan::NoHost,
            ),
            (
                b"GET / HTTP/1.1\r\nX-Host: no.example\r\n\r\n",
                HttpScan::NoHost,
            ),
        ];
        for (req, want) in cases {
            assert_eq!(&request_host(req), want, "{}", String::from_utf8_lossy(req));
        }
    }

    #[test]
    fn absolute_form_and_connect_name_the_host() {
        let proxy = b"GET http://user:pw@Proxy.Example:3128/x?y HTTP/1.1\r\nHost: other\r\n\r\n";
        assert_eq!(request_host(proxy), host("proxy.example"));
        let connect = b"CONNECT api.example.net:443 HTTP/1.1\r\nHost: api.example.net:443\r\n\r\n";
        assert_eq!(request_host(connect), host("api.example.net"));
        // The host of an absolute URI is known before the request line ends.
        assert_eq!(
            request_host(b"GET http://early.example/very/lo"),
            host("early.example")
        );
    }

    #[test]
    fn not_http_and_need_more() {
        assert_eq!(request_host(b"\x16\x03\x01\x02\x00\x01"), HttpScan::NotHttp);
        assert_eq!(request_host(b"SSH-2.0-OpenSSH_9.6\r\n"), HttpScan::NotHttp);
        assert_eq!(request_host(b"HTTP/1.1 200 OK\r\n\r\n"), HttpScan::NotHttp);
        assert_eq!(request_host(b"GET / FTP/1.0\r\n\r\n"), HttpScan::NotHttp);
        assert_eq!(request_host(b""), HttpScan::NeedMore);
        assert_eq!(request_host(b"CONN"), HttpScan::NeedMore);
        assert_eq!(request_host(b"GET /index.html HT"), HttpScan::NeedMore);
        assert_eq!(
            request_host(b"GET / HTTP/1.1\r\nAccept: */*\r\nHo"),
            HttpScan::NeedMore
        );
    }

    #[test]
    fn header_split_across_segments() {
        let req = b"GET / HTTP/1.1\r\nUser-Agent: x\r\nHost: split.example\r\n\r\n";
        let cut = req.len() - 12; // inside the Host line
        assert_eq!(request_host(&req[..cut]), HttpScan::NeedMore);
        assert_eq!(request_host(req), host("split.example"));
    }

    #[test]
    fn oversized_head_gives_up() {
        let mut req = b"GET / HTTP/1.1\r\nCookie: ".to_vec();
        req.resize(MAX_REQUEST_HEAD + 10, b'a');
        assert_eq!(request_host(&req), HttpScan::NoHost);
    }

    proptest! {
        #[test]
        fn arbitrary_bytes_never_panic(bytes in proptest::collection::vec(any::<u8>(), 0..400)) {
            if let HttpScan::Host(h) = request_host(&bytes) {
                prop_assert!(!h.is_empty() && h.len() <= MAX_HOST_LEN);
            }
        }

        #[test]
        fn mutated_requests_never_panic(
            flips in proptest::collection::vec((0usize..80, any::<u8>()), 0..6),
            cut in 0usize..80,
        ) {
            let mut req = b"POST /x HTTP/1.1\r\nHost: m.example:81\r\nContent-Length: 0\r\n\r\n".to_vec();
            for (at, byte) in flips {
                if let Some(b) = req.get_mut(at) {
                    *b = byte;
                }
            }
            req.truncate(cut);
            if let HttpScan::Host(h) = request_host(&req) {
                prop_assert!(h.len() <= MAX_HOST_LEN);
                prop_assert_eq!(h.to_ascii_lowercase(), h.clone());
            }
        }
    }
}
