//! loss.pcap: TCP connections from which the capture missed segments, for the capture-loss
//! estimate (docs/capture-loss.md): ACKs of data never seen, a loss before the capture point
//! that the sender repaired (not capture loss), a keep-alive, a connection seen from its
//! middle, a refused one. Each record keeps 128 bytes: data segments are cut, their lengths as
//! sent count.

use super::Capture;
use super::bytes::filler;
use super::flow::{Dir, Flow, TcpConn};
use super::link::{Link, mac};
use super::packet::{ACK, PSH, RST};
use super::timestamp::{NS_PER_S, T0, us};
use super::write::{LINKTYPE_ETHERNET, PcapFormat, Recs};

/// Bytes each record keeps.
pub const LOSS_SNAPLEN: u32 = 128;
/// Full-size segments of the first connection.
const MSS: usize = 1400;

pub fn loss_capture() -> Capture {
    let link = Link::new(mac(0x0e10), mac(0x0e01));
    let mut recs = Recs::default();
    let mut at = |t: u64, pkt| recs.at(t, link.frame(pkt));
    let data = |len: usize, seed: u32| filler(len, seed);

    // A: minute 0. Four server segments, the second missed, then an ACK of all four (a hole
    // with later data seen); two more missed, then an ACK of them (beyond all data seen).
    let mut a = TcpConn::new(
        Flow::tcp("10.5.0.10:50001", "198.51.100.10:443"),
        0x0a00_0000,
        0x5a00_0000,
    );
    let t = T0;
    at(t, a.syn());
    at(t + us(20_000), a.syn_ack());
    at(t + us(20_100), a.ack(Dir::ToServer));
    at(t + us(20_200), a.push(Dir::ToServer, &data(300, 0xe001)));
    at(t + us(40_000), a.push(Dir::ToClient, &data(MSS, 0xe002)));
    let _missed = a.push(Dir::ToClient, &data(MSS, 0xe003));
    at(t + us(40_200), a.push(Dir::ToClient, &data(MSS, 0xe004)));
    at(t + us(40_300), a.push(Dir::ToClient, &data(MSS, 0xe005)));
    at(t + us(40_400), a.ack(Dir::ToServer));
    let _missed = a.push(Dir::ToClient, &data(MSS, 0xe006));
    let _missed = a.push(Dir::ToClient, &data(MSS, 0xe007));
    at(t + us(60_700), a.ack(Dir::ToServer));
    at(t + us(80_000), a.push(Dir::ToClient, &data(200, 0xe008)));
    at(t + us(80_100), a.fin(Dir::ToServer));
    at(t + us(100_000), a.fin(Dir::ToClient));
    at(t + us(100_100), a.ack(Dir::ToServer));

    // B: minute 1, the server's sequence numbers cross 2^32. Its second segment is lost before
    // the capture point: the client repeats its ACK, the server resends, nothing is missing
    // from the capture. Then a keep-alive and its ACK.
    let mut b = TcpConn::new(
        Flow::tcp("10.5.0.10:50002", "198.51.100.20:443"),
        0x0b00_0000,
        0xffff_fc00,
    );
    let t = T0 + 61 * NS_PER_S;
    at(t, b.syn());
    at(t + us(15_000), b.syn_ack());
    at(t + us(15_100), b.ack(Dir::ToServer));
    at(t + us(15_200), b.push(Dir::ToServer, &data(200, 0xe101)));
    at(t + us(30_000), b.push(Dir::ToClient, &data(1000, 0xe102)));
    let lost = data(1000, 0xe103);
    at(
        t + us(30_200),
        b.segment_at(Dir::ToClient, 1000, PSH | ACK, &data(1000, 0xe104)),
    );
    at(t + us(30_300), b.ack(Dir::ToServer));
    at(t + us(45_000), b.segment_at(Dir::ToClient, 0, ACK, &lost));
    b.advance(Dir::ToClient, 2000);
    at(t + us(45_100), b.ack(Dir::ToServer));
    at(t + us(20_000_000), b.keep_alive(Dir::ToServer));
    at(t + us(20_015_000), b.ack(Dir::ToClient));
    at(t + us(25_000_000), b.fin(Dir::ToServer));
    at(t + us(25_015_000), b.fin(Dir::ToClient));
    at(t + us(25_015_100), b.ack(Dir::ToServer));

    // C: minute 1, seen from its middle: the first packet is the client's ACK of server data
    // sent before the capture began (not checked). Then 500 bytes seen, 800 missed and ACKed.
    let mut c = TcpConn::new(
        Flow::tcp("10.5.0.11:50003", "203.0.113.30:443"),
        0x0c00_0000,
        0x5c00_0000,
    );
    c.advance(Dir::ToServer, 5_000);
    c.advance(Dir::ToClient, 20_000);
    let t = T0 + 62 * NS_PER_S;
    at(t, c.ack(Dir::ToServer));
    at(t + us(10_000), c.push(Dir::ToClient, &data(500, 0xe201)));
    at(t + us(10_100), c.ack(Dir::ToServer));
    let _missed = c.push(Dir::ToClient, &data(800, 0xe202));
    at(t + us(20_100), c.ack(Dir::ToServer));
    at(t + us(30_000), c.push(Dir::ToClient, &data(300, 0xe203)));
    at(t + us(30_100), c.ack(Dir::ToServer));

    // D: minute 1, refused: a SYN and the server's RST/ACK (its ACK is checked).
    let mut d = TcpConn::new(
        Flow::tcp("10.5.0.12:50004", "198.51.100.40:8443"),
        0x0d00_0000,
        0,
    );
    let t = T0 + 63 * NS_PER_S;
    at(t, d.syn());
    at(t + us(12_000), d.segment(Dir::ToClient, RST | ACK, &[]));

    let recs = recs.sorted();
    let format = PcapFormat::new(LINKTYPE_ETHERNET);
    let mut capture = Capture::pcap("loss.pcap", format, LOSS_ABOUT, &recs);
    capture.bytes = format.file_cut(&recs, LOSS_SNAPLEN);
    capture.format = format!("{}, records cut to {LOSS_SNAPLEN} bytes", format.describe());
    capture
}

