//! A MaxMind DB writer that can write what no real writer would: records nested without
//! end, sizes past the end of the file, pointers to themselves, search-tree records that lead
//! nowhere. Hand-written because the `mmdb_writer` crate (used for the sound fixtures in
//! `geo_layouts/`) only writes valid files. Format: MaxMind DB File Format Specification 2.0
//! (https://maxmind.github.io/MaxMind-DB/): a binary search tree of 24-bit records, 16 zero
//! bytes, the data section, then `\xAB\xCD\xEFMaxMind.com` and the metadata map.

use std::net::Ipv4Addr;

/// One value of the data section, as bytes (`Data::bytes`).
pub enum Data {
    Str(String),
    /// A string whose control bytes claim `len` bytes; only `body` follow.
    StrClaiming {
        len: u32,
        body: Vec<u8>,
    },
    U16(u16),
    U32(u32),
    U64(u64),
    Map(Vec<(String, Data)>),
    /// A map whose control bytes claim `len` entries; only `entries` follow.
    MapClaiming {
        len: u32,
        entries: Vec<(String, Data)>,
    },
    Array(Vec<Data>),
    /// A pointer to an offset in the data section.
    Pointer(u32),
}

pub fn s(text: &str) -> Data {
    Data::Str(text.to_string())
}

pub fn map(entries: Vec<(&str, Data)>) -> Data {
    Data::Map(
        entries
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
    )
}

/// The control byte(s) of a value of `kind` (1–15) and `size`.
pub fn control(kind: u8, size: u32, out: &mut Vec<u8>) {
    let (bits, extra): (u8, Vec<u8>) = match size {
        0..=28 => (size as u8, vec![]),
        29..=284 => (29, vec![(size - 29) as u8]),
        285..=65_820 => (30, ((size - 285) as u16).to_be_bytes().to_vec()),
        _ => (31, (size - 65_821).to_be_bytes()[1..].to_vec()),
    };
    if kind <= 7 {
        out.push(kind << 5 | bits);
    } else {
        out.push(bits);
        out.push(kind - 7);
    }
    out.extend(extra);
}

impl Data {
    pub fn bytes(&self) -> Vec<u8> {
        let mut out = Vec::new();
        self.write(&mut out);
        out
    }

    fn write(&self, out: &mut Vec<u8>) {
        match self {
            Data::Str(text) => {
                control(2, text.len() as u32, out);
                out.extend(text.as_bytes());
            }
            Data::StrClaiming { len, body } => {
                control(2, *len, out);
                out.extend(body);
            }
            Data::U16(v) => {
                control(5, 2, out);
                out.extend(v.to_be_bytes());
            }
            Data::U32(v) => {
                control(6, 4, out);
                out.extend(v.to_be_bytes());
            }
            Data::U64(v) => {
                control(9, 8, out);
                out.extend(v.to_be_bytes());
            }
            Data::Map(entries) => Data::write_map(entries.len() as u32, entries, out),
            Data::MapClaiming { len, entries } => Data::write_map(*len, entries, out),
            Data::Array(items) => {
                control(11, items.len() as u32, out);
                for item in items {
                    item.write(out);
                }
            }
            Data::Pointer(to) => {
                // The 32-bit form: size bits 11, the value in the next four bytes.
                out.push(0b0011_1000);
                out.extend(to.to_be_bytes());
            }
        }
    }

    fn write_map(len: u32, entries: &[(String, Data)], out: &mut Vec<u8>) {
        control(7, len, out);
        for (key, value) in entries {
            Data::Str(key.clone()).write(out);
            value.write(out);
        }
    }
}

/// Where a search-tree record leads.
#[derive(Clone, Copy, Debug)]
pub enum Leaf {
    Empty,
    Node(u32),
    /// An offset in the data section.
    Data(u32),
    /// A raw 24-bit record value, whatever it means.
    Raw(u32),
}

