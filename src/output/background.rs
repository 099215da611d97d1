//! A buffered file writer whose writes to the operating system happen on a thread of its own.
//!
//! A large report is tens of megabytes; copying it into the page cache (`write`) was a tenth
//! of a run's time on the thread that reads the capture. Here that thread only fills a buffer:
//! full buffers go to a writer thread through a bounded queue ([`QUEUED`] buffers at most, so
//! a slow disk holds back the run instead of growing memory), and the writer thread makes the
//! system calls. The bytes, their order and the file are exactly those of a plain buffered
//! writer; only the thread that copies them differs.
//!
//! A small output never starts the thread: an output smaller than one buffer is written by
//! the flush (or `fsync`) that completes it, on the calling thread.
//!
//! Errors: the first error of the writer thread is kept and returned by the next `write`,
//! `flush` or `sync_all` (nothing after it is written, as with a plain writer that stopped at
//! its error).

use std::fs::File;
use std::io::{self, Write};
use std::sync::mpsc;
use std::thread::JoinHandle;

/// Bytes gathered before they are handed to the writer thread: large enough that a hand-over
/// (and a `write`) costs little per byte, small enough to stay in cache while copied. With
/// the queue, one being filled and one being written, at most 1.5 MiB per output (1 MiB
/// buffers held 6 MiB: the 192 MB capture's peak was 1.5 MB higher, no faster).
const BUFFER: usize = 256 << 10;

/// Buffers waiting for the writer thread at most: the memory a slow disk can hold back.
const QUEUED: usize = 4;

enum Job {
    Write(Vec<u8>),
    /// Reply once everything before it was written (and, with `sync`, `fsync`ed).
    Flush {
        sync: bool,
        reply: mpsc::SyncSender<io::Result<()>>,
    },
}

/// See the module's documentation.
#[derive(Debug)]
pub struct BackgroundFile {
    buffer: Vec<u8>,
    state: State,
}

#[derive(Debug)]
enum State {
    /// No byte handed over yet: the file is still here.
    Here(File),
    /// The writer thread has the file.
    Away {
        jobs: mpsc::SyncSender<Job>,
        /// Buffers the writer thread has emptied, to fill again (no fresh allocation, and no
        /// fresh pages to fault in, per buffer written).
        spare: mpsc::Receiver<Vec<u8>>,
        worker: JoinHandle<(File, io::Result<()>)>,
    },
    /// The writer thread ended early (it cannot panic on bytes; were it to): this error.
    Gone(io::ErrorKind, String),
}

impl BackgroundFile {
    pub fn new(file: File) -> BackgroundFile {
        BackgroundFile {
            buffer: Vec::new(),
            state: State::Here(file),
        }
    }

    /// Hand the buffer to the writer thread (starting it the first time).
    fn hand_over(&mut self) -> io::Result<()> {
        if self.buffer.is_empty() {
            return Ok(());
        }
        let full = std::mem::take(&mut self.buffer);
        let state = std::mem::replace(
            &mut self.state,
            State::Gone(io::ErrorKind::Other, String::new()),
        );
        self.state = match state {
            State::Here(file) => {
                let (jobs, queue) = mpsc::sync_channel::<Job>(QUEUED);
                let (back, spare) = mpsc::channel();
                let worker = std::thread::Builder::new()
                    .name("residency-write".into())
                    .spawn(move || write_all(file, queue, back))?;
                State::Away {
                    jobs,
                    spare,
                    worker,
                }
            }
            other => other,
        };
        match &self.state {
            State::Away { jobs, spare, .. } => {
                if jobs.send(Job::Write(full)).is_err() {
                    return Err(self.ended());
                }
                if let Ok(emptied) = spare.try_recv() {
                    self.buffer = emptied;
                }
                Ok(())
            }
            State::Gone(kind, message) => Err(io::Error::new(*kind, message.clone())),
            State::Here(_) => Ok(()),
        }
    }

    /// The writer thread stopped: its error (kept for every later call).
    fn ended(&mut self) -> io::Error {
        let state = std::mem::replace(
            &mut self.state,
            State::Gone(io::ErrorKind::Other, String::new()),
        );
        let error = match state {
            State::Away { jobs, worker, .. } => {
                drop(jobs);
                match worker.join() {
                    Ok((_, Err(e))) => e,
                    Ok((_, Ok(()))) => io::Error::other("the writing thread ended early"),
                    Err(_) => io::Error::other("the writing thread failed"),
                }
            }
            State::Gone(kind, message) => io::Error::new(kind, message),
            State::Here(_) => io::Error::other("the writing thread ended early"),
        };
        self.state = State::Gone(error.kind(), error.to_string());
        error
    }

