//! The errors of the output layer: each names the path (and the flag, where it knows it) and,
//! where there is one, what the user can do about it.
//!
//! Messages follow the Rust convention: the text names what failed; the operating system's
//! reason is the error's `source()`, so `{:#}` (as the CLI prints errors) shows both, e.g.
//! `cannot write /dev/full: No space left on device (os error 28)`.

use std::io;
use std::path::{Path, PathBuf};

/// What went wrong with an output.
#[derive(Debug, thiserror::Error)]
pub enum OutputError {
    /// The folder of an output path does not exist.
    #[error(
        "cannot write {path}: the folder {folder} does not exist; create it first or give \
         another path"
    )]
    MissingFolder { path: PathBuf, folder: PathBuf },
    /// The "folder" of an output path is a file.
    #[error("cannot write {path}: {folder} is not a folder")]
    NotAFolder { path: PathBuf, folder: PathBuf },
    /// The output path names a folder (or ends in `/`, `.` or `..`).
    #[error("cannot write {path}: it is a folder; give a file path such as {suggestion}")]
    IsFolder { path: PathBuf, suggestion: PathBuf },
    /// The temporary file next to the target (or the device itself) cannot be created or
    /// opened: permissions, a read-only file system, a name that is too long.
    #[error("cannot write {path}: cannot create a file in {folder}")]
    Create {
        path: PathBuf,
        folder: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The path cannot be examined or opened (permissions on a folder on the way, a device
    /// that refuses to be opened).
    #[error("cannot open {path} for writing")]
    Open {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// Writing, flushing or syncing failed: a full disk (`/dev/full`), an I/O error.
    #[error("cannot write {path}")]
    Write {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// The finished temporary file could not be renamed into place; the target keeps its
    /// previous content and the temporary file is removed.
    #[error("cannot move the finished {path} into place (from {temp})")]
    Commit {
        path: PathBuf,
        temp: PathBuf,
        #[source]
        source: io::Error,
    },
    /// A file that must be new (a part of a rotating output) found its name taken when it
    /// was moved into place; the existing file is untouched and the new content discarded.
    #[error(
        "cannot move the finished {path} into place: a file of that name appeared meanwhile; \
         it is left as it is"
    )]
    Exists { path: PathBuf },
    /// An earlier run's files are where a rotating output would write its parts or manifest.
    #[error(
        "cannot write {path}: an earlier run's files are in the way ({}); move them \
         elsewhere or give another path",
        list_paths(.found)
    )]
    PartsExist { path: PathBuf, found: Vec<PathBuf> },
    /// `--rotate` given for an output that is not a regular file (`-`, a FIFO, a device).
    #[error(
        "cannot rotate {path}: it is not a regular file (standard output, a FIFO or a \
         device); give a file path, or leave out --rotate"
    )]
    CannotRotate { path: PathBuf },
    /// A record too long to be written in the output's format.
    #[error("cannot write {path}: a record of {len} bytes is longer than the {max} allowed")]
    RecordTooLong {
        path: PathBuf,
        len: usize,
        max: usize,
    },
    /// The reader of standard output or of a FIFO went away (`--json - | head`). Not an error
    /// for the user: stop reading input, print nothing, exit with
    /// [`EXIT_CLOSED`](super::EXIT_CLOSED).
    #[error("the reader of {path} stopped reading")]
    Closed {
        path: PathBuf,
        #[source]
        source: io::Error,
    },
    /// An output path names an input file.
    #[error(
        "{flag} {} would overwrite the input {} ({}); give {flag} a new path such as \
         {suggestion}",
        .output.display(), .input.display(), .how
    )]
    SameAsInput {
        flag: String,
        output: PathBuf,
        input: PathBuf,
        /// "the same file", "the same file, through a symlink", "the same file, a hard link".
        how: &'static str,
        suggestion: String,
    },
    /// Two outputs name the same file.
    #[error(
        "{first_flag} {} and {second_flag} {} name one file ({}); give each output its own \
         path",
        .first.display(), .second.display(), .how
    )]
    SameOutput {
        first_flag: String,
        first: PathBuf,
        second_flag: String,
        second: PathBuf,
        how: &'static str,
    },
    /// The SIGHUP handler could not be installed.
    #[error("cannot install the SIGHUP handler")]
    Hangup {
        #[source]
        source: io::Error,
    },
    /// The SIGINT/SIGTERM handlers could not be installed.
    #[error("cannot install the SIGINT and SIGTERM handlers")]
    Signals {
        #[source]
        source: io::Error,
    },
}

