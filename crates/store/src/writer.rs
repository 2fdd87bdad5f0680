//! Group commit: every durable write goes through writer tasks that gather the jobs waiting at the
//! moment into one transaction, so one fsync makes a whole batch durable.
//!
//! A batch first runs as one plain transaction. If any job in it fails, the transaction is rolled
//! back and the batch runs again with a savepoint around each job, so one bad job fails alone and
//! the others still commit. A job's result is delivered only after its transaction committed.

use std::any::Any;
use std::sync::Arc;
use std::time::Instant;

use futures_util::future::BoxFuture;
use sqlx::Connection;
use sqlx::{AnyConnection, AnyPool};
use tokio::sync::{Mutex, mpsc, oneshot};

use crate::backend::Backend;
use crate::error::StoreError;
use crate::leases::check_fence;
use switchboard_domain::lease::Lease;

/// Most jobs in one transaction.
const MAX_BATCH: usize = 256;

type Output = Box<dyn Any + Send>;

/// One unit of work run inside the batch transaction. It may run twice (see the module docs), so
/// it must not consume what it captures.
pub(crate) type JobFn = Box<
    dyn for<'c> FnMut(&'c mut AnyConnection) -> BoxFuture<'c, Result<Output, StoreError>> + Send,
>;

struct Job {
    run: JobFn,
    /// The lease the job's writes are fenced by ([`crate::Store::fenced`]).
    fence: Option<Arc<Lease>>,
    reply: oneshot::Sender<Result<Output, StoreError>>,
}

/// The sending side: cheap to clone, shared by every store handle.
#[derive(Clone)]
pub(crate) struct Writer {
    tx: mpsc::Sender<Job>,
}

/// What a batch runs against.
#[derive(Clone)]
struct Target {
    pool: AnyPool,
    backend: Backend,
}

impl Writer {
    /// Starts `tasks` writer tasks over `pool` (one for SQLite: it has a single writer anyway).
    pub(crate) fn start(pool: AnyPool, backend: Backend, tasks: usize) -> Writer {
        let (tx, rx) = mpsc::channel::<Job>(MAX_BATCH * 8);
        let rx = Arc::new(Mutex::new(rx));
        for _ in 0..tasks.max(1) {
            let rx = Arc::clone(&rx);
            let target = Target {
                pool: pool.clone(),
                backend,
            };
            tokio::spawn(async move {
                while let Some(batch) = next_batch(&rx).await {
                    run_batch(&target, batch).await;
                }
            });
        }
        Writer { tx }
    }

    /// Runs `job` durably and returns its result once committed.
    pub(crate) async fn write<T: Send + 'static>(
        &self,
        job: impl for<'c> FnMut(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, StoreError>>
        + Send
        + 'static,
    ) -> Result<T, StoreError> {
        self.write_fenced(None, job).await
    }

    /// Runs `job` durably, in a transaction that first checks `fence` is still held (when
    /// given), and returns its result once committed.
    pub(crate) async fn write_fenced<T: Send + 'static>(
        &self,
        fence: Option<Arc<Lease>>,
        mut job: impl for<'c> FnMut(&'c mut AnyConnection) -> BoxFuture<'c, Result<T, StoreError>>
        + Send
        + 'static,
    ) -> Result<T, StoreError> {
        let (reply, rx) = oneshot::channel();
        let run: JobFn = Box::new(move |conn| {
            let fut = job(conn);
            Box::pin(async move { fut.await.map(|v| Box::new(v) as Output) })
        });
        self.tx
            .send(Job { run, fence, reply })
            .await
            .map_err(|_| StoreError::Unavailable("the store is shutting down".into()))?;
        let out = rx
            .await
            .map_err(|_| StoreError::Internal("the writer stopped before answering".into()))??;
        out.downcast::<T>()
            .map(|b| *b)
            .map_err(|_| StoreError::Internal("writer returned the wrong type".into()))
    }
}

async fn next_batch(rx: &Mutex<mpsc::Receiver<Job>>) -> Option<Vec<Job>> {
    let mut rx = rx.lock().await;
    let first = rx.recv().await?;
    let mut batch = vec![first];
    while batch.len() < MAX_BATCH {
        match rx.try_recv() {
            Ok(j) => batch.push(j),
            Err(_) => break,
        }
    }
    Some(batch)
}

