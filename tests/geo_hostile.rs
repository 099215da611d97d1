//! Hostile `--geo` files: MaxMind DBs written to break a reader (`geo_hostile/mmdb.rs`):
//! records nested without end, sizes past the end of the file, pointers to themselves and
//! into loops, search-tree records that lead nowhere or back to the root, hostile metadata.
//! Each must give a clear refusal at open, or a lookup error that the report carries (the
//! address placed by the other databases, `addresses[].geo.errors`, `summary.geo_errors`,
//! `summary.incomplete: geo-record-errors`, exit 3) — never a hang, a crash, or "no record".

#[path = "cli/mod.rs"]
mod cli;
#[path = "geo_hostile/mmdb.rs"]
mod mmdb;

use mmdb::{Data, Leaf, Mmdb, control, country, map, nested, s};
use residency::place::geo::{GeoDb, RecordError};
use serde_json::Value;
use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::sync::mpsc;
use std::time::Duration;

/// Generous for a debug build: each case takes milliseconds; a hang takes forever.
const DEADLINE: Duration = Duration::from_secs(30);

/// The teams-like.pcap server whose record each hostile database breaks.
const TARGET: &str = "52.113.194.132";

/// Run `f` on another thread; fail the test if it does not finish by the deadline.
fn within_deadline<T: Send + 'static>(what: &str, f: impl FnOnce() -> T + Send + 'static) -> T {
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let _ = tx.send(f());
    });
    rx.recv_timeout(DEADLINE)
        .unwrap_or_else(|e| panic!("{what}: no answer within {DEADLINE:?} ({e})"))
}

/// A GeoIP2-Country-layout database: every IPv4 address in Germany, but the /24 of
/// `TARGET`, whose record `hostile` writes (and returns the search-tree record to it).
fn database(hostile: impl FnOnce(&mut Mmdb) -> Leaf) -> Vec<u8> {
    let mut db = Mmdb::new("Hostile-Country");
    let good = db.add(&country("DE"));
    db.insert(Ipv4Addr::new(0, 0, 0, 0), 1, Leaf::Data(good));
    db.insert(Ipv4Addr::new(128, 0, 0, 0), 1, Leaf::Data(good));
    let leaf = hostile(&mut db);
    db.insert(Ipv4Addr::new(52, 113, 194, 0), 24, leaf);
    db.bytes()
}

/// `{"country": <raw bytes>}`.
fn country_raw(value: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    control(7, 1, &mut out);
    out.extend(s("country").bytes());
    out.extend(value);
    out
}

type Case = (&'static str, fn(&mut Mmdb) -> Leaf);

/// Records no lookup can decode.
const BROKEN_RECORDS: [Case; 7] = [
    ("country nested 100,000 maps deep", |db| {
        Leaf::Data(db.add_raw(&country_raw(&nested(100_000))))
    }),
    ("an unknown field nested 100,000 maps deep", |db| {
        let mut raw = Vec::new();
        control(7, 2, &mut raw);
        raw.extend(s("country").bytes());
        raw.extend(map(vec![("iso_code", s("SE"))]).bytes());
        raw.extend(s("junk").bytes());
        raw.extend(nested(100_000));
        Leaf::Data(db.add_raw(&raw))
    }),
    ("a string claiming 16 MB past the end of the file", |db| {
        let huge = Data::StrClaiming {
            len: 16_000_000,
            body: b"SE".to_vec(),
        };
        Leaf::Data(db.add(&map(vec![("country", map(vec![("iso_code", huge)]))])))
    }),
    ("a map claiming 16 million entries", |db| {
        Leaf::Data(db.add(&Data::MapClaiming {
            len: 16_000_000,
            entries: vec![("country".to_string(), map(vec![("iso_code", s("SE"))]))],
        }))
    }),
    ("a pointer to itself", |db| {
        let at = db.next_offset();
        Leaf::Data(db.add(&Data::Pointer(at)))
    }),
    ("a pointer out of the file", |db| {
        Leaf::Data(db.add(&map(vec![("country", Data::Pointer(0x7fff_fff0))])))
    }),
    ("a search-tree record past the data section", |_| {
        Leaf::Raw(0x00ff_fff0)
    }),
];

fn write(name: &str, bytes: &[u8]) -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_TARGET_TMPDIR")).join("geo_hostile");
    std::fs::create_dir_all(&dir).expect("create the test directory");
    let path = dir.join(format!("{}.mmdb", name.replace([' ', ','], "-")));
    std::fs::write(&path, bytes).expect("write the test database");
    path
}

