//! Flows and directions, and IP packets attributed to them: UDP datagrams, TCP connections
//! and IP fragments.

use std::net::{IpAddr, SocketAddr};

use super::bytes::{be16, be32, len32, sock};
use super::packet::{
    ACK, FIN, IPV4_MF, PROTO_IPV6_FRAG, PROTO_TCP, PROTO_UDP, PSH, SYN, TcpFields, ip_packet,
    ipv4_header, ipv6_header, syn_options, tcp_segment, udp_segment,
};

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Transport {
    Tcp,
    Udp,
}

impl Transport {
    pub fn name(self) -> &'static str {
        match self {
            Transport::Tcp => "tcp",
            Transport::Udp => "udp",
        }
    }
}

/// A bidirectional flow as an analyser must report it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Flow {
    pub transport: Transport,
    pub client: SocketAddr,
    pub server: SocketAddr,
}

impl Flow {
    pub fn tcp(client: &str, server: &str) -> Flow {
        Flow {
            transport: Transport::Tcp,
            client: sock(client),
            server: sock(server),
        }
    }

    pub fn udp(client: &str, server: &str) -> Flow {
        Flow {
            transport: Transport::Udp,
            client: sock(client),
            server: sock(server),
        }
    }

    /// (source, destination) of a packet travelling in `dir`.
    fn ends(self, dir: Dir) -> (SocketAddr, SocketAddr) {
        match dir {
            Dir::ToServer => (self.client, self.server),
            Dir::ToClient => (self.server, self.client),
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Dir {
    ToServer,
    ToClient,
}

impl Dir {
    fn index(self) -> usize {
        match self {
            Dir::ToServer => 0,
            Dir::ToClient => 1,
        }
    }

    fn other(self) -> Dir {
        match self {
            Dir::ToServer => Dir::ToClient,
            Dir::ToClient => Dir::ToServer,
        }
    }
}

/// Which flow a packet belongs to, its direction, and the length of its innermost IP packet.
#[derive(Clone, Copy, Debug)]
pub struct Acct {
    pub flow: Flow,
    pub dir: Dir,
    pub ip_len: u64,
}

/// What a packet is to the round-trip times of its flow (see `expected_rtt`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Role {
    /// A TCP segment with these flags (set by [`TcpConn`] on every segment).
    Tcp(u8),
    /// A request (STUN transaction ID, DNS ID, QUIC Initial), answered by the first
    /// [`Role::Answer`] with the same id travelling the other way.
    Request(u128),
    /// An answer to the [`Role::Request`] with the same id.
    Answer(u128),
}

/// Packet bytes at some layer (IP, then wrapped in tunnels and link headers) plus accounting.
#[derive(Clone, Debug)]
pub struct Pkt {
    pub data: Vec<u8>,
    pub acct: Option<Acct>,
    pub role: Option<Role>,
}

impl Pkt {
    /// An IP packet of `flow`; its IP length is what it counts for.
    pub fn ip(flow: Flow, dir: Dir, ip: Vec<u8>) -> Pkt {
        let ip_len = u64::try_from(ip.len()).expect("length fits in u64");
        Pkt {
            data: ip,
            acct: Some(Acct { flow, dir, ip_len }),
            role: None,
        }
    }

    /// A frame that belongs to no flow (ARP).
    pub fn unattributed(data: Vec<u8>) -> Pkt {
        Pkt {
            data,
            acct: None,
            role: None,
        }
    }

    pub fn dir(&self) -> Dir {
        self.acct.expect("packet belongs to a flow").dir
    }

    /// Encapsulates the bytes; the accounting (innermost IP) stays.
    pub fn wrap(self, f: impl FnOnce(&[u8]) -> Vec<u8>) -> Pkt {
        Pkt {
            data: f(&self.data),
            acct: self.acct,
            role: self.role,
        }
    }

    /// The same packet, marked as `role` for the round-trip times.
    pub fn with_role(self, role: Role) -> Pkt {
        Pkt {
            role: Some(role),
            ..self
        }
    }
}

pub fn udp(flow: Flow, dir: Dir, payload: &[u8]) -> Pkt {
    assert_eq!(flow.transport, Transport::Udp);
    let (src, dst) = flow.ends(dir);
    let segment = udp_segment(src, dst, payload);
    Pkt::ip(
        flow,
        dir,
        ip_packet(src.ip(), dst.ip(), PROTO_UDP, &segment),
    )
}

/// One TCP connection; tracks sequence numbers so that every segment acknowledges all the
/// peer has sent so far.
pub struct TcpConn {
    flow: Flow,
    next_seq: [u32; 2],
}

impl TcpConn {
    pub fn new(flow: Flow, client_isn: u32, server_isn: u32) -> TcpConn {
        assert_eq!(flow.transport, Transport::Tcp);
        TcpConn {
            flow,
            next_seq: [client_isn, server_isn],
        }
    }

    pub fn syn(&mut self) -> Pkt {
        self.segment(Dir::ToServer, SYN, &[])
    }

    pub fn syn_ack(&mut self) -> Pkt {
        self.segment(Dir::ToClient, SYN | ACK, &[])
    }

    pub fn ack(&mut self, dir: Dir) -> Pkt {
        self.segment(dir, ACK, &[])
    }

    pub fn push(&mut self, dir: Dir, payload: &[u8]) -> Pkt {
        self.segment(dir, PSH | ACK, payload)
    }

    pub fn fin(&mut self, dir: Dir) -> Pkt {
        self.segment(dir, FIN | ACK, &[])
    }

    pub fn segment(&mut self, dir: Dir, flags: u8, payload: &[u8]) -> Pkt {
        let me = dir.index();
        let seq = self.next_seq[me];
        let consumed = len32(payload.len()) + u32::from(flags & (SYN | FIN) != 0);
        self.next_seq[me] = seq.wrapping_add(consumed);
        self.build(dir, seq, flags, payload)
    }

    /// A data segment carrying `payload` at byte `offset` past `dir`'s next sequence number,
    /// without consuming it: for segments sent out of order or retransmitted. Call
    /// [`TcpConn::advance`] once the bytes count as sent.
    pub fn segment_at(&mut self, dir: Dir, offset: usize, flags: u8, payload: &[u8]) -> Pkt {
        let seq = self.next_seq[dir.index()].wrapping_add(len32(offset));
        self.build(dir, seq, flags, payload)
    }

    /// A keep-alive: an ACK one byte before `dir`'s next sequence number, without data.
    pub fn keep_alive(&mut self, dir: Dir) -> Pkt {
        let seq = self.next_seq[dir.index()].wrapping_sub(1);
        self.build(dir, seq, ACK, &[])
    }

    /// Moves `dir`'s next sequence number past `n` bytes sent with [`TcpConn::segment_at`].
    pub fn advance(&mut self, dir: Dir, n: usize) {
        let me = dir.index();
        self.next_seq[me] = self.next_seq[me].wrapping_add(len32(n));
    }

    fn build(&self, dir: Dir, seq: u32, flags: u8, payload: &[u8]) -> Pkt {
        let (src, dst) = self.flow.ends(dir);
        let ack = if flags & ACK != 0 {
            self.next_seq[dir.other().index()]
        } else {
            0
        };
        let mss = if src.is_ipv4() { 1460 } else { 1440 };
        let options = if flags & SYN != 0 {
            syn_options(mss)
        } else {
            Vec::new()
        };
        let window = match (dir, flags & SYN != 0) {
            (Dir::ToServer, true) => 64240,
            (Dir::ToClient, true) => 65535,
            (Dir::ToServer, false) => 502,
            (Dir::ToClient, false) => 1026,
        };
        let segment = tcp_segment(
            src,
            dst,
            &TcpFields {
                seq,
                ack,
                flags,
                window,
                options: &options,
                payload,
            },
        );
        Pkt::ip(
            self.flow,
            dir,
            ip_packet(src.ip(), dst.ip(), PROTO_TCP, &segment),
        )
        .with_role(Role::Tcp(flags))
    }
}

/// Splits one UDP datagram into IP fragments of at most `chunk` fragmentable bytes each
/// (returned in offset order). `ident` is the IPv4 identification (16 bits) or the
/// identification of the IPv6 Fragment extension header.
pub fn ip_fragments(flow: Flow, dir: Dir, payload: &[u8], ident: u32, chunk: usize) -> Vec<Pkt> {
    assert_eq!(chunk % 8, 0, "fragment size must be a multiple of 8");
    let (src, dst) = flow.ends(dir);
    let datagram = udp_segment(src, dst, payload);
    datagram
        .chunks(chunk)
        .enumerate()
        .map(|(i, piece)| {
            let offset = i * chunk;
            let more = offset + piece.len() < datagram.len();
            let mut p = fragment_header(src.ip(), dst.ip(), ident, offset, more, piece.len());
            p.extend_from_slice(piece);
            Pkt::ip(flow, dir, p)
        })
        .collect()
}

/// The IP header(s) of one UDP fragment at byte `offset` of the datagram, `len` bytes long.
fn fragment_header(
    src: IpAddr,
    dst: IpAddr,
    ident: u32,
    offset: usize,
    more: bool,
    len: usize,
) -> Vec<u8> {
    let units = u16::try_from(offset / 8).expect("offset fits");
    match (src, dst) {
        (IpAddr::V4(s), IpAddr::V4(d)) => {
            let ident = u16::try_from(ident).expect("IPv4 identification fits in 16 bits");
            let flags_frag = if more { IPV4_MF } else { 0 } | units;
            ipv4_header(s, d, PROTO_UDP, ident, flags_frag, len)
        }
        (IpAddr::V6(s), IpAddr::V6(d)) => {
            let mut h = ipv6_header(s, d, PROTO_IPV6_FRAG, 8 + len);
            h.push(PROTO_UDP);
            h.push(0);
            be16(&mut h, (units << 3) | u16::from(more));
            be32(&mut h, ident);
            h
        }
        _ => panic!("mixed address families {src} / {dst}"),
    }
}