enum Attempt {
    /// Committed; one result per job.
    Done(Vec<Result<Output, StoreError>>),
    /// A job failed in a plain batch: retry with savepoints.
    JobFailed,
    /// The batch as a whole failed (connection lost, commit failed): nothing was written.
    Failed(StoreError),
}

async fn run_batch(target: &Target, mut batch: Vec<Job>) {
    let started = Instant::now();
    let size = batch.len();
    let attempt = match attempt(target, &mut batch, false).await {
        Attempt::JobFailed => attempt(target, &mut batch, true).await,
        other => other,
    };
    metrics::histogram!("switchboard_store_batch_size").record(size as f64);
    metrics::histogram!("switchboard_store_batch_seconds").record(started.elapsed().as_secs_f64());
    match attempt {
        Attempt::Done(results) => {
            for (job, r) in batch.into_iter().zip(results) {
                let _ = job.reply.send(r);
            }
        }
        // An isolated run never reports a single failed job; treat it as a failed batch.
        Attempt::Failed(_) | Attempt::JobFailed => {
            let e = match attempt {
                Attempt::Failed(e) => e,
                _ => StoreError::Internal("write batch failed twice".into()),
            };
            tracing::warn!(error = %e, jobs = size, "write batch failed");
            if target.backend == Backend::Sqlite {
                // A failed COMMIT (a full disk) can leave SQLite's one writer connection inside
                // its transaction, where later batches would "commit" into a transaction no
                // one ever ends. A fresh connection starts clean; closing this one rolls back.
                if let Ok(c) = target.pool.acquire().await {
                    let _ = c.close().await;
                }
            }
            let msg = e.to_string();
            let unavailable = matches!(e, StoreError::Unavailable(_));
            for job in batch {
                let err = if unavailable {
                    StoreError::Unavailable(msg.clone())
                } else {
                    StoreError::Internal(msg.clone())
                };
                let _ = job.reply.send(Err(err));
            }
        }
    }
}

/// Runs the batch in one transaction. Plain: the first failing job rolls everything back
/// ([`Attempt::JobFailed`]). Isolated: each job runs under its own savepoint and fails alone.
async fn attempt(target: &Target, batch: &mut [Job], isolate: bool) -> Attempt {
    // SQLite: take the write lock up front. A deferred transaction that reads before it writes
    // cannot wait for another process's writer (the CLI's, beside a running server): SQLite
    // fails it at once as "database is locked". Taking the lock first waits the busy timeout.
    let begun = match target.backend {
        Backend::Sqlite => target.pool.begin_with("BEGIN IMMEDIATE").await,
        Backend::Postgres => target.pool.begin().await,
    };
    let mut tx = match begun {
        Ok(tx) => tx,
        Err(e) => return Attempt::Failed(e.into()),
    };
    let mut results = Vec::with_capacity(batch.len());
    for job in batch.iter_mut() {
        if !isolate {
            match run_job(target.backend, job, &mut tx).await {
                Ok(v) => results.push(Ok(v)),
                Err(StoreError::Unavailable(m)) => {
                    return Attempt::Failed(StoreError::Unavailable(m));
                }
                Err(_) => {
                    let _ = tx.rollback().await;
                    return Attempt::JobFailed;
                }
            }
            continue;
        }
        let mut sp = match tx.begin().await {
            Ok(sp) => sp,
            Err(e) => return Attempt::Failed(e.into()),
        };
        let (outcome, end) = match run_job(target.backend, job, &mut sp).await {
            Err(StoreError::Unavailable(m)) => return Attempt::Failed(StoreError::Unavailable(m)),
            Ok(v) => (Ok(v), sp.commit().await),
            Err(e) => (Err(e), sp.rollback().await),
        };
        if let Err(e) = end {
            return Attempt::Failed(e.into());
        }
        results.push(outcome);
    }
    match tx.commit().await {
        Ok(()) => Attempt::Done(results),
        Err(e) => Attempt::Failed(e.into()),
    }
}

/// Runs one job on `c`, after checking its fence.
async fn run_job(
    backend: Backend,
    job: &mut Job,
    c: &mut AnyConnection,
) -> Result<Output, StoreError> {
    if let Some(fence) = &job.fence {
        check_fence(&mut *c, backend, fence).await?;
    }
    (job.run)(c).await
}
