//! One output of a run: standard output, a regular file (written atomically), or a device.

use super::atomic::AtomicFile;
use super::error::{OutputError, wrap_io};
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufWriter, Stdout, Write};
use std::path::{Path, PathBuf};

/// How standard output is named in messages.
const STDOUT_NAME: &str = "standard output";

/// Where one output goes. Open every output with [`Output::open`] before the analysis starts;
/// write with [`Write`] (buffered); complete with [`Output::finish`] or [`Output::complete`].
/// An `Output` dropped without `finish` leaves its target as it was (for files).
#[derive(Debug)]
pub enum Output {
    /// `-`: standard output.
    Stdout(BufWriter<Stdout>),
    /// A regular file, new or replaced: written beside the target and renamed into place.
    File(AtomicFile),
    /// Something that is not a regular file and is written directly: `/dev/null`, `/dev/full`,
    /// `/dev/stdout`, a FIFO, a terminal. Renaming over a device would replace the device node
    /// (or fail); writing to it is what the user asked for.
    Device {
        path: PathBuf,
        writer: BufWriter<File>,
    },
}

impl Output {
    /// Opens the output named `path`, choosing how to write it:
    ///
    /// - `-` → [`Output::Stdout`];
    /// - a path under `/dev/` or `/proc/`, or an existing path that is not a regular file or a
    ///   folder (character or block device, FIFO, socket) → [`Output::Device`], opened for
    ///   writing in append mode without truncating or creating (so `/dev/stdout` redirected
    ///   to a file with `>>` appends). Opening a FIFO waits until a reader opens it, as a
    ///   shell redirection does;
    /// - anything else → [`Output::File`] via [`AtomicFile::create`], which fails now for a
    ///   missing folder or an unwritable one.
    ///
    /// Call [`refuse_inputs`](super::refuse_inputs) first: `open` does not know the inputs.
    pub fn open(path: &Path) -> Result<Output, OutputError> {
        if path.as_os_str() == "-" {
            return Ok(Output::Stdout(BufWriter::new(io::stdout())));
        }
        if path.as_os_str().is_empty() {
            return Err(OutputError::Open {
                path: path.to_owned(),
                source: io::Error::new(io::ErrorKind::InvalidInput, "an empty path"),
            });
        }
        let special = path.starts_with("/dev") || path.starts_with("/proc");
        match fs::metadata(path) {
            Ok(meta) if meta.is_dir() => Err(OutputError::IsFolder {
                path: path.to_owned(),
                suggestion: path.join("report.json"),
            }),
            Ok(meta) if special || !meta.is_file() => Output::open_device(path),
            Err(_) if special => Output::open_device(path),
            Ok(_) => AtomicFile::create(path).map(Output::File),
            Err(e)
                if matches!(
                    e.kind(),
                    io::ErrorKind::NotFound | io::ErrorKind::NotADirectory
                ) =>
            {
                AtomicFile::create(path).map(Output::File)
            }
            Err(source) => Err(OutputError::Open {
                path: path.to_owned(),
                source,
            }),
        }
    }

    /// True when [`Output::open`] would write `path` directly rather than as an
    /// [`AtomicFile`]: `-`, a path under `/dev/` or `/proc/`, or an existing path that is not
    /// a regular file or a folder (a FIFO, a device, a socket). Such an output cannot be
    /// renamed or split into parts.
    pub fn writes_directly(path: &Path) -> bool {
        if path.as_os_str() == "-" || path.starts_with("/dev") || path.starts_with("/proc") {
            return true;
        }
        fs::metadata(path).is_ok_and(|meta| !meta.is_file() && !meta.is_dir())
    }

    fn open_device(path: &Path) -> Result<Output, OutputError> {
        let file = OpenOptions::new()
            .append(true)
            .open(path)
            .map_err(|source| OutputError::Open {
                path: path.to_owned(),
                source,
            })?;
        Ok(Output::Device {
            path: path.to_owned(),
            writer: BufWriter::new(file),
        })
    }

