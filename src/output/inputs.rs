//! Refusing an output path that would overwrite an input, or another output.

use super::error::OutputError;
use crate::source::is_stdin;
use std::fs;
use std::os::unix::fs::MetadataExt;
use std::path::{Path, PathBuf};

/// What is known about one path: the file it is now (device and inode, after symlinks) and
/// where it is (canonical, for a file that does not exist yet: its folder's canonical path
/// joined with its name).
struct Identity {
    inode: Option<(u64, u64)>,
    canonical: Option<PathBuf>,
    /// Not a regular file (a device, a FIFO): never "overwritten", so never refused.
    special: bool,
    /// The path given is a symlink (for the message).
    symlink: bool,
}

impl Identity {
    fn of(path: &Path) -> Identity {
        let meta = fs::metadata(path).ok();
        let symlink = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
        let canonical = fs::canonicalize(path).ok().or_else(|| {
            let name = path.file_name()?;
            let folder = match path.parent() {
                Some(p) if !p.as_os_str().is_empty() => p,
                _ => Path::new("."),
            };
            Some(fs::canonicalize(folder).ok()?.join(name))
        });
        Identity {
            inode: meta.as_ref().map(|m| (m.dev(), m.ino())),
            special: meta.as_ref().is_some_and(|m| !m.is_file() && !m.is_dir()),
            canonical,
            symlink,
        }
    }

    /// How `self` and `other` are the same file, if they are.
    fn same_as(&self, other: &Identity) -> Option<&'static str> {
        if let (Some(a), Some(b)) = (self.inode, other.inode) {
            if a == b {
                let same_place = self.canonical.is_some() && self.canonical == other.canonical;
                return Some(if same_place {
                    if self.symlink || other.symlink {
                        "the same file, through a symlink"
                    } else {
                        "the same file"
                    }
                } else {
                    "the same file, a hard link"
                });
            }
            return None;
        }
        match (&self.canonical, &other.canonical) {
            (Some(a), Some(b)) if a == b => Some("the same file"),
            _ => None,
        }
    }
}

/// Refuses, before anything is read or written, an output that would overwrite an input or
/// another output.
///
/// `outputs` pairs each output path with the flag that named it (`("--json", path)`); `inputs`
/// are the capture paths. `-` (standard input or output) is skipped on both sides, and so is
/// an existing output that is not a regular file (`/dev/null`, a FIFO): writing to it
/// overwrites nothing.
///
/// "The same file" is decided by device and inode for paths that exist, which catches every
/// spelling (`./a.pcap`, `dir/../a.pcap`, an absolute path), a symlink in either direction and
/// a hard link; and by canonical path (the folder's canonical path joined with the file name)
/// for an output that does not exist yet.
///
/// The error names the flag and both paths and says what to do, e.g. `--json a.pcap would
/// overwrite the input a.pcap (the same file); give --json a new path such as report.json`.
pub fn refuse_inputs(outputs: &[(&str, &Path)], inputs: &[&Path]) -> Result<(), OutputError> {
    let inputs: Vec<(&Path, Identity)> = inputs
        .iter()
        .copied()
        .filter(|p| !is_stdin(p))
        .map(|p| (p, Identity::of(p)))
        .collect();
    let mut seen: Vec<(&str, &Path, Identity)> = Vec::with_capacity(outputs.len());
    for &(flag, output) in outputs {
        if is_stdin(output) {
            continue;
        }
        let id = Identity::of(output);
        if id.special {
            continue;
        }
        if let Some((input, how)) = inputs
            .iter()
            .find_map(|(input, input_id)| Some((*input, id.same_as(input_id)?)))
        {
            return Err(OutputError::SameAsInput {
                flag: flag.to_owned(),
                output: output.to_owned(),
                input: input.to_owned(),
                how,
                suggestion: suggestion(flag),
            });
        }
        if let Some((first_flag, first, how)) = seen
            .iter()
            .find_map(|(f, p, other)| Some((*f, *p, id.same_as(other)?)))
        {
            return Err(OutputError::SameOutput {
                first_flag: first_flag.to_owned(),
                first: first.to_owned(),
                second_flag: flag.to_owned(),
                second: output.to_owned(),
                how,
            });
        }
        seen.push((flag, output, id));
    }
    Ok(())
}

