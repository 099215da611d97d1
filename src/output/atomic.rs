//! A file that appears at its path only when it is complete.

use super::background::BackgroundFile;
use super::error::{OutputError, wrap_io};
use std::fs::{self, File, OpenOptions};
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};

/// Numbers the temporary files of one process, so two outputs in one folder never collide.
static NEXT_TEMP: AtomicU64 = AtomicU64::new(0);

/// How many names to try when a temporary file of the same name is left over from another run
/// (the pid was reused after a kill) before giving up.
const TEMP_ATTEMPTS: u32 = 64;

/// A regular output file, written to `.<name>.residency-<pid>-<n>.tmp` in the target's folder
/// and renamed onto the target by [`AtomicFile::commit`].
///
/// - [`AtomicFile::create`] makes the temporary file at once, so a missing folder, a folder
///   that is not writable or a read-only file system is found at the start of a run.
/// - Writes are buffered, and made on a thread of their own once a buffer fills. Their errors name the target path (not the temporary one) and keep
///   their `io::ErrorKind`.
/// - [`AtomicFile::commit`] flushes, `fsync`s the file, renames it into place and `fsync`s the
///   folder, so after it returns the new content survives a crash.
/// - Dropped without a commit (an error, a panic, an early return), it removes the temporary
///   file: the target keeps its previous content, or stays absent. Only a process killed
///   outright (SIGKILL, a second Ctrl-C) can leave a `.…residency-….tmp` file behind, never a
///   half-written target.
///
/// A target that is a symlink is followed: the file it points to is replaced and the link
/// stays. A target that replaces an existing file gets that file's permissions (a report kept
/// private with mode 0600 stays private); a new file gets the usual mode (0666 less the umask).
#[derive(Debug)]
pub struct AtomicFile {
    /// The path as the user gave it, for messages.
    target: PathBuf,
    /// The path that is replaced: `target`, or the file a symlink at `target` points to.
    destination: PathBuf,
    /// `None` once renamed into place (nothing left to clean up).
    temp: Option<PathBuf>,
    /// Buffered; the writes to the file happen on a thread of their own (`BackgroundFile`).
    writer: BackgroundFile,
}

impl AtomicFile {
    /// Creates the temporary file for `target` in the target's folder.
    ///
    /// Errors, each naming `target`: [`OutputError::MissingFolder`], [`OutputError::NotAFolder`],
    /// [`OutputError::IsFolder`] (the path is a folder or has no file name) and
    /// [`OutputError::Create`] (e.g. permission denied, read-only file system).
    pub fn create(target: &Path) -> Result<AtomicFile, OutputError> {
        let destination = resolve_symlink(target);
        let Some(name) = destination.file_name() else {
            return Err(OutputError::IsFolder {
                path: target.to_owned(),
                suggestion: target.join("report.json"),
            });
        };
        let folder = folder_of(&destination);
        match fs::metadata(&folder) {
            Ok(meta) if meta.is_dir() => {}
            Ok(_) => {
                return Err(OutputError::NotAFolder {
                    path: target.to_owned(),
                    folder,
                });
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(OutputError::MissingFolder {
                    path: target.to_owned(),
                    folder,
                });
            }
            Err(e) if e.kind() == io::ErrorKind::NotADirectory => {
                return Err(OutputError::NotAFolder {
                    path: target.to_owned(),
                    folder,
                });
            }
            Err(source) => {
                return Err(OutputError::Open {
                    path: target.to_owned(),
                    source,
                });
            }
        }
        let previous = fs::metadata(&destination).ok();
        if previous.as_ref().is_some_and(fs::Metadata::is_dir) {
            return Err(OutputError::IsFolder {
                path: target.to_owned(),
                suggestion: target.join("report.json"),
            });
        }

        let pid = std::process::id();
        let mut attempts = 0;
        let (temp, file) = loop {
            let n = NEXT_TEMP.fetch_add(1, Ordering::Relaxed);
            let mut temp_name = std::ffi::OsString::from(".");
            temp_name.push(name);
            temp_name.push(format!(".residency-{pid}-{n}.tmp"));
            let temp = folder.join(temp_name);
            match OpenOptions::new().write(true).create_new(true).open(&temp) {
                Ok(file) => break (temp, file),
                Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempts < TEMP_ATTEMPTS => {
                    attempts += 1;
                }
                Err(source) => {
                    return Err(OutputError::Create {
                        path: target.to_owned(),
                        folder,
                        source,
                    });
                }
            }
        };
        if let Some(previous) = previous.filter(fs::Metadata::is_file) {
            // Best effort: a file system without Unix modes keeps the default ones, which is
            // what a plain `File::create` would have given.
            let _ = file.set_permissions(previous.permissions());
        }
        Ok(AtomicFile {
            target: target.to_owned(),
            destination,
            temp: Some(temp),
            writer: BackgroundFile::new(file),
        })
    }

    /// The path as given to [`AtomicFile::create`].
    pub fn path(&self) -> &Path {
        &self.target
    }

    /// The temporary file being written (until the commit).
    pub fn temp_path(&self) -> Option<&Path> {
        self.temp.as_deref()
    }