/// An IPv4 database under construction.
pub struct Mmdb {
    nodes: Vec<[Leaf; 2]>,
    data: Vec<u8>,
    pub database_type: String,
    /// Metadata entries replacing or added to the required ones: key and encoded value.
    pub extra_metadata: Vec<(String, Vec<u8>)>,
}

impl Mmdb {
    pub fn new(database_type: &str) -> Mmdb {
        Mmdb {
            nodes: vec![[Leaf::Empty, Leaf::Empty]],
            data: Vec::new(),
            database_type: database_type.to_string(),
            extra_metadata: Vec::new(),
        }
    }

    /// Append raw bytes to the data section; returns their offset.
    pub fn add_raw(&mut self, bytes: &[u8]) -> u32 {
        let at = self.data.len() as u32;
        self.data.extend(bytes);
        at
    }

    pub fn add(&mut self, value: &Data) -> u32 {
        self.add_raw(&value.bytes())
    }

    /// The offset the next value will have.
    pub fn next_offset(&self) -> u32 {
        self.data.len() as u32
    }

    /// Route `network/prefix` to `leaf` (broader networks first: a longer prefix splits what
    /// an earlier one set).
    pub fn insert(&mut self, network: Ipv4Addr, prefix: u8, leaf: Leaf) {
        let bits = u32::from(network);
        let mut node = 0usize;
        for depth in 0..prefix {
            let bit = ((bits >> (31 - depth)) & 1) as usize;
            if depth + 1 == prefix {
                self.nodes[node][bit] = leaf;
                return;
            }
            node = match self.nodes[node][bit] {
                Leaf::Node(next) => next as usize,
                inherited => {
                    let next = self.nodes.len();
                    self.nodes.push([inherited, inherited]);
                    self.nodes[node][bit] = Leaf::Node(next as u32);
                    next
                }
            };
        }
    }

    pub fn bytes(&self) -> Vec<u8> {
        let count = self.nodes.len() as u32;
        let mut out = Vec::new();
        for node in &self.nodes {
            for leaf in node {
                let value = match *leaf {
                    Leaf::Empty => count,
                    Leaf::Node(n) => n,
                    Leaf::Data(offset) => count + 16 + offset,
                    Leaf::Raw(v) => v,
                };
                out.extend(&value.to_be_bytes()[1..]);
            }
        }
        out.extend([0u8; 16]);
        out.extend(&self.data);
        out.extend(b"\xAB\xCD\xEFMaxMind.com");
        let mut meta: Vec<(String, Vec<u8>)> = [
            ("node_count", Data::U32(count)),
            ("record_size", Data::U16(24)),
            ("ip_version", Data::U16(4)),
            ("database_type", s(&self.database_type)),
            ("languages", Data::Array(vec![s("en")])),
            ("binary_format_major_version", Data::U16(2)),
            ("binary_format_minor_version", Data::U16(0)),
            // 2026-06-16 00:00:00 UTC.
            ("build_epoch", Data::U64(1_781_568_000)),
            (
                "description",
                map(vec![("en", s("residency hostile test file"))]),
            ),
        ]
        .into_iter()
        .map(|(k, v)| (k.to_string(), v.bytes()))
        .collect();
        for (k, v) in &self.extra_metadata {
            meta.retain(|(key, _)| key != k);
            meta.push((k.clone(), v.clone()));
        }
        control(7, meta.len() as u32, &mut out);
        for (k, v) in meta {
            Data::Str(k).write(&mut out);
            out.extend(v);
        }
        out
    }
}

/// `{"country": {"iso_code": code}}`: a GeoIP2 Country record.
pub fn country(code: &str) -> Data {
    map(vec![("country", map(vec![("iso_code", s(code))]))])
}

/// A value nested `depth` maps deep (`{"x": {"x": … "deep" …}}`).
pub fn nested(depth: usize) -> Vec<u8> {
    let mut out = Vec::new();
    for _ in 0..depth {
        control(7, 1, &mut out);
        Data::Str("x".to_string()).write(&mut out);
    }
    Data::Str("deep".to_string()).write(&mut out);
    out
}
