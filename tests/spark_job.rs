//! The Spark job (`docs/scale/spark/residency_job.py`), run for real with `spark-submit` in
//! Spark's local mode (PySpark from PyPI and a Java runtime; `tests/run` installs both), over
//! the shipped and shared captures split into sites: each site's report, flows and addresses
//! equal those of `residency analyze` run directly on the same files in the same order, and the
//! partitioned dataset and the aggregates (read back with DuckDB) sum to those reports.
#![cfg(feature = "parquet")]

mod cli;

use pcap_file::pcap::{PcapReader, PcapWriter};
use serde_json::Value;
use sha2::Digest;
use std::path::{Path, PathBuf};
use std::process::Command;

fn job_script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("docs/scale/spark/residency_job.py")
}

/// Whether `spark-submit` (PySpark's) runs, or why not.
fn spark_submit() -> Result<(), String> {
    match Command::new("spark-submit").arg("--version").output() {
        Ok(out) if out.status.success() => Ok(()),
        _ => Err(
            "spark-submit (PySpark, with a Java runtime) is not here; tests/run installs it"
                .to_string(),
        ),
    }
}

/// Run a Python script with the job's module importable; its standard output as JSON.
fn python_with_job(script: &str) -> Value {
    let out = Command::new("python3")
        .args(["-c", script])
        .env("PYTHONPATH", job_script().parent().unwrap())
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .output()
        .expect("python3");
    assert!(
        out.status.success(),
        "python3 failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    serde_json::from_str(stdout.lines().last().unwrap_or_default())
        .unwrap_or_else(|e| panic!("{e}: {stdout}"))
}

/// Split a pcap file into two rotated parts: its first `n` packets, then the rest.
fn split(src: &Path, n: usize, first: &Path, second: &Path) {
    let mut reader = PcapReader::new(std::fs::File::open(src).unwrap()).unwrap();
    let header = reader.header();
    let mut a = PcapWriter::with_header(std::fs::File::create(first).unwrap(), header).unwrap();
    let mut b = PcapWriter::with_header(std::fs::File::create(second).unwrap(), header).unwrap();
    let mut i = 0;
    while let Some(packet) = reader.next_packet() {
        let packet = packet.unwrap();
        if i < n { &mut a } else { &mut b }
            .write_packet(&packet)
            .unwrap();
        i += 1;
    }
    assert!(i > n, "{} has more than {n} packets", src.display());
}

fn copy_into(dir: &Path, files: &[PathBuf]) {
    std::fs::create_dir_all(dir).unwrap();
    for f in files {
        std::fs::copy(f, dir.join(f.file_name().unwrap())).unwrap();
    }
}

/// The shared captures (pcap and pcapng), or none after saying why.
fn shared_captures() -> Vec<PathBuf> {
    let dir = cli::shared_dir();
    let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| p.extension().is_some_and(|x| x == "pcap" || x == "pcapng"))
                .collect()
        })
        .unwrap_or_default();
    found.sort();
    if found.is_empty() {
        cli::skip(&format!(
            "{} holds no captures (real captures from a public DPI test suite): the job runs on \
             the shipped captures only",
            dir.display()
        ));
    }
    found
}

fn shipped(names: &[&str]) -> Vec<PathBuf> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("captures");
    names.iter().map(|n| root.join(n)).collect()
}

fn read_json(path: &Path) -> Value {
    serde_json::from_slice(
        &std::fs::read(path).unwrap_or_else(|e| panic!("{}: {e}", path.display())),
    )
    .unwrap()
}

