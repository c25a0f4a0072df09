//! Every background task of the process under one supervisor: started through [`Tasks`],
//! told to stop by one cancellation token at shutdown, and joined (with a deadline) before the
//! process exits. Nothing is detached: a task still running at exit is one the deadline cut
//! short, and it is logged by name.

use std::{
    future::Future,
    sync::{Arc, Mutex},
    time::Duration,
};

use tokio_util::{sync::CancellationToken, task::TaskTracker};

/// The supervisor. Clones share it.
#[derive(Clone, Debug, Default)]
pub struct Tasks {
    tracker: TaskTracker,
    cancel: CancellationToken,
    /// Names of the tasks still running, for the shutdown log.
    running: Arc<Mutex<Vec<(u64, &'static str)>>>,
    next: Arc<std::sync::atomic::AtomicU64>,
}

impl Tasks {
    pub fn new() -> Self {
        Self::default()
    }

    /// Cancelled when shutdown begins; long work can watch it to stop early and cleanly.
    pub fn token(&self) -> CancellationToken {
        self.cancel.clone()
    }

    /// Runs `task` until it ends or shutdown begins (it is then dropped at its next await).
    pub fn spawn(&self, name: &'static str, task: impl Future<Output = ()> + Send + 'static) {
        let cancel = self.cancel.clone();
        self.spawn_until_done(name, async move {
            tokio::select! {
                _ = cancel.cancelled() => tracing::debug!(task = name, "stopped for shutdown"),
                () = task => {}
            }
        });
    }

    /// Runs `task`, which watches [`Tasks::token`] itself and ends on its own (a job that must
    /// record how it ended, the writer that must flush).
    pub fn spawn_until_done(
        &self,
        name: &'static str,
        task: impl Future<Output = ()> + Send + 'static,
    ) {
        let id = self.next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        self.lock().push((id, name));
        let running = self.running.clone();
        self.tracker.spawn(async move {
            task.await;
            running
                .lock()
                .unwrap_or_else(|e| e.into_inner())
                .retain(|(i, _)| *i != id);
        });
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Vec<(u64, &'static str)>> {
        self.running.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Names of the tasks running now.
    pub fn running(&self) -> Vec<&'static str> {
        self.lock().iter().map(|(_, n)| *n).collect()
    }

    /// Cancels every task and waits up to `deadline` for all of them to end; returns the
    /// names of those still running then (empty when every task ended).
    pub async fn shutdown(&self, deadline: Duration) -> Vec<&'static str> {
        self.cancel.cancel();
        self.tracker.close();
        if tokio::time::timeout(deadline, self.tracker.wait())
            .await
            .is_err()
        {
            let left = self.running();
            tracing::warn!(tasks = ?left, "background tasks still running at the shutdown deadline");
            return left;
        }
        Vec::new()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn shutdown_cancels_loops_and_waits_for_work_that_finishes_itself() {
        let tasks = Tasks::new();
        tasks.spawn("forever", std::future::pending());
        let finished = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let (token, done) = (tasks.token(), finished.clone());
        tasks.spawn_until_done("job", async move {
            token.cancelled().await;
            tokio::time::sleep(Duration::from_millis(50)).await; // records its outcome
            done.store(true, std::sync::atomic::Ordering::SeqCst);
        });
        assert_eq!(tasks.running(), vec!["forever", "job"]);
        let left = tasks.shutdown(Duration::from_secs(5)).await;
        assert!(left.is_empty(), "{left:?}");
        assert!(finished.load(std::sync::atomic::Ordering::SeqCst));
        assert!(tasks.running().is_empty());
    }

    #[tokio::test]
    async fn a_task_past_the_deadline_is_named() {
        let tasks = Tasks::new();
        tasks.spawn_until_done("stubborn", std::future::pending());
        let left = tasks.shutdown(Duration::from_millis(50)).await;
        assert_eq!(left, vec!["stubborn"]);
    }
}