    /// The output's name for messages: the path as given, or `standard output`.
    pub fn path(&self) -> &Path {
        match self {
            Output::Stdout(_) => Path::new(STDOUT_NAME),
            Output::File(file) => file.path(),
            Output::Device { path, .. } => path,
        }
    }

    /// True for `-`.
    pub fn is_stdout(&self) -> bool {
        matches!(self, Output::Stdout(_))
    }

    /// Completes the output: flushes standard output or a device; commits a file (flush,
    /// `fsync`, rename into place, `fsync` the folder).
    ///
    /// A closed pipe is [`OutputError::Closed`] (end quietly); a full device or disk is
    /// [`OutputError::Write`] naming the path.
    pub fn finish(self) -> Result<(), OutputError> {
        match self {
            Output::Stdout(mut writer) => writer
                .flush()
                .map_err(|e| OutputError::from_io(Path::new(STDOUT_NAME), e)),
            Output::File(file) => file.commit(),
            Output::Device { path, mut writer } => {
                writer.flush().map_err(|e| OutputError::from_io(&path, e))
            }
        }
    }

    /// Writes with `write` and then [`finish`](Output::finish)es: the whole life of an output
    /// whose content is produced in one go, e.g.
    /// `json.complete(|out| report::write_json(&report, out))?`. An error from `write` is
    /// named with this output's path (see [`Output::error`]) and the file is not committed.
    pub fn complete<F>(mut self, write: F) -> Result<(), OutputError>
    where
        F: FnOnce(&mut Output) -> io::Result<()>,
    {
        if let Err(e) = write(&mut self) {
            return Err(self.error(e));
        }
        self.finish()
    }

    /// Turns an `io::Error` met while writing this output into an [`OutputError`] that names
    /// it: the error's own `OutputError` when it carries one (as this type's `Write` errors
    /// do), else [`OutputError::Closed`] for a broken pipe or [`OutputError::Write`].
    pub fn error(&self, error: io::Error) -> OutputError {
        OutputError::from_io(self.path(), error)
    }
}

