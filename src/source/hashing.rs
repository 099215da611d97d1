//! The SHA-256 of regular files, computed on a thread of its own while the files are parsed.
//!
//! Hashing is a sixth of the work of a run on a large capture, and it needs nothing the parser
//! has: so a second core does it. One worker hashes the files in the order they were handed to
//! it (the order they are read), so the hash of the file read next is ready first. It reads
//! each file at explicit offsets (`pread`) through its own handle, which shares nothing with
//! the parser's position; it hashes exactly the bytes the parser is limited to (the size at
//! opening).
//!
//! Where a run needs a file's hash before parsing it (to refuse a second copy of an earlier
//! input, or to write it into every per-flow record), it waits for it; otherwise the hash
//! arrives at the end of the file ([`super::Capture::finish`]).

use sha2::{Digest as _, Sha256};
use std::fs::File;
use std::io;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc;

/// Bytes read per `pread`: as the parser's chunks (large enough that a call costs little per
/// byte, small enough to stay in cache while hashed).
const CHUNK: usize = 1 << 20;

/// A file handed to the worker, and where its result goes.
struct Job {
    file: File,
    size: u64,
    done: mpsc::SyncSender<io::Result<String>>,
}

/// The hashing worker of a run. Dropping it abandons the files not yet hashed (an interrupted
/// run does not wait for them).
#[derive(Default)]
pub struct Hasher {
    jobs: Option<mpsc::Sender<Job>>,
    stop: Arc<AtomicBool>,
}

impl Hasher {
    pub fn new() -> Hasher {
        Hasher::default()
    }

    /// Hash the first `size` bytes of `file` after the files handed over before it.
    pub(super) fn submit(&mut self, file: &File, size: u64) -> io::Result<Pending> {
        let file = file.try_clone()?;
        let (done, result) = mpsc::sync_channel(1);
        let job = Job { file, size, done };
        let jobs = match &self.jobs {
            Some(jobs) => jobs,
            None => {
                let (jobs, queue) = mpsc::channel::<Job>();
                let stop = Arc::clone(&self.stop);
                std::thread::Builder::new()
                    .name("residency-hash".into())
                    .spawn(move || {
                        for job in queue {
                            // Stops at its next chunk once the run stopped.
                            let hashed = hash_at(&job.file, job.size, &stop);
                            // The capture may have been dropped: nobody wants the result then.
                            let _ = job.done.send(hashed);
                        }
                    })?;
                self.jobs.insert(jobs)
            }
        };
        // The worker lives as long as `jobs`: it ends only if it panicked.
        jobs.send(job)
            .map_err(|_| io::Error::other("the hashing thread ended"))?;
        Ok(Pending::Waiting(result))
    }
}

impl Drop for Hasher {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
    }
}

/// A file's hash, on its way or arrived.
#[derive(Debug)]
pub(super) enum Pending {
    Waiting(mpsc::Receiver<io::Result<String>>),
    Done(Result<String, String>),
}

impl Pending {
    /// The hash, waiting for it if it has not arrived; the error's message if hashing failed.
    pub fn wait(&mut self) -> Result<&str, &str> {
        if let Pending::Waiting(result) = self {
            let got = match result.recv() {
                Ok(Ok(hex)) => Ok(hex),
                Ok(Err(e)) => Err(e.to_string()),
                Err(_) => Err("the hashing thread ended".to_string()),
            };
            *self = Pending::Done(got);
        }
        match self {
            Pending::Done(Ok(hex)) => Ok(hex),
            Pending::Done(Err(e)) => Err(e),
            Pending::Waiting(_) => Err("the hashing thread ended"),
        }
    }

    /// The hash if it has arrived (never waits).
    pub fn ready(&self) -> Option<&str> {
        match self {
            Pending::Done(Ok(hex)) => Some(hex),
            _ => None,
        }
    }
}

/// SHA-256 of the first `size` bytes of `file`, read at explicit offsets.
#[cfg(unix)]
fn hash_at(file: &File, size: u64, stop: &AtomicBool) -> io::Result<String> {
    use std::os::unix::fs::FileExt;
    let mut hasher = Sha256::new();
    let mut buf = vec![0u8; CHUNK];
    let mut at = 0u64;
    while at < size {
        if stop.load(Ordering::Relaxed) {
            return Err(io::Error::other(
                "the run stopped before this file was hashed",
            ));
        }
        let want = usize::try_from(size - at).map_or(CHUNK, |left| left.min(CHUNK));
        let Some(room) = buf.get_mut(..want) else {
            break;
        };
        let n = match file.read_at(room, at) {
            Ok(0) => {
                return Err(io::Error::new(
                    io::ErrorKind::UnexpectedEof,
                    format!(
                        "the file ended at byte {at} while hashing (it was {size} bytes when opened)"
                    ),
                ));
            }
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(e) => return Err(e),
        };
        hasher.update(room.get(..n).unwrap_or_default());
        at += n as u64;
    }
    Ok(crate::digest::to_hex(&hasher.finalize()))
}

/// Elsewhere a second handle would share the parser's position: [`super::open_with`] hashes
/// before parsing there, and no job reaches this.
#[cfg(not(unix))]
fn hash_at(_: &File, _: u64, _: &AtomicBool) -> io::Result<String> {
    Err(io::Error::from(io::ErrorKind::Unsupported))
}
