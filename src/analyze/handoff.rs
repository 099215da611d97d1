//! The two halves of the pipeline, and how an ended flow goes from one to the other.
//!
//! The front half reads packets and keeps the per-packet stages (flow table, names, round
//! trips); when a flow ends it takes the flow's names as of then (`Front::drain`). The back
//! half places and judges the flow's remote address, counts it in the summary and writes its
//! record (`Back::take`). With one thread the back half runs at once, inside the front's call;
//! with more, while a capture is read ([`Analyzer::read`](super::Analyzer::read)), it runs on a
//! thread of its own, fed in order through a bounded queue, so that reading the next packets
//! overlaps placing and writing the flows that ended. The close runs both halves on one thread
//! (nothing is read then to overlap), and so does a live capture (`feed`/`flush`).
//!
//! Nothing the back half does feeds back into the front: it takes the flows in the order the
//! front ended them, with everything they need, so the outputs are the same byte for byte
//! whatever the thread count (tests/threads.rs). Why not more workers sharded by flow, as
//! Suricata and Zeek run: measured, reading and the per-packet stages are under half of the
//! work, and the back half's per-address table, summary and outputs take the flows in one
//! order; sharding would parallelise the smaller part and need a merge back into that order.
//! docs/performance.md has the figures.

use super::ended::{Back, Closed};
use super::{Context, Front, Sink};
use std::io;
use std::sync::mpsc::{self, SyncSender};

/// Ended flows sent to the back half at a time. A flow ends about every 25 packets on an
/// office link: a batch of 128 costs one wake-up of the back half per few thousand packets,
/// and holds about 100 kB.
const BATCH: usize = 128;

/// Batches queued for the back half before the front waits for it: the queue absorbs a burst
/// (a sweep of idle flows ends thousands at once) while bounding what waits to a few batches.
const QUEUED_BATCHES: usize = 4;

/// Where the front half's ended flows go.
pub(super) enum Handoff<'h, 'c> {
    /// Straight to the back half, on this thread.
    Direct {
        back: &'h mut Back,
        ctx: &'h Context<'c>,
        sink: &'h mut dyn Sink,
    },
    /// To the back half's thread, a batch at a time.
    Queue {
        batch: Vec<Closed>,
        to: SyncSender<Vec<Closed>>,
    },
}

impl Handoff<'_, '_> {
    /// One ended flow. An error is the outputs' (with a queue: the back half has stopped, and
    /// its own error is the one [`run`] returns).
    pub(super) fn send(&mut self, closed: Closed) -> io::Result<()> {
        match self {
            Handoff::Direct { back, ctx, sink } => back.take(ctx, closed, &mut **sink),
            Handoff::Queue { batch, .. } => {
                batch.push(closed);
                if batch.len() >= BATCH {
                    self.flush()
                } else {
                    Ok(())
                }
            }
        }
    }

    /// Send what waits in the batch.
    fn flush(&mut self) -> io::Result<()> {
        match self {
            Handoff::Direct { .. } => Ok(()),
            Handoff::Queue { batch, to } => {
                if batch.is_empty() {
                    return Ok(());
                }
                let full = std::mem::replace(batch, Vec::with_capacity(BATCH));
                to.send(full).map_err(|_| stopped())
            }
        }
    }
}

/// The back half stopped taking flows (it met an error, which [`run`] returns).
fn stopped() -> io::Error {
    io::Error::other("the outputs stopped taking flows")
}

/// Run `front_work` on this thread with its ended flows going to `back`: on a thread of its own
/// when `ctx` allows more than one, else at once. The back half's error comes first: it is why
/// the front half stopped.
pub(super) fn run<'c>(
    ctx: &Context<'c>,
    front: &mut Front,
    back: &mut Back,
    sink: &mut dyn Sink,
    front_work: impl FnOnce(&mut Front, &mut Handoff<'_, 'c>) -> io::Result<()>,
) -> io::Result<()> {
    if ctx.options.threads < 2 {
        let mut out = Handoff::Direct { back, ctx, sink };
        return front_work(front, &mut out);
    }
    std::thread::scope(|scope| {
        let (to, from) = mpsc::sync_channel::<Vec<Closed>>(QUEUED_BATCHES);
        let worker = std::thread::Builder::new()
            .name("residency-flows".to_string())
            .spawn_scoped(scope, move || -> io::Result<()> {
                for batch in from {
                    for closed in batch {
                        back.take(ctx, closed, &mut *sink)?;
                    }
                }
                Ok(())
            })?;
        let mut out = Handoff::Queue {
            batch: Vec::with_capacity(BATCH),
            to,
        };
        let result = front_work(front, &mut out).and_then(|()| out.flush());
        // The queue closes here: the back half takes what is left and ends.
        drop(out);
        let back_result = match worker.join() {
            Ok(r) => r,
            Err(panic) => std::panic::resume_unwind(panic),
        };
        back_result.and(result)
    })
}