impl Write for Output {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        match self {
            Output::Stdout(w) => w.write(buf).map_err(|e| wrap_io(Path::new(STDOUT_NAME), e)),
            Output::File(f) => f.write(buf),
            Output::Device { path, writer } => writer.write(buf).map_err(|e| wrap_io(path, e)),
        }
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w
                .write_all(buf)
                .map_err(|e| wrap_io(Path::new(STDOUT_NAME), e)),
            Output::File(f) => f.write_all(buf),
            Output::Device { path, writer } => writer.write_all(buf).map_err(|e| wrap_io(path, e)),
        }
    }

    fn flush(&mut self) -> io::Result<()> {
        match self {
            Output::Stdout(w) => w.flush().map_err(|e| wrap_io(Path::new(STDOUT_NAME), e)),
            Output::File(f) => f.flush(),
            Output::Device { path, writer } => writer.flush().map_err(|e| wrap_io(path, e)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Enough to overflow the write buffer, so the device error shows in `write_all` too.
    fn big() -> Vec<u8> {
        vec![b'x'; 64 * 1024]
    }

    #[test]
    fn dash_is_stdout() {
        let out = Output::open(Path::new("-")).expect("stdout");
        assert!(out.is_stdout());
        assert_eq!(out.path(), Path::new("standard output"));
    }

    #[test]
    fn a_new_path_is_an_atomic_file_committed_by_finish() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("report.json");
        let out = Output::open(&target).expect("open");
        assert!(matches!(out, Output::File(_)));
        out.complete(|w| w.write_all(b"{}\n")).expect("complete");
        assert_eq!(fs::read_to_string(&target).expect("read"), "{}\n");
    }

    #[test]
    fn a_failed_complete_leaves_the_previous_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("report.json");
        fs::write(&target, "previous").expect("seed");
        let out = Output::open(&target).expect("open");
        let err = out
            .complete(|w| {
                w.write_all(b"half")?;
                Err(io::Error::other("the report could not be built"))
            })
            .expect_err("fails");
        assert!(err.to_string().contains("report.json"), "{err}");
        assert_eq!(fs::read_to_string(&target).expect("read"), "previous");
        let names: Vec<_> = fs::read_dir(dir.path())
            .expect("list")
            .filter_map(Result::ok)
            .map(|e| e.file_name())
            .collect();
        assert_eq!(names.len(), 1, "{names:?}");
    }

    #[test]
    fn missing_folder_fails_at_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("missing").join("report.json");
        let err = Output::open(&target).expect_err("missing folder");
        assert!(
            err.to_string().contains(&target.display().to_string()),
            "{err}"
        );
    }

    #[test]
    fn a_folder_is_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let err = Output::open(dir.path()).expect_err("a folder");
        assert!(matches!(err, OutputError::IsFolder { .. }), "{err:?}");
    }

    #[test]
    fn writes_directly_agrees_with_open() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("f.json");
        fs::write(&file, "x").expect("seed");
        assert!(Output::writes_directly(Path::new("-")));
        assert!(Output::writes_directly(Path::new("/dev/null")));
        assert!(Output::writes_directly(Path::new("/dev/stdout")));
        assert!(!Output::writes_directly(&file));
        assert!(!Output::writes_directly(&dir.path().join("new.json")));
        assert!(!Output::writes_directly(dir.path()));
        assert!(matches!(Output::open(&file), Ok(Output::File(_))));
        assert!(matches!(
            Output::open(Path::new("/dev/null")),
            Ok(Output::Device { .. })
        ));
    }

    #[test]
    fn dev_null_is_written_directly() {
        let out = Output::open(Path::new("/dev/null")).expect("open /dev/null");
        assert!(matches!(out, Output::Device { .. }));
        out.complete(|w| w.write_all(&big()))
            .expect("/dev/null takes it all");
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn dev_full_fails_naming_the_path() {
        use std::error::Error as _;
        let out = Output::open(Path::new("/dev/full")).expect("open /dev/full");
        assert!(matches!(out, Output::Device { .. }));
        let err = out.complete(|w| w.write_all(&big())).expect_err("full");
        assert!(matches!(err, OutputError::Write { .. }), "{err:?}");
        assert_eq!(err.to_string(), "cannot write /dev/full");
        let reason = err.source().map(ToString::to_string).unwrap_or_default();
        assert!(reason.contains("No space left on device"), "{reason}");

        // A small report fails at the flush in `finish`, just as clearly.
        let mut out = Output::open(Path::new("/dev/full")).expect("open /dev/full");
        out.write_all(b"{}\n").expect("buffered");
        let err = out.finish().expect_err("full");
        assert_eq!(err.to_string(), "cannot write /dev/full");
    }

    #[test]
    fn a_fifo_is_written_directly() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            eprintln!("skipped: no mkfifo");
            return;
        }
        let reader_path = fifo.clone();
        let reader = std::thread::spawn(move || fs::read(reader_path));
        let out = Output::open(&fifo).expect("open the FIFO");
        assert!(matches!(out, Output::Device { .. }));
        out.complete(|w| w.write_all(b"through the pipe\n"))
            .expect("written");
        let got = reader.join().expect("reader thread").expect("read");
        assert_eq!(got, b"through the pipe\n");
        // Still a FIFO: not renamed over.
        use std::os::unix::fs::FileTypeExt;
        assert!(fs::metadata(&fifo).expect("stat").file_type().is_fifo());
    }

    #[test]
    fn a_closed_fifo_is_closed_not_an_error() {
        let dir = tempfile::tempdir().expect("tempdir");
        let fifo = dir.path().join("pipe");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            eprintln!("skipped: no mkfifo");
            return;
        }
        // The reader opens the FIFO and goes away at once, like `head` after enough lines.
        let reader_path = fifo.clone();
        let reader = std::thread::spawn(move || fs::File::open(reader_path).map(drop));
        let mut out = Output::open(&fifo).expect("open the FIFO");
        reader
            .join()
            .expect("reader thread")
            .expect("reader opened");
        let err = out.write_all(&big()).expect_err("no reader");
        assert!(super::super::is_broken_pipe(&err), "{err:?}");
        let err = out.error(err);
        assert!(err.is_closed(), "{err:?}");
    }
}