    /// Flushes, `fsync`s, renames the temporary file onto the target and `fsync`s the folder.
    ///
    /// On an error the temporary file is removed and the target keeps its previous content
    /// (except when only the final folder `fsync` fails: the new file is then in place but
    /// may not survive a crash, and the error says so by naming the folder's path).
    pub fn commit(mut self) -> Result<(), OutputError> {
        let write_error = |source| OutputError::Write {
            path: self.target.clone(),
            source,
        };
        self.writer.sync_all().map_err(write_error)?;
        let Some(temp) = self.temp.as_deref() else {
            return Ok(());
        };
        if let Err(source) = fs::rename(temp, &self.destination) {
            return Err(OutputError::Commit {
                path: self.target.clone(),
                temp: temp.to_owned(),
                source,
            });
        }
        self.temp = None;
        sync_folder(&folder_of(&self.destination))
    }

    /// Like [`AtomicFile::commit`], but never replaces a file: when something already exists
    /// at the target, the commit fails with [`OutputError::Exists`] and the temporary file is
    /// removed (the existing file is untouched).
    ///
    /// The no-replace move is a hard link of the temporary file at the target (which the
    /// kernel refuses atomically when the name is taken) followed by the removal of the
    /// temporary name. On a file system without hard links (FAT, some network and FUSE file
    /// systems) it falls back to a check for an existing target followed by a rename, which
    /// leaves a window in which another process could create the target.
    pub fn commit_new(mut self) -> Result<(), OutputError> {
        let write_error = |source| OutputError::Write {
            path: self.target.clone(),
            source,
        };
        self.writer.sync_all().map_err(write_error)?;
        let Some(temp) = self.temp.clone() else {
            return Ok(());
        };
        let exists = || OutputError::Exists {
            path: self.target.clone(),
        };
        match fs::hard_link(&temp, &self.destination) {
            Ok(()) => {
                self.temp = None;
                // The content is at the target already; a temp name that cannot be removed is
                // a stray hidden file, not a reason to fail the part.
                let _ = fs::remove_file(&temp);
            }
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(exists()),
            Err(_) => {
                if fs::symlink_metadata(&self.destination).is_ok() {
                    return Err(exists());
                }
                if let Err(source) = fs::rename(&temp, &self.destination) {
                    return Err(OutputError::Commit {
                        path: self.target.clone(),
                        temp,
                        source,
                    });
                }
                self.temp = None;
            }
        }
        sync_folder(&folder_of(&self.destination))
    }
}

impl Write for AtomicFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        self.writer.write(buf).map_err(|e| wrap_io(&self.target, e))
    }

    fn write_all(&mut self, buf: &[u8]) -> io::Result<()> {
        self.writer
            .write_all(buf)
            .map_err(|e| wrap_io(&self.target, e))
    }

    fn flush(&mut self) -> io::Result<()> {
        self.writer.flush().map_err(|e| wrap_io(&self.target, e))
    }
}

impl Drop for AtomicFile {
    fn drop(&mut self) {
        if let Some(temp) = self.temp.take() {
            // Nothing to report from a drop; a temp file that cannot be removed is at worst
            // a stray hidden file, never a half-written target.
            let _ = fs::remove_file(temp);
        }
    }
}

/// The folder a path's file lives in; `.` for a bare file name.
fn folder_of(path: &Path) -> PathBuf {
    match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent.to_owned(),
        _ => PathBuf::from("."),
    }
}

/// The file a symlink at `path` ends at, so that replacing it keeps the link; `path` itself
/// when it is not a symlink, or a dangling one (which is then replaced by the file).
fn resolve_symlink(path: &Path) -> PathBuf {
    let is_link = fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_symlink());
    if is_link && let Ok(real) = fs::canonicalize(path) {
        return real;
    }
    path.to_owned()
}

