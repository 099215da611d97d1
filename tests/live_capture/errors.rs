//! What goes wrong, and `--user`: each error names its cause, and what was captured before a
//! failure is kept.

use crate::cli;
use crate::compare::{capture, read_report};
use crate::netns::{CAPTURE_IF, Outdir, netns};
use crate::runs::wait_for_report;
use std::os::unix::fs::{MetadataExt, PermissionsExt};

// 7. An interface that does not exist: exit 1, named, with where to look (needs no root).
#[test]
fn unknown_interface_is_named() {
    let out = Outdir::new();
    let run = cli::residency(&["live", "-i", "nosuch0", "--json", &out.arg("live.json")]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("no capture device named \"nosuch0\" (run `residency interfaces`"),
        "{}",
        run.stderr
    );
    assert!(!out.path("live.json").exists());
}

// A filter that does not compile: exit 1, the expression named, nothing written.
#[test]
fn bad_filter_is_named() {
    let Some(ns) = netns() else { return };
    let out = Outdir::new();
    let end = ns.live_to_end(&[
        "--bpf",
        "tcp and frobnicate",
        "--json",
        &out.arg("live.json"),
    ]);
    assert_eq!(end.code(), 1, "{}", end.stderr);
    assert!(
        end.stderr
            .contains("the filter \"tcp and frobnicate\" does not compile"),
        "{}",
        end.stderr
    );
    assert!(!out.path("live.json").exists());
}

// The interface goes away while capturing: the run ends with exit 1, saying why, and its
// outputs hold everything captured before.
#[test]
fn interface_gone_keeps_what_was_captured() {
    let Some(ns) = netns() else { return };
    let out = Outdir::new();
    let json = out.path("live.json");
    let live = ns.live(&out.all_outputs(&["--report-every", "1"]));
    assert_eq!(ns.replay(&capture("names.pcap"), &["--pps", "500"]), 91);
    wait_for_report(&json, |r| r["inputs"][0]["packets"] == 91);
    ns.delete_link(CAPTURE_IF);
    let end = live.wait();
    assert_eq!(end.code(), 1, "{}", end.stderr);
    assert!(
        end.stderr.contains("cap0: the capture failed: ")
            && end.stderr.contains("did the interface go down or away?"),
        "{}",
        end.stderr
    );
    assert!(
        end.stderr
            .contains("the outputs cover the packets captured before the error")
    );

    let report = read_report(&json);
    let input = &report["inputs"][0];
    assert_eq!(input["packets"], 91);
    assert_eq!(input["live"]["stopped_by"], "error");
    let error = &input["errors"][0];
    assert_eq!(error["kind"], "capture");
    assert!(
        error["message"]
            .as_str()
            .unwrap()
            .starts_with("cap0: the capture failed: ")
    );
    assert_eq!(report["summary"]["complete"], false);
    // names.pcap's 14 flows, each written, and its 91 frames kept.
    assert_eq!(report["flows"].as_array().unwrap().len(), 14);
    let pcaps = input["live"]["pcap_files"].as_array().unwrap();
    assert_eq!(pcaps.len(), 1);
    assert_eq!(pcaps[0]["records"], 91);
    assert_eq!(input["live"]["flow_files"][0]["records"], 14);
    let copy = std::fs::read(out.path("raw.pcapng")).unwrap();
    assert_eq!(pcaps[0]["sha256"], residency::digest::sha256_hex(&copy));
}

// --user: the interface is opened as root, then the run goes on as the user (its uid in the
// kernel's own record of the process) and writes its outputs as that user.
#[test]
fn runs_as_the_user_after_opening_the_interface() {
    let Some(ns) = netns() else { return };
    let Some(nobody) = nix::unistd::User::from_name("nobody").ok().flatten() else {
        cli::skip("no user `nobody` on this machine");
        return;
    };
    let out = Outdir::new();
    std::fs::set_permissions(out.dir.path(), std::fs::Permissions::from_mode(0o777)).unwrap();
    let live = ns.live(&out.all_outputs(&["--user", "nobody"]));
    let status = std::fs::read_to_string(format!("/proc/{}/status", live.pid())).unwrap();
    let ids = |key: &str| -> Vec<u32> {
        status
            .lines()
            .find_map(|l| l.strip_prefix(key))
            .unwrap_or_else(|| panic!("no {key} in /proc/PID/status"))
            .split_whitespace()
            .map(|n| n.parse().unwrap())
            .collect()
    };
    // Real, effective, saved and file-system ids, all the user's; its group only.
    assert_eq!(ids("Uid:"), vec![nobody.uid.as_raw(); 4]);
    assert_eq!(ids("Gid:"), vec![nobody.gid.as_raw(); 4]);
    assert_eq!(ids("Groups:"), vec![nobody.gid.as_raw()]);
    assert_eq!(ns.replay(&capture("names.pcap"), &["--pps", "500"]), 91);
    let end = live.stop();
    assert_eq!(end.code(), 0, "{}", end.stderr);
    let report = read_report(&out.path("live.json"));
    assert_eq!(report["inputs"][0]["packets"], 91);
    assert_eq!(report["flows"].as_array().unwrap().len(), 14);
    assert_eq!(report["summary"]["complete"], true);
    for name in [
        "live.json",
        "flows.ndjson",
        "raw.pcapng",
        "raw.pcapng.manifest.json",
    ] {
        let meta = std::fs::metadata(out.path(name)).unwrap();
        assert_eq!(meta.uid(), nobody.uid.as_raw(), "{name} is the user's");
    }
}