const LOSS_ABOUT: &str = "Client 10.5.0.10-12; records cut to 128 bytes (data segments are \
cut, their lengths as sent count). Segments the capture missed, for the capture-loss estimate \
(docs/capture-loss.md), compared with tshark's tcp.analysis.ack_lost_segment by \
tests/oracle_tshark_loss.rs:
- 198.51.100.10:443, minute 0 (packets 1-13): the server's second 1400-byte segment is missed \
and the client's ACK (packet 8) covers it and the two segments after it (a hole with later \
data seen: 1400 bytes); two more 1400-byte segments are missed and ACKed (packet 9: 2800 \
bytes beyond all data seen); 200 more bytes, FIN both ways. Expected: 2 gaps (to_client) in \
12 checked ACKs, 4200 bytes. tshark 4.0 also flags packet 11 (it counts the hole of packet 9 \
again once new data follows).
- 198.51.100.20:443, minute 1 (packets 14-22, 31-35): the server's sequence numbers cross \
2^32; its second 1000-byte segment is lost before the capture point (the client repeats its \
ACK, the server resends it: not capture loss); a keep-alive (sequence number one before the \
next) and its ACK 20 s later. Expected: 0 gaps in 13 checked ACKs.
- 203.0.113.30:443, minute 1 (packets 23-28): the capture starts mid-connection with the \
client's ACK of data never seen (not checked); 500 bytes seen, 800 missed and ACKed (packet \
26), 300 more seen. Expected: 1 gap (to_client) in 5 checked ACKs, 800 bytes. tshark 4.0 also \
flags packet 28 (the same hole again).
- 198.51.100.40:8443, minute 1 (packets 29-30): SYN, RST/ACK. Expected: 0 gaps in 1 checked \
ACK.
In all: 3 gaps in 31 checked ACKs (9.677 %), 5000 bytes; minute 0: 2 in 12, minute 1: 1 in \
19.";
