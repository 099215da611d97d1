//! Application payloads: DNS, TLS, QUIC (RFC 9001 test vectors), STUN, NTP, ESP and HTTP.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use super::bytes::{be16, be32, filler, len16, len32};

pub const DNS_A: u16 = 1;
pub const DNS_CNAME: u16 = 5;
pub const DNS_PTR: u16 = 12;
pub const DNS_AAAA: u16 = 28;

pub enum Rdata<'a> {
    A(Ipv4Addr),
    Aaaa(Ipv6Addr),
    Name(&'a str),
    /// Record data written as given (SVCB/HTTPS parameters).
    Raw(&'a [u8]),
}

/// A DNS message writer with real name compression (RFC 1035 §4.1.4).
pub struct Dns {
    buf: Vec<u8>,
    /// Name suffixes already written, with their offsets.
    suffixes: Vec<(String, u16)>,
}

impl Dns {
    /// `counts` = QDCOUNT, ANCOUNT, NSCOUNT, ARCOUNT.
    pub fn new(id: u16, flags: u16, counts: [u16; 4]) -> Dns {
        let mut buf = Vec::new();
        be16(&mut buf, id);
        be16(&mut buf, flags);
        for c in counts {
            be16(&mut buf, c);
        }
        Dns {
            buf,
            suffixes: Vec::new(),
        }
    }

    fn name(&mut self, name: &str) {
        let labels: Vec<&str> = name.split('.').collect();
        for i in 0..labels.len() {
            let suffix = labels[i..].join(".");
            if let Some((_, offset)) = self.suffixes.iter().find(|(s, _)| *s == suffix) {
                be16(&mut self.buf, 0xc000 | offset);
                return;
            }
            if let Ok(offset) = u16::try_from(self.buf.len())
                && offset < 0x4000
            {
                self.suffixes.push((suffix, offset));
            }
            let label = labels[i].as_bytes();
            assert!(!label.is_empty() && label.len() < 64, "bad DNS label");
            self.buf
                .push(u8::try_from(label.len()).expect("label length fits"));
            self.buf.extend_from_slice(label);
        }
        self.buf.push(0);
    }

    pub fn question(&mut self, name: &str, qtype: u16) -> &mut Dns {
        self.name(name);
        be16(&mut self.buf, qtype);
        be16(&mut self.buf, 1); // class IN
        self
    }

    pub fn record(&mut self, name: &str, rtype: u16, ttl: u32, rdata: Rdata<'_>) -> &mut Dns {
        self.name(name);
        be16(&mut self.buf, rtype);
        be16(&mut self.buf, 1); // class IN
        be32(&mut self.buf, ttl);
        let len_at = self.buf.len();
        be16(&mut self.buf, 0);
        match rdata {
            Rdata::A(a) => self.buf.extend_from_slice(&a.octets()),
            Rdata::Aaaa(a) => self.buf.extend_from_slice(&a.octets()),
            Rdata::Name(n) => self.name(n),
            Rdata::Raw(r) => self.buf.extend_from_slice(r),
        }
        let rdlen = len16(self.buf.len() - len_at - 2);
        self.buf[len_at..len_at + 2].copy_from_slice(&rdlen.to_be_bytes());
        self
    }

    pub fn bytes(&self) -> Vec<u8> {
        self.buf.clone()
    }
}

/// A recursive query (RD set) for one name.
pub fn dns_query(id: u16, name: &str, qtype: u16) -> Vec<u8> {
    Dns::new(id, 0x0100, [1, 0, 0, 0])
        .question(name, qtype)
        .bytes()
}

/// A response (QR, RD, RA) with a single A or AAAA answer.
pub fn dns_answer(id: u16, name: &str, addr: IpAddr, ttl: u32) -> Vec<u8> {
    let (qtype, rdata) = match addr {
        IpAddr::V4(a) => (DNS_A, Rdata::A(a)),
        IpAddr::V6(a) => (DNS_AAAA, Rdata::Aaaa(a)),
    };
    Dns::new(id, 0x8180, [1, 1, 0, 0])
        .question(name, qtype)
        .record(name, qtype, ttl, rdata)
        .bytes()
}

pub fn tls_record(content_type: u8, version: u16, body: &[u8]) -> Vec<u8> {
    let mut r = vec![content_type];
    be16(&mut r, version);
    be16(&mut r, len16(body.len()));
    r.extend_from_slice(body);
    r
}

pub fn tls_handshake(msg_type: u8, body: &[u8]) -> Vec<u8> {
    let mut h = vec![msg_type];
    h.extend_from_slice(&len32(body.len()).to_be_bytes()[1..]);
    h.extend_from_slice(body);
    h
}

pub fn tls_extension(out: &mut Vec<u8>, ext_type: u16, data: &[u8]) {
    be16(out, ext_type);
    be16(out, len16(data.len()));
    out.extend_from_slice(data);
}

/// A TLS 1.3 ClientHello record offering `sni` and ALPN h2 / http/1.1.
pub fn tls_client_hello(sni: &str, seed: u32) -> Vec<u8> {
    let mut ext = Vec::new();

    let mut server_name = vec![0]; // host_name
    be16(&mut server_name, len16(sni.len()));
    server_name.extend_from_slice(sni.as_bytes());
    let mut list = Vec::new();
    be16(&mut list, len16(server_name.len()));
    list.extend_from_slice(&server_name);
    tls_extension(&mut ext, 0x0000, &list); // server_name

    tls_extension(&mut ext, 0x000a, &[0, 4, 0x00, 0x1d, 0x00, 0x17]); // groups: x25519, P-256
    let sigs = [0, 8, 0x04, 0x03, 0x08, 0x04, 0x04, 0x01, 0x05, 0x03];
    tls_extension(&mut ext, 0x000d, &sigs); // signature_algorithms

    let mut alpn = Vec::new();
    for proto in ["h2", "http/1.1"] {
        alpn.push(u8::try_from(proto.len()).expect("short ALPN id"));
        alpn.extend_from_slice(proto.as_bytes());
    }
    let mut alpn_ext = Vec::new();
    be16(&mut alpn_ext, len16(alpn.len()));
    alpn_ext.extend_from_slice(&alpn);
    tls_extension(&mut ext, 0x0010, &alpn_ext); // ALPN

    tls_extension(&mut ext, 0x002b, &[4, 0x03, 0x04, 0x03, 0x03]); // supported_versions
    tls_extension(&mut ext, 0x002d, &[1, 1]); // psk_key_exchange_modes: psk_dhe_ke
    let mut key_share = Vec::new();
    be16(&mut key_share, 36);
    be16(&mut key_share, 0x001d);
    be16(&mut key_share, 32);
    key_share.extend_from_slice(&filler(32, seed + 1));
    tls_extension(&mut ext, 0x0033, &key_share); // key_share

    let mut body = Vec::new();
    be16(&mut body, 0x0303); // legacy_version
    body.extend_from_slice(&filler(32, seed + 2)); // random
    body.push(32);
    body.extend_from_slice(&filler(32, seed + 3)); // legacy_session_id
    be16(&mut body, 6);
    body.extend_from_slice(&[0x13, 0x01, 0x13, 0x02, 0x13, 0x03]); // cipher suites
    body.extend_from_slice(&[1, 0]); // compression methods: null
    be16(&mut body, len16(ext.len()));
    body.extend_from_slice(&ext);
    tls_record(0x16, 0x0301, &tls_handshake(1, &body))
}

/// A TLS 1.3 ServerHello record answering [`tls_client_hello`] with the same `seed`.
fn tls_server_hello(seed: u32) -> Vec<u8> {
    let mut ext = Vec::new();
    tls_extension(&mut ext, 0x002b, &[0x03, 0x04]); // supported_versions: TLS 1.3
    let mut key_share = Vec::new();
    be16(&mut key_share, 0x001d);
    be16(&mut key_share, 32);
    key_share.extend_from_slice(&filler(32, seed + 4));
    tls_extension(&mut ext, 0x0033, &key_share);

    let mut body = Vec::new();
    be16(&mut body, 0x0303);
    body.extend_from_slice(&filler(32, seed + 5)); // random
    body.push(32);
    body.extend_from_slice(&filler(32, seed + 3)); // echoed legacy_session_id
    body.extend_from_slice(&[0x13, 0x01, 0]); // TLS_AES_128_GCM_SHA256, null compression
    be16(&mut body, len16(ext.len()));
    body.extend_from_slice(&ext);
    tls_record(0x16, 0x0303, &tls_handshake(2, &body))
}

pub fn tls_change_cipher_spec() -> Vec<u8> {
    tls_record(0x14, 0x0303, &[1])
}

pub fn tls_app_data(len: usize, seed: u32) -> Vec<u8> {
    tls_record(0x17, 0x0303, &filler(len, seed))
}

/// The server's first flight: ServerHello, ChangeCipherSpec, then application-data records
/// (encrypted extensions, certificate, ... as opaque bytes) up to exactly `total` bytes.
pub fn tls_server_flight(seed: u32, total: usize) -> Vec<u8> {
    let mut stream = tls_server_hello(seed);
    stream.extend_from_slice(&tls_change_cipher_spec());
    let rest = total - stream.len();
    let first = rest / 2;
    stream.extend_from_slice(&tls_app_data(first - 5, seed + 6));
    stream.extend_from_slice(&tls_app_data(rest - first - 5, seed + 7));
    assert_eq!(stream.len(), total);
    stream
}

/// RFC 9001 Appendix A.2: the protected client Initial packet (1200 bytes, QUIC v1, DCID
/// 8394c8f03e515708, a ClientHello for example.com). Published test vector, copied from the
/// hex listing "The resulting protected packet is:" in RFC 9001 (May 2021).
pub const RFC9001_A2_CLIENT_INITIAL: &str = "
    c000000001088394c8f03e5157080000 449e7b9aec34d1b1c98dd7689fb8ec11
    d242b123dc9bd8bab936b47d92ec356c 0bab7df5976d27cd449f63300099f399
    1c260ec4c60d17b31f8429157bb35a12 82a643a8d2262cad67500cadb8e7378c
    8eb7539ec4d4905fed1bee1fc8aafba1 7c750e2c7ace01e6005f80fcb7df6212
    30c83711b39343fa028cea7f7fb5ff89 eac2308249a02252155e2347b63d58c5
    457afd84d05dfffdb20392844ae81215 4682e9cf012f9021a6f0be17ddd0c208
    4dce25ff9b06cde535d0f920a2db1bf3 62c23e596d11a4f5a6cf3948838a3aec
    4e15daf8500a6ef69ec4e3feb6b1d98e 610ac8b7ec3faf6ad760b7bad1db4ba3
    485e8a94dc250ae3fdb41ed15fb6a8e5 eba0fc3dd60bc8e30c5c4287e53805db
    059ae0648db2f64264ed5e39be2e20d8 2df566da8dd5998ccabdae053060ae6c
    7b4378e846d29f37ed7b4ea9ec5d82e7 961b7f25a9323851f681d582363aa5f8
    9937f5a67258bf63ad6f1a0b1d96dbd4 faddfcefc5266ba6611722395c906556
    be52afe3f565636ad1b17d508b73d874 3eeb524be22b3dcbc2c7468d54119c74
    68449a13d8e3b95811a198f3491de3e7 fe942b330407abf82a4ed7c1b311663a
    c69890f4157015853d91e923037c227a 33cdd5ec281ca3f79c44546b9d90ca00
    f064c99e3dd97911d39fe9c5d0b23a22 9a234cb36186c4819e8b9c5927726632
    291d6a418211cc2962e20fe47feb3edf 330f2c603a9d48c0fcb5699dbfe58964
    25c5bac4aee82e57a85aaf4e2513e4f0 5796b07ba2ee47d80506f8d2c25e50fd
    14de71e6c418559302f939b0e1abd576 f279c4b2e0feb85c1f28ff18f58891ff
    ef132eef2fa09346aee33c28eb130ff2 8f5b766953334113211996d20011a198
    e3fc433f9f2541010ae17c1bf202580f 6047472fb36857fe843b19f5984009dd
    c324044e847a4f4a0ab34f719595de37 252d6235365e9b84392b061085349d73
    203a4a13e96f5432ec0fd4a1ee65accd d5e3904df54c1da510b0ff20dcc0c77f
    cb2c0e0eb605cb0504db87632cf3d8b4 dae6e705769d1de354270123cb11450e
    fc60ac47683d7b8d0f811365565fd98c 4c8eb936bcab8d069fc33bd801b03ade
    a2e1fbc5aa463d08ca19896d2bf59a07 1b851e6c239052172f296bfb5e724047
    90a2181014f3b94a4e97d117b4381303 68cc39dbb2d198065ae3986547926cd2
    162f40a29f0c3c8745c0f50fba3852e5 66d44575c29d39a03f0cda721984b6f4
    40591f355e12d439ff150aab7613499d bd49adabc8676eef023b15b65bfc5ca0
    6948109f23f350db82123535eb8a7433 bdabcb909271a6ecbcb58b936a88cd4e
    8f2e6ff5800175f113253d8fa9ca8885 c2f552e657dc603f252e1a8e308f76f0
    be79e2fb8f5d5fbbe2e30ecadd220723 c8c0aea8078cdfcb3868263ff8f09400
    54da48781893a7e49ad5aff4af300cd8 04a6b6279ab3ff3afb64491c85194aab
    760d58a606654f9f4400e8b38591356f bf6425aca26dc85244259ff2b19c41b9
    f96f3ca9ec1dde434da7d2d392b905dd f3d1f9af93d1af5950bd493f5aa731b4
    056df31bd267b6b90a079831aaf579be 0a39013137aac6d404f518cfd4684064
    7e78bfe706ca4cf5e9c5453e9f7cfd2b 8b4c8d169a44e55c88d4a9a7f9474241
    e221af44860018ab0856972e194cd934";

/// RFC 9001 Appendix A.3: the protected server Initial packet (135 bytes) that answers A.2.
/// Published test vector, copied from RFC 9001's hex listing like the one above.
pub const RFC9001_A3_SERVER_INITIAL: &str = "
    cf000000010008f067a5502a4262b500 4075c0d95a482cd0991cd25b0aac406a
    5816b6394100f37a1c69797554780bb3 8cc5a99f5ede4cf73c3ec2493a1839b3
    dbcba3f6ea46c5b7684df3548e7ddeb9 c3bf9c73cc3f3bded74b562bfb19fb84
    022f8ef4cdd93795d77d06edbb7aaf2f 58891850abbdca3d20398c276456cbc4
    2158407dd074ee";

/// A QUIC short-header (1-RTT) packet of `len` bytes to `dcid` (RFC 9000 §17.3.1): header
/// form 0, fixed bit 1, a 2-byte packet number, the rest opaque protected bytes.
pub fn quic_short_header(dcid: &[u8], len: usize, seed: u32) -> Vec<u8> {
    let mut p = vec![0x41];
    p.extend_from_slice(dcid);
    p.extend_from_slice(&filler(len - p.len(), seed));
    p
}

const STUN_MAGIC: u32 = 0x2112_A442;

pub fn stun_binding_request(txid: &[u8; 12]) -> Vec<u8> {
    let mut m = Vec::new();
    be16(&mut m, 0x0001); // Binding Request
    be16(&mut m, 0); // no attributes
    be32(&mut m, STUN_MAGIC);
    m.extend_from_slice(txid);
    m
}

/// Binding Success Response with XOR-MAPPED-ADDRESS (RFC 5389 §15.2) for an IPv4 address.
pub fn stun_binding_success(txid: &[u8; 12], mapped: SocketAddr) -> Vec<u8> {
    let IpAddr::V4(addr) = mapped.ip() else {
        panic!("IPv4 mapped address expected");
    };
    let mut attr = vec![0, 0x01]; // reserved, family IPv4
    let magic_hi = u16::try_from(STUN_MAGIC >> 16).expect("16 bits");
    be16(&mut attr, mapped.port() ^ magic_hi);
    be32(&mut attr, u32::from(addr) ^ STUN_MAGIC);
    let mut m = Vec::new();
    be16(&mut m, 0x0101); // Binding Success Response
    be16(&mut m, len16(4 + attr.len()));
    be32(&mut m, STUN_MAGIC);
    m.extend_from_slice(txid);
    be16(&mut m, 0x0020); // XOR-MAPPED-ADDRESS
    be16(&mut m, len16(attr.len()));
    m.extend_from_slice(&attr);
    m
}

/// A 48-byte NTPv4 packet (mode 3 = client, 4 = server). `unix_secs` fills the transmit
/// timestamp.
pub fn ntp(mode: u8, unix_secs: u64) -> Vec<u8> {
    let mut p = vec![0u8; 48];
    p[0] = (4 << 3) | mode; // LI 0, VN 4
    p[2] = 6; // poll interval 2^6 s
    p[3] = 0xe9; // precision 2^-23 s
    if mode == 4 {
        p[1] = 1; // stratum 1
        p[12..16].copy_from_slice(b"GPS\0"); // reference id
    }
    let ntp_secs = u32::try_from(unix_secs + 2_208_988_800).expect("NTP era 0");
    p[40..44].copy_from_slice(&ntp_secs.to_be_bytes());
    p[44..48].copy_from_slice(&[0x80, 0, 0, 0]);
    p
}

/// An ESP packet body (SPI, sequence number, opaque ciphertext) as carried on UDP 4500.
pub fn esp(spi: u32, seq: u32, len: usize, seed: u32) -> Vec<u8> {
    let mut p = Vec::with_capacity(len);
    be32(&mut p, spi);
    be32(&mut p, seq);
    p.extend_from_slice(&filler(len - 8, seed));
    p
}

pub const HTTP_REQUEST: &str = "GET / HTTP/1.1\r\nHost: example.com\r\n\
User-Agent: residency-test/1.0\r\nAccept: */*\r\n\r\n";

pub fn http_response() -> Vec<u8> {
    let body = "<!doctype html>\n<html><head><title>Example Domain</title></head>\
<body><p>residency test page</p></body></html>\n";
    format!(
        "HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=UTF-8\r\n\
Content-Length: {}\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}