/// A path to suggest for `flag`: `report.json` for `--json`, and so on for flags named after
/// a format; a generic `report.out` otherwise.
fn suggestion(flag: &str) -> String {
    let word = flag.trim_start_matches('-');
    let known = [
        "json", "ndjson", "jsonl", "csv", "tsv", "html", "md", "txt", "xml", "yaml", "toml",
        "pcap", "pcapng",
    ];
    if known.contains(&word) {
        format!("report.{word}")
    } else {
        "report.out".to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Cwd {
        dir: tempfile::TempDir,
    }

    /// A folder with one capture `a.pcap` in it.
    fn setup() -> Cwd {
        let dir = tempfile::tempdir().expect("tempdir");
        fs::write(dir.path().join("a.pcap"), b"capture").expect("seed");
        Cwd { dir }
    }

    impl Cwd {
        fn p(&self, rel: &str) -> PathBuf {
            self.dir.path().join(rel)
        }
    }

    #[test]
    fn the_same_path_is_refused_with_a_helpful_message() {
        let t = setup();
        let a = t.p("a.pcap");
        let err = refuse_inputs(&[("--json", &a)], &[&a]).expect_err("same path");
        assert!(matches!(err, OutputError::SameAsInput { .. }), "{err:?}");
        let shown = a.display();
        assert_eq!(
            err.to_string(),
            format!(
                "--json {shown} would overwrite the input {shown} (the same file); give --json \
                 a new path such as report.json"
            )
        );
    }

    #[test]
    fn another_spelling_is_refused() {
        let t = setup();
        fs::create_dir(t.p("sub")).expect("mkdir");
        let a = t.p("a.pcap");
        for spelling in ["./a.pcap", "sub/../a.pcap", "./sub/.././a.pcap"] {
            let out = t.dir.path().join(spelling);
            let err = refuse_inputs(&[("--json", &out)], &[&a]).expect_err(spelling);
            assert!(err.to_string().contains("(the same file)"), "{err}");
        }
        // Relative paths, as typed on a command line: `./X/a.pcap` and `X/a.pcap`.
        let here = tempfile::tempdir_in(".").expect("tempdir in the current folder");
        let name = here.path().file_name().expect("name").to_owned();
        fs::write(here.path().join("a.pcap"), b"capture").expect("seed");
        let typed = Path::new(&name).join("a.pcap");
        let dotted = Path::new(".").join(&name).join("a.pcap");
        assert!(typed.is_relative() && dotted.is_relative());
        let err = refuse_inputs(&[("--json", &dotted)], &[&typed]).expect_err("./ spelling");
        assert!(err.to_string().contains("(the same file)"), "{err}");
    }

    #[test]
    fn a_symlink_either_way_is_refused() {
        let t = setup();
        let a = t.p("a.pcap");
        let link = t.p("link.json");
        std::os::unix::fs::symlink(&a, &link).expect("symlink");
        let err = refuse_inputs(&[("--json", &link)], &[&a]).expect_err("output is a link");
        assert!(err.to_string().contains("through a symlink"), "{err}");
        // The input given through a link, the output as the file itself.
        let err = refuse_inputs(&[("--json", &a)], &[&link]).expect_err("input is a link");
        assert!(matches!(err, OutputError::SameAsInput { .. }), "{err:?}");
    }

    #[test]
    fn a_hard_link_is_refused() {
        let t = setup();
        let a = t.p("a.pcap");
        let hard = t.p("b.pcap");
        fs::hard_link(&a, &hard).expect("hard link");
        let err = refuse_inputs(&[("--csv", &hard)], &[&a]).expect_err("hard link");
        let message = err.to_string();
        assert!(message.contains("a hard link"), "{message}");
        assert!(
            message.contains("give --csv a new path such as report.csv"),
            "{message}"
        );
    }

    #[test]
    fn a_new_file_through_a_symlinked_folder_is_compared_by_place() {
        // The output does not exist; its folder is reached through a link. Only the
        // canonical path can tell it apart from, or equal to, an input.
        let t = setup();
        let link = t.p("linked");
        std::os::unix::fs::symlink(t.dir.path(), &link).expect("symlink");
        let new_out = link.join("new.json");
        let other = t.p("new.json");
        // Not an input: fine.
        assert!(refuse_inputs(&[("--json", &new_out)], &[&t.p("a.pcap")]).is_ok());
        // Two outputs that will be the same new file: refused.
        let err = refuse_inputs(&[("--json", &new_out), ("--summary", &other)], &[])
            .expect_err("same new file");
        let message = err.to_string();
        assert!(message.contains("--json"), "{message}");
        assert!(message.contains("--summary"), "{message}");
        assert!(
            message.contains("give each output its own path"),
            "{message}"
        );
    }

    #[test]
    fn two_outputs_naming_one_existing_file_are_refused() {
        let t = setup();
        let out = t.p("report.json");
        fs::write(&out, "{}").expect("seed");
        let dotted = t.p("./report.json");
        let err = refuse_inputs(&[("--json", &out), ("--csv", &dotted)], &[&t.p("a.pcap")])
            .expect_err("same output twice");
        assert!(matches!(err, OutputError::SameOutput { .. }), "{err:?}");
    }

    #[test]
    fn unrelated_paths_stdio_and_devices_pass() {
        let t = setup();
        let a = t.p("a.pcap");
        fs::write(t.p("b.pcap"), b"other capture").expect("seed");
        let b = t.p("b.pcap");
        let existing = t.p("old.json");
        fs::write(&existing, "{}").expect("seed");
        let fresh = t.p("fresh.json");
        let missing = t.p("missing").join("r.json");
        let dash = Path::new("-");
        let null = Path::new("/dev/null");
        assert!(
            refuse_inputs(
                &[
                    ("--json", &existing),
                    ("--csv", &fresh),
                    ("--md", &missing),
                    ("--summary", dash),
                    ("--log", dash),
                    ("--x", null),
                    ("--y", null),
                ],
                &[&a, &b, dash],
            )
            .is_ok()
        );
        // A file with the same name in another folder is another file.
        fs::create_dir(t.p("sub")).expect("mkdir");
        assert!(refuse_inputs(&[("--json", &t.p("sub/a.pcap"))], &[&a]).is_ok());
        // An input that does not exist (the analysis will report it) is no reason to refuse.
        assert!(refuse_inputs(&[("--json", &fresh)], &[&t.p("gone.pcap")]).is_ok());
    }

    #[test]
    fn suggestions_follow_the_flag() {
        assert_eq!(suggestion("--json"), "report.json");
        assert_eq!(suggestion("--csv"), "report.csv");
        assert_eq!(suggestion("--output"), "report.out");
    }
}