/// `fsync`s a folder so a rename in it is durable. File systems that cannot sync a folder
/// (EINVAL) are not an error: there is nothing more to do there.
fn sync_folder(folder: &Path) -> Result<(), OutputError> {
    let result = File::open(folder).and_then(|dir| dir.sync_all());
    match result {
        Ok(()) => Ok(()),
        Err(e)
            if matches!(
                e.kind(),
                io::ErrorKind::InvalidInput | io::ErrorKind::Unsupported
            ) =>
        {
            Ok(())
        }
        Err(source) => Err(OutputError::Write {
            path: folder.to_owned(),
            source,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn leftovers(dir: &Path) -> Vec<String> {
        fs::read_dir(dir)
            .expect("read the test folder")
            .filter_map(Result::ok)
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .filter(|n| n.ends_with(".tmp"))
            .collect()
    }

    #[test]
    fn commit_renames_into_place_and_leaves_no_temp() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("report.json");
        let mut out = AtomicFile::create(&target).expect("create");
        let temp = out.temp_path().expect("a temp path").to_owned();
        assert_eq!(temp.parent(), Some(dir.path()));
        let temp_name = temp
            .file_name()
            .expect("name")
            .to_string_lossy()
            .into_owned();
        assert!(
            temp_name.starts_with(".report.json.residency-") && temp_name.ends_with(".tmp"),
            "{temp_name}"
        );
        assert!(temp.exists(), "the temp file exists from the start");
        assert!(!target.exists(), "nothing at the target before the commit");
        out.write_all(b"{\"complete\": true}\n").expect("write");
        assert!(!target.exists(), "nothing at the target while writing");
        out.commit().expect("commit");
        assert_eq!(
            fs::read_to_string(&target).expect("read"),
            "{\"complete\": true}\n"
        );
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn drop_without_commit_removes_temp_and_keeps_previous_file() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("report.json");
        fs::write(&target, "previous run\n").expect("seed");
        {
            let mut out = AtomicFile::create(&target).expect("create");
            out.write_all(b"half of a new rep").expect("write");
            out.flush().expect("flush");
            // A failed run: dropped, never committed.
        }
        assert_eq!(fs::read_to_string(&target).expect("read"), "previous run\n");
        assert!(
            leftovers(dir.path()).is_empty(),
            "{:?}",
            leftovers(dir.path())
        );

        // And with no previous file, nothing appears at all.
        let fresh = dir.path().join("fresh.json");
        drop(AtomicFile::create(&fresh).expect("create"));
        assert!(!fresh.exists());
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn replacing_keeps_the_previous_permissions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("private.json");
        fs::write(&target, "old").expect("seed");
        fs::set_permissions(&target, fs::Permissions::from_mode(0o600)).expect("chmod");
        let mut out = AtomicFile::create(&target).expect("create");
        out.write_all(b"new").expect("write");
        out.commit().expect("commit");
        let mode = fs::metadata(&target).expect("stat").permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        assert_eq!(fs::read_to_string(&target).expect("read"), "new");
    }

    #[test]
    fn a_symlinked_target_replaces_the_file_and_keeps_the_link() {
        let dir = tempfile::tempdir().expect("tempdir");
        let real = dir.path().join("real.json");
        let link = dir.path().join("link.json");
        fs::write(&real, "old").expect("seed");
        std::os::unix::fs::symlink(&real, &link).expect("symlink");
        let mut out = AtomicFile::create(&link).expect("create");
        out.write_all(b"new").expect("write");
        out.commit().expect("commit");
        assert!(
            fs::symlink_metadata(&link)
                .expect("lstat")
                .file_type()
                .is_symlink()
        );
        assert_eq!(fs::read_to_string(&real).expect("read"), "new");
    }

    #[test]
    fn missing_folder_errors_at_create_naming_the_path() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("no-such-folder").join("report.json");
        let err = AtomicFile::create(&target).expect_err("a missing folder");
        assert!(matches!(err, OutputError::MissingFolder { .. }), "{err:?}");
        let message = err.to_string();
        assert!(message.contains(&target.display().to_string()), "{message}");
        assert!(message.contains("does not exist"), "{message}");
        assert!(!dir.path().join("no-such-folder").exists());
    }

    #[test]
    fn a_file_as_folder_and_a_folder_as_target_are_refused() {
        let dir = tempfile::tempdir().expect("tempdir");
        let file = dir.path().join("plain");
        fs::write(&file, "x").expect("seed");
        let err = AtomicFile::create(&file.join("report.json")).expect_err("not a folder");
        assert!(matches!(err, OutputError::NotAFolder { .. }), "{err:?}");
        let err = AtomicFile::create(dir.path()).expect_err("a folder");
        assert!(matches!(err, OutputError::IsFolder { .. }), "{err:?}");
        assert!(err.to_string().contains("report.json"), "{err}");
    }

    #[test]
    fn a_bare_file_name_lives_in_the_current_folder() {
        assert_eq!(folder_of(Path::new("report.json")), PathBuf::from("."));
        assert_eq!(
            folder_of(Path::new("out/report.json")),
            PathBuf::from("out")
        );
        assert_eq!(folder_of(Path::new("/report.json")), PathBuf::from("/"));
    }

    #[test]
    fn commit_new_never_replaces_and_leaves_no_temp() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("part-000001.ndjson");
        let mut out = AtomicFile::create(&target).expect("create");
        out.write_all(b"first\n").expect("write");
        out.commit_new().expect("a new name");
        assert_eq!(fs::read_to_string(&target).expect("read"), "first\n");
        assert!(leftovers(dir.path()).is_empty());

        let mut again = AtomicFile::create(&target).expect("create");
        again.write_all(b"second\n").expect("write");
        let err = again.commit_new().expect_err("the name is taken");
        assert!(matches!(err, OutputError::Exists { .. }), "{err:?}");
        assert!(
            err.to_string().contains("part-000001.ndjson"),
            "names the file: {err}"
        );
        assert_eq!(fs::read_to_string(&target).expect("read"), "first\n");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn two_outputs_in_one_folder_get_distinct_temps() {
        let dir = tempfile::tempdir().expect("tempdir");
        let target = dir.path().join("same.json");
        let a = AtomicFile::create(&target).expect("a");
        let b = AtomicFile::create(&target).expect("b");
        assert_ne!(a.temp_path(), b.temp_path());
    }
}