fn ip(text: &str) -> IpAddr {
    text.parse().expect("an address")
}

#[test]
fn broken_records_are_lookup_errors_with_their_offset_not_no_record() {
    for (name, hostile) in BROKEN_RECORDS {
        let bytes = database(hostile);
        let (target, elsewhere) = within_deadline(name, move || {
            let db = GeoDb::from_user_bytes(bytes, "hostile.mmdb")
                .unwrap_or_else(|e| panic!("{name}: the sound records should open it: {e}"));
            (db.lookup(0, ip(TARGET)), db.lookup(0, ip("52.112.1.10")))
        });
        let answer = elsewhere.unwrap_or_else(|e| panic!("{name}: {e:?}"));
        assert_eq!(
            answer.and_then(|a| a.country).as_deref(),
            Some("DE"),
            "{name}: a sound record beside the broken one"
        );
        match target {
            Err(RecordError {
                db, ip: at, detail, ..
            }) => {
                assert_eq!((db, at), (0, ip(TARGET)), "{name}");
                assert!(!detail.is_empty(), "{name}");
                println!("{name}: {detail}");
            }
            Ok(found) => panic!("{name}: read as {found:?}, not as an error"),
        }
    }
}

#[test]
fn loops_end_where_the_reader_stops_following() {
    // A search tree whose node for TARGET's /24 is the root again: the walk takes one step a
    // bit, 32 for IPv4, whatever the nodes say, so it ends (here on the sound record of
    // 128.0.0.0/1, which the last 8 bits lead to from the root).
    let bytes = database(|_| Leaf::Node(0));
    let found = within_deadline("tree loop", move || {
        let db = GeoDb::from_user_bytes(bytes, "loop.mmdb").expect("opens");
        db.lookup(0, ip(TARGET))
    });
    let answer = found.expect("an answer").expect("a record");
    assert_eq!(answer.country.as_deref(), Some("DE"));
    // A record holding a pointer to itself, as its country: residency reads a country's
    // `iso_code` and skips everything else without following pointers, so the loop is never
    // entered: a record without a country, read at once.
    let bytes = database(|db| {
        let at = db.next_offset();
        Leaf::Data(db.add(&map(vec![("country", Data::Pointer(at))])))
    });
    let found = within_deadline("pointer cycle", move || {
        let db = GeoDb::from_user_bytes(bytes, "cycle.mmdb").expect("opens");
        db.lookup(0, ip(TARGET))
    });
    assert_eq!(found, Ok(None));
}

#[test]
fn hostile_metadata_is_a_clear_refusal() {
    let cases: [(&str, &str, Vec<u8>); 5] = [
        (
            "an unknown key nested 100,000 maps deep",
            "x_deep",
            nested(100_000),
        ),
        (
            "description nested 100,000 maps deep",
            "description",
            nested(100_000),
        ),
        (
            "description a pointer to itself",
            "description",
            Data::Pointer(0).bytes(),
        ),
        (
            "node count past the file",
            "node_count",
            Data::U32(0x00ff_ffff).bytes(),
        ),
        ("record size 7", "record_size", Data::U16(7).bytes()),
    ];
    for (name, key, value) in cases {
        let mut db = Mmdb::new("Hostile-Country");
        let good = db.add(&country("SE"));
        db.insert(Ipv4Addr::new(0, 0, 0, 0), 1, Leaf::Data(good));
        db.extra_metadata.push((key.to_string(), value));
        let bytes = db.bytes();
        let opened = within_deadline(name, move || {
            GeoDb::from_user_bytes(bytes, "meta.mmdb").map(|db| db.lookup(0, ip(TARGET)))
        });
        match opened {
            Err(e) => {
                let text = e.to_string();
                assert!(text.starts_with("meta.mmdb: "), "{name}: {text}");
                assert!(text.len() < 600, "{name}: {} bytes: {text}", text.len());
                println!("{name}: refused: {text}");
            }
            // Every one of these metadata is refused: opening it would mean reading a file
            // whose own description of itself cannot be decoded.
            Ok(lookup) => panic!("{name}: opened (lookup: {lookup:?}), not refused"),
        }
    }
}

