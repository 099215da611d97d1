//! A DNS server for tests, on 127.0.0.1, written by hand: it answers PTR questions for the
//! reverse names it is given and NXDOMAIN for everything else, over UDP and (on the same port,
//! when free) TCP, and records every question it was asked.

use std::collections::{BTreeMap, BTreeSet};
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream, UdpSocket};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::Duration;

/// How often the server threads look at their stop flag.
const POLL: Duration = Duration::from_millis(50);
const TYPE_PTR: u16 = 12;

/// How the test server answers over UDP. TCP (on the same port, when free) always answers.
#[derive(Clone, Copy, PartialEq)]
pub enum Udp {
    Answer,
    /// An empty response with TC set: the client must retry over TCP.
    Truncate,
}

/// What the server threads share.
struct State {
    /// Reverse name (lowercase, no final dot) -> the PTR target to answer.
    ptr: BTreeMap<String, String>,
    /// Each question as "udp NAME" or "tcp NAME", in arrival order.
    asked: Mutex<Vec<String>>,
    stop: AtomicBool,
}

/// The running server; dropping it stops its threads.
pub struct FakeDns {
    pub port: u16,
    /// Whether TCP is served too (its port may be taken by someone else).
    pub tcp: bool,
    state: Arc<State>,
    threads: Vec<JoinHandle<()>>,
}

impl FakeDns {
    pub fn start(mode: Udp, ptr: BTreeMap<String, String>) -> FakeDns {
        let udp = UdpSocket::bind("127.0.0.1:0").expect("bind udp");
        udp.set_read_timeout(Some(POLL)).unwrap();
        let port = udp.local_addr().unwrap().port();
        let tcp = TcpListener::bind(("127.0.0.1", port)).ok();
        let state = Arc::new(State {
            ptr,
            asked: Mutex::new(Vec::new()),
            stop: AtomicBool::new(false),
        });
        let mut threads = Vec::new();
        let s = state.clone();
        threads.push(std::thread::spawn(move || serve_udp(&udp, mode, &s)));
        let has_tcp = tcp.is_some();
        if let Some(listener) = tcp {
            let s = state.clone();
            threads.push(std::thread::spawn(move || serve_tcp(&listener, &s)));
        }
        FakeDns {
            port,
            tcp: has_tcp,
            state,
            threads,
        }
    }

    /// Every question so far, "udp NAME" or "tcp NAME", in arrival order.
    pub fn asked(&self) -> Vec<String> {
        self.state.asked.lock().unwrap().clone()
    }

    /// Distinct names asked, whatever the transport.
    pub fn names(&self) -> BTreeSet<String> {
        self.asked()
            .iter()
            .map(|q| q.split_once(' ').unwrap().1.to_string())
            .collect()
    }
}

impl Drop for FakeDns {
    fn drop(&mut self) {
        self.state.stop.store(true, Ordering::Relaxed);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

fn serve_udp(socket: &UdpSocket, mode: Udp, state: &State) {
    let mut buf = [0u8; 4096];
    while !state.stop.load(Ordering::Relaxed) {
        let Ok((n, from)) = socket.recv_from(&mut buf) else {
            continue;
        };
        if let Some(reply) = respond(&buf[..n], mode == Udp::Truncate, "udp", state) {
            let _ = socket.send_to(&reply, from);
        }
    }
}

fn serve_tcp(listener: &TcpListener, state: &State) {
    listener.set_nonblocking(true).unwrap();
    while !state.stop.load(Ordering::Relaxed) {
        match listener.accept() {
            Ok((stream, _)) => serve_tcp_stream(stream, state),
            Err(_) => std::thread::sleep(POLL),
        }
    }
}

/// Length-prefixed messages (RFC 1035 4.2.2) until the client closes or goes quiet.
fn serve_tcp_stream(mut stream: TcpStream, state: &State) {
    let _ = stream.set_nonblocking(false);
    let _ = stream.set_read_timeout(Some(Duration::from_secs(2)));
    loop {
        let mut len = [0u8; 2];
        if stream.read_exact(&mut len).is_err() {
            return;
        }
        let mut message = vec![0u8; usize::from(u16::from_be_bytes(len))];
        if stream.read_exact(&mut message).is_err() {
            return;
        }
        let Some(reply) = respond(&message, false, "tcp", state) else {
            return;
        };
        let mut framed = u16::try_from(reply.len()).unwrap().to_be_bytes().to_vec();
        framed.extend_from_slice(&reply);
        if stream.write_all(&framed).is_err() {
            return;
        }
    }
}

/// The question of a query: (lowercased name without the final dot, type, end offset).
fn question(query: &[u8]) -> Option<(String, u16, usize)> {
    if query.len() < 12 || u16::from_be_bytes([query[4], query[5]]) != 1 {
        return None;
    }
    let mut labels = Vec::new();
    let mut at = 12;
    loop {
        let len = usize::from(*query.get(at)?);
        at += 1;
        if len == 0 {
            break;
        }
        if len > 63 {
            return None; // queries carry no compression pointers
        }
        labels.push(String::from_utf8_lossy(query.get(at..at + len)?).to_ascii_lowercase());
        at += len;
    }
    let qtype = u16::from_be_bytes([*query.get(at)?, *query.get(at + 1)?]);
    query.get(at + 2..at + 4)?;
    Some((labels.join("."), qtype, at + 4))
}

fn encode_name(name: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for label in name.trim_end_matches('.').split('.') {
        out.push(u8::try_from(label.len()).unwrap());
        out.extend_from_slice(label.as_bytes());
    }
    out.push(0);
    out
}

/// The response to one query: the PTR record for a known reverse name, NXDOMAIN for an unknown
/// name; with `truncate`, no records and TC set.
fn respond(query: &[u8], truncate: bool, proto: &str, state: &State) -> Option<Vec<u8>> {
    let (name, qtype, end) = question(query)?;
    state.asked.lock().unwrap().push(format!("{proto} {name}"));
    let target = state.ptr.get(&name);
    let answer = target.filter(|_| qtype == TYPE_PTR && !truncate);
    let rcode: u16 = if target.is_some() { 0 } else { 3 };
    let tc: u16 = if truncate { 0x0200 } else { 0 };
    // QR, the query's opcode and RD, TC, RA, RCODE.
    let flags = 0x8000 | (u16::from_be_bytes([query[2], query[3]]) & 0x7900) | tc | 0x0080 | rcode;
    let mut out = Vec::new();
    out.extend_from_slice(&query[0..2]);
    out.extend_from_slice(&flags.to_be_bytes());
    for count in [1, u16::from(answer.is_some()), 0, 0] {
        out.extend_from_slice(&u16::to_be_bytes(count));
    }
    out.extend_from_slice(&query[12..end]);
    if let Some(target) = answer {
        let target = encode_name(target);
        out.extend_from_slice(&[0xc0, 0x0c]); // the question's name
        out.extend_from_slice(&TYPE_PTR.to_be_bytes());
        out.extend_from_slice(&1u16.to_be_bytes()); // IN
        out.extend_from_slice(&300u32.to_be_bytes());
        out.extend_from_slice(&u16::try_from(target.len()).unwrap().to_be_bytes());
        out.extend_from_slice(&target);
    }
    Some(out)
}

/// `10.1.112.52.in-addr.arpa` for `52.112.1.10`.
pub fn reverse_name(ipv4: &str) -> String {
    let mut octets: Vec<&str> = ipv4.split('.').collect();
    octets.reverse();
    format!("{}.in-addr.arpa", octets.join("."))
}