    /// Everything written and the file back, or the first error (for tests: read it back).
    #[cfg(test)]
    fn into_file(mut self) -> io::Result<File> {
        let buffer = std::mem::take(&mut self.buffer);
        match std::mem::replace(
            &mut self.state,
            State::Gone(io::ErrorKind::Other, String::new()),
        ) {
            State::Here(mut file) => {
                file.write_all(&buffer)?;
                Ok(file)
            }
            State::Away { jobs, worker, .. } => {
                let sent = buffer.is_empty() || jobs.send(Job::Write(buffer)).is_ok();
                drop(jobs);
                let (file, result) = worker
                    .join()
                    .map_err(|_| io::Error::other("the writing thread failed"))?;
                result?;
                if !sent {
                    return Err(io::Error::other("the writing thread ended early"));
                }
                Ok(file)
            }
            State::Gone(kind, message) => Err(io::Error::new(kind, message)),
        }
    }
}

/// The writer thread: writes every buffer in order and hands it back emptied; after an error,
/// writes nothing more and returns it with the file.
fn write_all(
    mut file: File,
    queue: mpsc::Receiver<Job>,
    back: mpsc::Sender<Vec<u8>>,
) -> (File, io::Result<()>) {
    for job in queue {
        match job {
            Job::Write(mut bytes) => {
                if let Err(e) = file.write_all(&bytes) {
                    return (file, Err(e));
                }
                bytes.clear();
                // The writer may be gone (dropped without finishing): nothing to hand back to.
                let _ = back.send(bytes);
            }
            Job::Flush { sync, reply } => {
                let done = if sync { file.sync_all() } else { file.flush() };
                let _ = reply.send(done);
            }
        }
    }
    (file, Ok(()))
}

impl Write for BackgroundFile {
    fn write(&mut self, buf: &[u8]) -> io::Result<usize> {
        if let State::Gone(kind, message) = &self.state {
            return Err(io::Error::new(*kind, message.clone()));
        }
        if self.buffer.capacity() == 0 {
            self.buffer.reserve_exact(BUFFER);
        }
        let room = BUFFER.saturating_sub(self.buffer.len());
        let n = buf.len().min(room);
        self.buffer
            .extend_from_slice(buf.get(..n).unwrap_or_default());
        if self.buffer.len() >= BUFFER {
            self.hand_over()?;
        }
        Ok(n)
    }

    /// Everything written so far reaches the file (waits for the writer thread).
    fn flush(&mut self) -> io::Result<()> {
        self.settle(false)
    }
}

impl BackgroundFile {
    /// Everything written so far reaches the file and the disk (`fsync`).
    pub fn sync_all(&mut self) -> io::Result<()> {
        self.settle(true)
    }

    fn settle(&mut self, sync: bool) -> io::Result<()> {
        // Nothing handed over yet: written here, the thread never started.
        if let State::Here(file) = &mut self.state {
            file.write_all(&self.buffer)?;
            self.buffer.clear();
            return if sync { file.sync_all() } else { file.flush() };
        }
        self.hand_over()?;
        let jobs = match &self.state {
            State::Away { jobs, .. } => jobs,
            State::Gone(kind, message) => return Err(io::Error::new(*kind, message.clone())),
            State::Here(_) => return Ok(()),
        };
        let (reply, answer) = mpsc::sync_channel(1);
        if jobs.send(Job::Flush { sync, reply }).is_err() {
            return Err(self.ended());
        }
        match answer.recv() {
            Ok(result) => result,
            Err(_) => Err(self.ended()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn bytes_arrive_in_order_small_and_large() {
        for size in [
            0usize,
            10,
            BUFFER - 1,
            BUFFER,
            BUFFER + 1,
            7 * BUFFER + 12_345,
        ] {
            let file = tempfile::tempfile().unwrap();
            let mut w = BackgroundFile::new(file);
            let data: Vec<u8> = (0..size).map(|i| (i % 251) as u8).collect();
            // Odd-sized writes, with a flush in the middle.
            for (i, chunk) in data.chunks(3_001).enumerate() {
                w.write_all(chunk).unwrap();
                if i == 100 {
                    w.flush().unwrap();
                }
            }
            let mut file = w.into_file().unwrap();
            let mut back = Vec::new();
            use std::io::Seek;
            file.rewind().unwrap();
            file.read_to_end(&mut back).unwrap();
            assert!(back == data, "{size} bytes");
        }
    }

    #[test]
    fn a_full_device_is_an_error_not_a_silent_loss() {
        let Ok(full) = std::fs::OpenOptions::new().write(true).open("/dev/full") else {
            return;
        };
        let mut w = BackgroundFile::new(full);
        let data = vec![1u8; 3 * BUFFER];
        let wrote = w.write_all(&data).and_then(|()| w.flush());
        let kept = w.into_file();
        assert!(wrote.is_err() || kept.is_err());
    }
}