#[test]
fn a_database_with_only_broken_records_is_refused_as_damaged() {
    let mut db = Mmdb::new("Hostile-Country");
    let at = db.next_offset();
    let looped = db.add(&Data::Pointer(at));
    db.insert(Ipv4Addr::new(0, 0, 0, 0), 1, Leaf::Data(looped));
    db.insert(Ipv4Addr::new(128, 0, 0, 0), 1, Leaf::Data(looped));
    let path = write("only-broken", &db.bytes());
    let run = cli::analyze(&[
        "--geo",
        &path.display().to_string(),
        "captures/teams-like.pcap",
    ]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("a damaged MaxMind DB: 2 of the first records read could not be decoded"),
        "{}",
        run.stderr
    );
}

#[test]
fn analyze_reports_the_broken_record_and_places_the_address_without_it() {
    for (n, (name, hostile)) in BROKEN_RECORDS.into_iter().enumerate() {
        let path = write(name, &database(hostile));
        let json = path.with_extension("json");
        let run = cli::analyze(&[
            "--geo",
            &path.display().to_string(),
            "captures/teams-like.pcap",
            "--json",
            &json.display().to_string(),
        ]);
        assert_eq!(run.code, 3, "{name}: {}", run.stderr);
        let text = std::fs::read_to_string(&json).expect("the report");
        let report: Value = serde_json::from_str(&text).expect("JSON");
        cli::schema_check(&report).unwrap_or_else(|e| panic!("{name}: {e}"));
        let summary = &report["summary"];
        assert_eq!(summary["complete"], false, "{name}");
        assert_eq!(
            summary["incomplete"],
            serde_json::json!(["geo-record-errors"]),
            "{name}"
        );
        let errors = summary["geo_errors"].as_array().expect("geo_errors");
        assert_eq!(errors.len(), 1, "{name}: {errors:?}");
        assert_eq!(errors[0]["db"], "Hostile-Country", "{name}");
        assert_eq!(errors[0]["addresses"], 1, "{name}");
        assert_eq!(errors[0]["first"][0]["ip"], TARGET, "{name}");
        // The address: the error beside the embedded databases' answers, which place it.
        let geo = &cli::address(&report, TARGET)["geo"];
        assert_eq!(geo["errors"][0]["db"], "Hostile-Country", "{name}");
        assert_eq!(geo["errors"][0]["build"], "2026-06-16", "{name}");
        assert!(
            geo["errors"][0]["error"]
                .as_str()
                .is_some_and(|e| !e.is_empty())
        );
        assert_eq!(
            geo["country"], "CA",
            "{name}: the embedded databases still answer"
        );
        assert!(
            geo["sources"]
                .as_array()
                .unwrap()
                .iter()
                .all(|s| s["db"] != "Hostile-Country"),
            "{name}"
        );
        // The other addresses: the hostile database's sound record answers first.
        assert_eq!(cli::address(&report, "52.112.1.10")["geo"]["country"], "DE");
        assert!(cli::address(&report, "52.112.1.10")["geo"]["errors"].is_null());
        assert!(
            run.stdout.contains(
                "Hostile-Country: 1 destination(s) met a record this database cannot decode"
            ),
            "{name}: {}",
            run.stdout
        );
        if n == 0 {
            println!(
                "{}",
                run.stdout
                    .lines()
                    .filter(|l| l.contains("Hostile") || l.contains("e.g."))
                    .collect::<Vec<_>>()
                    .join("\n")
            );
        }
    }
}

#[test]
fn lookup_shows_the_damaged_record_and_exits_3() {
    let (name, hostile) = BROKEN_RECORDS[4];
    let path = write(name, &database(hostile));
    let geo = path.display().to_string();
    let run = cli::residency(&["lookup", "--geo", &geo, TARGET, "52.112.1.10"]);
    assert_eq!(run.code, 3, "{}", run.stderr);
    let line = run
        .stdout
        .lines()
        .find(|l| l.starts_with(TARGET))
        .unwrap_or("");
    assert!(
        line.contains("Hostile-Country=damaged-record"),
        "{}",
        run.stdout
    );
    assert!(run.stdout.contains("Hostile-Country=DE"), "{}", run.stdout);
    let sound = cli::residency(&["lookup", "--geo", &geo, "52.112.1.10"]);
    assert_eq!(sound.code, 0, "{}", sound.stderr);
}