/// At most this many names in a [`OutputError::PartsExist`] message, then a count.
const LISTED: usize = 3;

fn list_paths(paths: &[PathBuf]) -> String {
    let mut names: Vec<String> = paths
        .iter()
        .take(LISTED)
        .map(|p| p.display().to_string())
        .collect();
    if paths.len() > LISTED {
        names.push(format!("and {} more", paths.len() - LISTED));
    }
    names.join(", ")
}

impl OutputError {
    /// True for [`OutputError::Closed`]: the reader went away; end quietly with
    /// [`EXIT_CLOSED`](super::EXIT_CLOSED).
    pub fn is_closed(&self) -> bool {
        matches!(self, OutputError::Closed { .. })
    }

    /// The error of a failed write to `path`: [`OutputError::Closed`] for a broken pipe,
    /// [`OutputError::Write`] otherwise. An `io::Error` that already carries an `OutputError`
    /// (as the `Write` impls of this module return) is unwrapped, not named twice.
    pub fn from_io(path: &Path, error: io::Error) -> OutputError {
        let error = match error.downcast::<OutputError>() {
            Ok(ours) => return ours,
            Err(other) => other,
        };
        if is_broken_pipe(&error) {
            OutputError::Closed {
                path: path.to_owned(),
                source: error,
            }
        } else {
            OutputError::Write {
                path: path.to_owned(),
                source: error,
            }
        }
    }
}

/// True when `error` says the reader of a pipe went away (EPIPE; Rust ignores SIGPIPE, so a
/// write to a closed pipe returns this instead of killing the process). The `Write` impls of
/// this module keep the error kind when they add the path, so this works on their errors too.
/// The caller stops reading input and exits quietly with [`EXIT_CLOSED`](super::EXIT_CLOSED).
pub fn is_broken_pipe(error: &io::Error) -> bool {
    error.kind() == io::ErrorKind::BrokenPipe
        || error
            .get_ref()
            .and_then(|inner| inner.downcast_ref::<OutputError>())
            .is_some_and(OutputError::is_closed)
}

/// Wraps a failed write to `path` in an `io::Error` of the same kind whose message names the
/// path (for the `Write` impls, which must return `io::Error`).
pub(crate) fn wrap_io(path: &Path, error: io::Error) -> io::Error {
    if error
        .get_ref()
        .is_some_and(|inner| inner.is::<OutputError>())
    {
        return error;
    }
    let kind = error.kind();
    io::Error::new(kind, OutputError::from_io(path, error))
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn wrapped_write_errors_keep_their_kind_and_name_the_path() {
        let path = Path::new("/some/out.json");
        let raw = io::Error::from_raw_os_error(28);
        let wrapped = wrap_io(path, raw);
        assert_eq!(wrapped.kind(), io::ErrorKind::StorageFull);
        assert_eq!(wrapped.to_string(), "cannot write /some/out.json");
        // The OS reason is the source, so `{:#}`-style chains show it once.
        let reason = wrapped
            .source()
            .map(ToString::to_string)
            .unwrap_or_default();
        assert!(reason.contains("No space left on device"), "{reason}");
        // Wrapping twice does not name the path twice.
        let twice = wrap_io(Path::new("/other"), wrapped);
        assert_eq!(twice.to_string(), "cannot write /some/out.json");
        let back = OutputError::from_io(Path::new("/other"), twice);
        assert!(
            matches!(back, OutputError::Write { ref path, .. } if path == Path::new("/some/out.json"))
        );
    }

    #[test]
    fn broken_pipe_is_closed_also_when_wrapped() {
        let raw = io::Error::from(io::ErrorKind::BrokenPipe);
        assert!(is_broken_pipe(&raw));
        let wrapped = wrap_io(Path::new("standard output"), raw);
        assert!(is_broken_pipe(&wrapped));
        let err = OutputError::from_io(Path::new("x"), wrapped);
        assert!(err.is_closed());
        assert_eq!(
            err.to_string(),
            "the reader of standard output stopped reading"
        );
        assert!(!is_broken_pipe(&io::Error::from(io::ErrorKind::NotFound)));
    }
}