fn sha256(path: &Path) -> String {
    sha2::Sha256::digest(std::fs::read(path).unwrap())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// The job over three sites (one of them two rotated parts given in the wrong order by name,
/// and a truncated capture), checked against direct runs of residency.
#[test]
fn the_spark_job_answers_as_direct_runs_site_by_site() {
    if let Err(why) = spark_submit() {
        return cli::skip(&why);
    }
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("sites");
    // hq: names.pcap as two rotated parts whose names sort the wrong way round.
    let hq = sites.join("hq");
    std::fs::create_dir_all(&hq).unwrap();
    split(
        &shipped(&["names.pcap"])[0],
        40,
        &hq.join("b-first.pcap"),
        &hq.join("a-second.pcap"),
    );
    copy_into(&hq, &shipped(&["teams-like.pcap", "truncated.pcap"]));
    copy_into(
        &sites.join("branch"),
        &shipped(&[
            "rtt.pcap",
            "ipv6.pcapng",
            "ns.pcap",
            "gquic.pcap",
            "regions.pcap",
        ]),
    );
    let shared = shared_captures();
    if !shared.is_empty() {
        copy_into(&sites.join("shared"), &shared);
    }
    let out = dir.path().join("out");
    let binary = env!("CARGO_BIN_EXE_residency");
    let job = |out: &Path| {
        Command::new("spark-submit")
            .args(["--master", "local[2]", "--conf", "spark.ui.enabled=false"])
            .arg(job_script())
            .args(["--binary", binary, "--home", "SE", "--out"])
            .arg(out)
            .arg(&sites)
            .output()
            .expect("spark-submit")
    };
    let run = job(&out);
    let stdout = String::from_utf8_lossy(&run.stdout).into_owned();
    let stderr = String::from_utf8_lossy(&run.stderr);
    // truncated.pcap: the job's status is residency's for a damaged input.
    assert_eq!(run.status.code(), Some(3), "{stdout}\n{stderr}");
    assert!(stdout.contains("hq: 4 parts"), "{stdout}");
    assert!(!out.with_extension("partial").exists());
    assert!(out.join("_COMPLETE").is_file(), "written after the rename");

    let runs = read_json(&out.join("runs.json"));
    assert_eq!(runs["schema"], "residency.spark-run/1");
    assert_eq!(runs["binary"]["sha256"], sha256(Path::new(binary)));
    assert_eq!(runs["residency_args"], serde_json::json!(["--home", "SE"]));
    let mut reports = Vec::new();
    for site in runs["sites"].as_array().unwrap() {
        let name = site["site"].as_str().unwrap();
        let parts = site["parts"].as_array().unwrap();
        let paths: Vec<String> = parts
            .iter()
            .map(|p| {
                p["uri"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("file:")
                    .to_string()
            })
            .collect();
        let expected_parts = std::fs::read_dir(sites.join(name)).unwrap().count();
        assert_eq!(
            paths.len(),
            expected_parts,
            "{name}: every part is analysed"
        );
        // Ordered by first packet (parts without one last), and each part's hash is its
        // file's.
        let firsts: Vec<Option<u64>> = parts
            .iter()
            .map(|p| p["first_packet_ns"].as_u64())
            .collect();
        assert!(
            firsts.is_sorted_by_key(|f| (f.is_none(), *f)),
            "{name}: {firsts:?}"
        );
        for (part, path) in parts.iter().zip(&paths) {
            assert_eq!(part["sha256"], sha256(Path::new(path)), "{path}");
        }
        // The same files in the same order, run directly.
        let direct_json = dir.path().join(format!("direct-{name}.json"));
        let mut args = vec![
            "-q",
            "--home",
            "SE",
            "--sensor",
            name,
            "--json",
            direct_json.to_str().unwrap(),
        ];
        args.extend(paths.iter().map(String::as_str));
        let direct = cli::analyze(&args);
        assert_eq!(
            Some(direct.code),
            site["status"].as_i64().map(|c| c as i32),
            "{name}: {}",
            direct.stderr
        );
        let direct = read_json(&direct_json);
        let from_job = read_json(&out.join(format!("reports/{name}.json")));
        for part in ["settings", "summary", "flows", "addresses"] {
            assert_eq!(from_job[part], direct[part], "{name}: {part}");
        }
        let inputs = |r: &Value| -> Vec<Value> {
            let mut inputs = r["inputs"].as_array().unwrap().clone();
            for i in &mut inputs {
                i.as_object_mut().unwrap().remove("path");
            }
            inputs
        };
        assert_eq!(inputs(&from_job), inputs(&direct), "{name}: inputs");
        assert_eq!(site["flows"], direct["summary"]["flows"]["total"]);
        if name == "hq" {
            let order: Vec<&str> = paths
                .iter()
                .map(|p| p.rsplit('/').next().unwrap())
                .collect();
            let first = order.iter().position(|p| *p == "b-first.pcap").unwrap();
            let second = order.iter().position(|p| *p == "a-second.pcap").unwrap();
            assert!(
                first < second,
                "rotated parts by their first packet: {order:?}"
            );
        }
        reports.push((name.to_string(), direct));
    }
    let names: Vec<&str> = reports.iter().map(|(n, _)| n.as_str()).collect();
    let mut want = vec!["branch", "hq"];
    if !shared.is_empty() {
        want.push("shared");
    }
    assert_eq!(names, want);

    // The dataset and the aggregates, read back with DuckDB (hive partitions: site, day).
    let got = python_with_job(&format!(
        r#"
import duckdb, json
con = duckdb.connect()
flows = "read_parquet('{out}/flows/*/*/*.parquet', hive_partitioning=true)"
def agg(name):
    return f"read_parquet('{out}/aggregates/{{name}}/*.parquet')"
rows = con.execute(f"""SELECT site, count(*), CAST(sum("network.bytes") AS BIGINT),
    CAST(sum("network.packets") AS BIGINT), count(DISTINCT day), min("observer.name")
    FROM {{flows}} GROUP BY site ORDER BY site""").fetchall()
out = {{"flows": {{r[0]: {{"flows": r[1], "bytes": r[2], "packets": r[3], "days": r[4],
                        "sensor": r[5]}} for r in rows}}}}
for q in ["payload_out_of_the_eu_eea", "payload_out_of_the_home_country"]:
    out[q] = {{r[0]: {{"flows": r[1], "payload": r[2]}} for r in con.execute(
        f"SELECT site, CAST(sum(flows) AS BIGINT), CAST(sum(payload_bytes) AS BIGINT) FROM {{agg(q)}} GROUP BY site").fetchall()}}
out["providers"] = con.execute(f"SELECT count(*) FROM {{agg('providers_under_non_eu_law')}}").fetchone()[0]
print(json.dumps(out))
"#,
        out = out.display()
    ));
    for (name, report) in &reports {
        let s = &report["summary"];
        let flows = &got["flows"][name.as_str()];
        assert_eq!(flows["flows"], s["flows"]["total"], "{name}");
        assert_eq!(flows["bytes"], s["bytes"], "{name}");
        assert_eq!(flows["packets"], s["packets"]["in_flows"], "{name}");
        assert_eq!(flows["sensor"], name.as_str());
        assert!(flows["days"].as_u64().unwrap() >= 1);
        for (query, answer) in [
            ("payload_out_of_the_eu_eea", "left_eu_eea"),
            ("payload_out_of_the_home_country", "left_home"),
        ] {
            let yes = &s["answer"][answer]["yes"];
            let row = &got[query][name.as_str()];
            if yes["flows"] == 0 {
                assert!(row.is_null(), "{name} {query}: {row}");
            } else {
                assert_eq!(row["flows"], yes["flows"], "{name} {query}");
                assert_eq!(row["payload"], yes["payload_to_remote"], "{name} {query}");
            }
        }
    }
    assert!(got["providers"].as_u64().unwrap() > 0);

    // OUT/report.json: every site's report merged (`residency merge`), its totals the sums.
    let merged = read_json(&out.join("report.json"));
    assert_eq!(merged["schema"], "residency.merge/1");
    assert_eq!(runs["merge"]["status"], 3, "a site is incomplete");
    let total = |f: &dyn Fn(&Value) -> u64| -> u64 { reports.iter().map(|(_, r)| f(r)).sum() };
    let s = &merged["summary"];
    assert_eq!(
        s["flows"]["total"].as_u64(),
        Some(total(&|r| r["summary"]["flows"]["total"].as_u64().unwrap()))
    );
    assert_eq!(
        s["answer"]["left_eu_eea"]["yes"]["payload_to_remote"].as_u64(),
        Some(total(&|r| {
            r["summary"]["answer"]["left_eu_eea"]["yes"]["payload_to_remote"]
                .as_u64()
                .unwrap()
        }))
    );
    assert_eq!(
        merged["inputs"].as_array().unwrap().len() as u64,
        total(&|r| r["inputs"].as_array().unwrap().len() as u64)
    );
    let merged_from: Vec<&str> = merged["reports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["path"].as_str().unwrap())
        .collect();
    let want_from: Vec<String> = want.iter().map(|s| format!("reports/{s}.json")).collect();
    assert_eq!(merged_from, want_from);

    // The output is never written over: a second run to the same folder is refused.
    let before = std::fs::read(out.join("runs.json")).unwrap();
    let again = job(&out);
    // spark-submit passes the job's standard error on as its standard output.
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&again.stdout),
        String::from_utf8_lossy(&again.stderr)
    );
    assert_eq!(again.status.code(), Some(2), "{said}");
    assert!(said.contains("exists: give a new --out"), "{said}");
    assert_eq!(std::fs::read(out.join("runs.json")).unwrap(), before);
}

/// A pcapng file of one UDP packet whose interface has the resolution `tsresol` (if_tsresol's
/// byte) and the offset `offset` seconds (if_tsoffset), at `ticks` of that resolution; big- or
/// little-endian.
fn pcapng(path: &Path, big_endian: bool, tsresol: u8, offset: i64, ticks: u64) {
    let u16b = |v: u16| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let u32b = |v: u32| {
        if big_endian {
            v.to_be_bytes()
        } else {
            v.to_le_bytes()
        }
    };
    let mut frame = Vec::new();
    etherparse::PacketBuilder::ethernet2([2, 0, 0, 0, 0, 1], [2, 0, 0, 0, 0, 2])
        .ipv4([10, 0, 0, 1], [192, 0, 2, 1], 64)
        .udp(40000, 443)
        .write(&mut frame, b"hello")
        .unwrap();
    let block = |kind: u32, body: &[u8]| -> Vec<u8> {
        let len = (12 + body.len()) as u32;
        [&u32b(kind)[..], &u32b(len), body, &u32b(len)].concat()
    };
    let mut out = block(
        0x0A0D_0D0A,
        &[&u32b(0x1A2B_3C4D)[..], &u16b(1), &u16b(0), &[0xff; 8]].concat(),
    );
    let offset = if big_endian {
        offset.to_be_bytes()
    } else {
        offset.to_le_bytes()
    };
    out.extend(block(
        1,
        &[
            &u16b(1)[..],
            &u16b(0),
            &u32b(65535),
            &u16b(9),
            &u16b(1),
            &[tsresol, 0, 0, 0],
            &u16b(14),
            &u16b(8),
            &offset,
            &u16b(0),
            &u16b(0),
        ]
        .concat(),
    ));
    let mut data = frame.clone();
    data.resize(frame.len().div_ceil(4) * 4, 0);
    out.extend(block(
        6,
        &[
            &u32b(0)[..],
            &u32b((ticks >> 32) as u32),
            &u32b(ticks as u32),
            &u32b(frame.len() as u32),
            &u32b(frame.len() as u32),
            &data,
        ]
        .concat(),
    ));
    std::fs::write(path, out).unwrap();
}

/// The job's own reading of a capture's first packet (to order rotated parts) agrees with
/// residency's on every shipped and shared capture, and on pcapng files made here with a
/// binary resolution, an offset, and either byte order: pcap in micro- and nanoseconds, both
/// byte orders, pcapng with its interfaces' resolutions and offsets.
#[test]
fn the_jobs_first_packet_times_are_residencys() {
    let made = tempfile::tempdir().unwrap();
    let mut files = Vec::new();
    for (i, (big_endian, tsresol, offset, ticks)) in [
        // 2^-20 s: one tick past a whole second is 953.67 ns.
        (true, 0x94u8, 1_000i64, (1_700_000_000u64 << 20) + 1),
        (false, 0x94, -5, (1_700_000_000u64 << 20) + 3),
        (false, 9, 0, 1_700_000_000_123_456_789),
        (true, 3, 7, 1_700_000_000_123),
    ]
    .into_iter()
    .enumerate()
    {
        let path = made.path().join(format!("made-{i}.pcapng"));
        pcapng(&path, big_endian, tsresol, offset, ticks);
        files.push(path);
    }
    files.extend(shipped(&[
        "capwap.pcap",
        "fragments.pcap",
        "gquic.pcap",
        "ipv6.pcapng",
        "loss.pcap",
        "names.pcap",
        "ns.pcap",
        "null-be.pcap",
        "null-le.pcap",
        "ppp.pcap",
        "raw-ipv4.pcap",
        "raw-ipv6.pcap",
        "raw.pcap",
        "raw12.pcap",
        "regions.pcap",
        "rtt-sydney.pcap",
        "rtt.pcap",
        "scan.pcap",
        "sll.pcap",
        "sll2.pcap",
        "teams-like.pcap",
        "tls-preamble.pcap",
        "truncated.pcap",
        "tunnels.pcap",
        "turn.pcap",
        "vlan.pcap",
    ]));
    files.extend(shared_captures());
    let list: Vec<String> = files.iter().map(|f| f.display().to_string()).collect();
    let got = python_with_job(&format!(
        "import json, residency_job\nprint(json.dumps([residency_job.first_packet_ns(f) for f in {list:?}]))"
    ));
    let dir = tempfile::tempdir().unwrap();
    let json = dir.path().join("r.json");
    let mut args = vec!["-q", "--json", json.to_str().unwrap()];
    args.extend(list.iter().map(String::as_str));
    let run = cli::analyze(&args);
    assert!(run.code == 0 || run.code == 3, "{}", run.stderr);
    let report = read_json(&json);
    let inputs = report["inputs"].as_array().unwrap();
    assert_eq!(inputs.len(), files.len());
    for ((input, ns), file) in inputs.iter().zip(got.as_array().unwrap()).zip(&list) {
        let digits = input["precision"].as_u64().unwrap() as u8;
        if file.contains("/made-") {
            assert!(
                ns.is_i64(),
                "{file}: the files made here have a first packet"
            );
        }
        let job = ns
            .as_i64()
            .map(|ns| residency::timestamp::Timestamp::from_nanos(ns).rfc3339(digits));
        assert_eq!(job.as_deref(), input["first_packet"].as_str(), "{file}");
    }
}

/// How the job groups captures: by folder, or by a manifest; a capture in two sites (its flows
/// counted twice) and a site name unfit for a folder or partition are refused.
#[test]
fn the_job_groups_captures_by_site_and_refuses_double_counting() {
    let dir = tempfile::tempdir().unwrap();
    let manifest = |name: &str, rows: &str| {
        let path = dir.path().join(name);
        std::fs::write(&path, format!("site,capture\n{rows}")).unwrap();
        path.display().to_string()
    };
    let good = manifest("good.csv", "lund,/c/x.pcap\nlund,/c/y.pcap\nmalmo,/d/\n");
    let twice = manifest("twice.csv", "lund,/c/x.pcap\nmalmo,/c/x.pcap\n");
    let bad_name = manifest("bad.csv", "lund/x,/c/x.pcap\n");
    let got = python_with_job(&format!(
        r#"
import json, residency_job as j
class Fake:
    def qualified(self, uri):
        return uri
    def captures(self, uri):
        if uri == "/caps":
            return ["/caps/lund/2026-11-01/p.pcap", "/caps/lund/2026-11-02/p.pcap",
                    "/caps/malmo/2026-11-01/p.pcap", "/caps/top.pcap"]
        return ["/d/1.pcap", "/d/2.pcapng"] if uri.endswith("/") else [uri]
def grouped(argv):
    try:
        return j.group(j.parse_args(argv + ["--binary", "b", "--out", "o"]), Fake())
    except j.UsageError as e:
        return str(e)
print(json.dumps({{
    "good": grouped(["--manifest", {good:?}]),
    "folders": grouped(["hdfs://nn/caps/umea/p1.pcap", "/caps/kiruna/p1.pcap", "/caps/umea/p2.pcap"]),
    "nested": grouped(["/caps"]),
    "path": [j.path_of("file:/data/lund/a#1?.pcap"), j.path_of("file:///x/y.pcap"),
             j.path_of("hdfs://nn:8020/c/d.pcap"), j.path_of("plain/e.pcap")],
    "twice": grouped(["--manifest", {twice:?}]),
    "bad": grouped(["--manifest", {bad_name:?}]),
}}))
"#
    ));
    assert_eq!(
        got["good"],
        serde_json::json!({"lund": ["/c/x.pcap", "/c/y.pcap"], "malmo": ["/d/1.pcap", "/d/2.pcapng"]})
    );
    assert_eq!(
        got["folders"],
        serde_json::json!({"umea": ["hdfs://nn/caps/umea/p1.pcap", "/caps/umea/p2.pcap"], "kiruna": ["/caps/kiruna/p1.pcap"]})
    );
    // Sites are the first folder below the folder given, not the capture's own folder.
    assert_eq!(
        got["nested"],
        serde_json::json!({
            "lund": ["/caps/lund/2026-11-01/p.pcap", "/caps/lund/2026-11-02/p.pcap"],
            "malmo": ["/caps/malmo/2026-11-01/p.pcap"],
            "caps": ["/caps/top.pcap"]
        })
    );
    assert_eq!(
        got["path"],
        serde_json::json!([
            "/data/lund/a#1?.pcap",
            "/x/y.pcap",
            "/c/d.pcap",
            "plain/e.pcap"
        ])
    );
    assert!(
        got["twice"]
            .as_str()
            .unwrap()
            .contains("is in two sites (lund and malmo)"),
        "{}",
        got["twice"]
    );
    assert!(
        got["bad"].as_str().unwrap().contains("not a usable name"),
        "{}",
        got["bad"]
    );
}

/// One capture copied into two sites (two URIs, one SHA-256): the job stops before anything is
/// summed, says which capture and sites, and leaves the runs and reports in OUT.partial.
#[test]
fn the_spark_job_refuses_a_capture_in_two_sites() {
    if let Err(why) = spark_submit() {
        return cli::skip(&why);
    }
    let dir = tempfile::tempdir().unwrap();
    let sites = dir.path().join("sites");
    copy_into(&sites.join("lund"), &shipped(&["names.pcap"]));
    copy_into(&sites.join("malmo"), &shipped(&["names.pcap", "rtt.pcap"]));
    let out = dir.path().join("out");
    let run = Command::new("spark-submit")
        .args(["--master", "local[2]", "--conf", "spark.ui.enabled=false"])
        .arg(job_script())
        .args(["--binary", env!("CARGO_BIN_EXE_residency"), "--out"])
        .arg(&out)
        .arg(&sites)
        .output()
        .expect("spark-submit");
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&run.stdout),
        String::from_utf8_lossy(&run.stderr)
    );
    assert_eq!(run.status.code(), Some(1), "{said}");
    assert!(said.contains("is in two sites (lund:"), "{said}");
    assert!(!out.exists(), "nothing summed, nothing renamed");
    let partial = out.with_extension("partial");
    let runs = read_json(&partial.join("runs.json"));
    assert_eq!(
        runs["captures_in_two_sites"][0]["sha256"],
        sha256(&shipped(&["names.pcap"])[0])
    );
    assert!(partial.join("reports/lund.json").is_file());
    assert!(!partial.join("flows").exists());
}
