//! Password hashing and verification with bounded memory. Argon2id needs 19 MiB of working
//! memory per password (OWASP's parameters). Allocated afresh for each login on the blocking
//! pool's threads, those blocks stayed with the allocator: 60 logins left an idle server at
//! 1.6 GiB. Here at most one verification per core runs at once, each on a working buffer taken
//! from a small pool and given back, and the pool is released after a quiet period; the buffers
//! are reserved large enough that the allocator maps each on its own and returns it when freed
//! (see [`RESERVED_BLOCKS`]).

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, LazyLock, Mutex};
use std::time::{Duration, Instant};

use argon2::password_hash::{Output, ParamsString, PasswordHash, SaltString};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use rand::rngs::OsRng;

use crate::error::StoreError;

/// How long the working buffers are kept after the last use.
pub const IDLE_RELEASE: Duration = Duration::from_secs(20);

/// Most password checks waiting for a turn; beyond, callers are told to come back.
pub const MAX_WAITING: usize = 4096;

/// The process-wide password worker.
static WORKER: LazyLock<Arc<Worker>> = LazyLock::new(|| {
    let cores = std::thread::available_parallelism().map_or(2, usize::from);
    Arc::new(Worker {
        turns: tokio::sync::Semaphore::new(cores),
        buffers: Mutex::new(Vec::new()),
        last_used: Mutex::new(Instant::now()),
        release_scheduled: AtomicBool::new(false),
        waiting: AtomicUsize::new(0),
        in_use: AtomicUsize::new(0),
    })
});

struct Worker {
    turns: tokio::sync::Semaphore,
    buffers: Mutex<Vec<Vec<Block>>>,
    last_used: Mutex<Instant>,
    release_scheduled: AtomicBool,
    waiting: AtomicUsize,
    in_use: AtomicUsize,
}

/// What the worker holds now: working buffers pooled and checks running.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct WorkerState {
    /// Buffers kept for the next checks.
    pub pooled_buffers: usize,
    /// Checks running or waiting.
    pub busy: usize,
}

/// The worker's state (for benchmarks and health).
pub fn state() -> WorkerState {
    let w = &*WORKER;
    WorkerState {
        pooled_buffers: w.buffers.lock().map_or(0, |b| b.len()),
        busy: w.waiting.load(Ordering::Relaxed) + w.in_use.load(Ordering::Relaxed),
    }
}

/// Whether `password` matches the stored PHC `hash` (constant-time comparison). A malformed
/// hash never matches.
pub async fn verify(password: String, hash: String) -> Result<bool, StoreError> {
    run(move |blocks| Ok(check(&password, &hash, blocks))).await
}

/// Hashes a password with argon2id's default parameters and a random salt (PHC string).
pub async fn hash(password: String) -> Result<String, StoreError> {
    run(move |blocks| make(&password, blocks)).await
}

/// Runs `f` with a working buffer, one per core at once.
async fn run<T: Send + 'static>(
    f: impl FnOnce(&mut Vec<Block>) -> Result<T, StoreError> + Send + 'static,
) -> Result<T, StoreError> {
    let w = Arc::clone(&WORKER);
    if w.waiting.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
        w.waiting.fetch_sub(1, Ordering::SeqCst);
        return Err(StoreError::Unavailable(
            "too many password checks at once; retry shortly".into(),
        ));
    }
    let turn = w.turns.acquire().await;
    w.waiting.fetch_sub(1, Ordering::SeqCst);
    let _turn = turn.map_err(|e| StoreError::Internal(e.to_string()))?;
    w.in_use.fetch_add(1, Ordering::SeqCst);
    let mut blocks = w
        .buffers
        .lock()
        .map_err(|_| StoreError::Internal("password buffers poisoned".into()))?
        .pop()
        .unwrap_or_default();
    let done = tokio::task::spawn_blocking(move || {
        let out = f(&mut blocks);
        (out, blocks)
    })
    .await;
    w.in_use.fetch_sub(1, Ordering::SeqCst);
    let (out, blocks) = done.map_err(|e| StoreError::Internal(e.to_string()))?;
    if let Ok(mut b) = w.buffers.lock() {
        b.push(blocks);
    }
    if let Ok(mut t) = w.last_used.lock() {
        *t = Instant::now();
    }
    schedule_release(&w);
    out
}

/// Frees the pooled buffers once nothing used them for [`IDLE_RELEASE`].
fn schedule_release(w: &Arc<Worker>) {
    if w.release_scheduled.swap(true, Ordering::SeqCst) {
        return;
    }
    let w = Arc::clone(w);
    tokio::spawn(async move {
        loop {
            tokio::time::sleep(IDLE_RELEASE).await;
            let quiet = w
                .last_used
                .lock()
                .map_or(true, |t| t.elapsed() >= IDLE_RELEASE);
            if quiet {
                if let Ok(mut b) = w.buffers.lock() {
                    b.clear();
                    b.shrink_to_fit();
                }
                w.release_scheduled.store(false, Ordering::SeqCst);
                return;
            }
        }
    });
}

/// Blocks reserved for a working buffer: more than the C allocator's largest threshold for
/// mapping a block on its own (32 MiB with glibc). A smaller block, once freed, raises that
/// threshold to its own size, and the next one of the same size then comes from the heap and
/// stays there when freed — the growth measured before. Reserving more keeps every buffer a
/// mapping of its own, returned to the system when freed; only the blocks argon2 uses (19 MiB)
/// are ever touched, so only they count in the resident memory.
const RESERVED_BLOCKS: usize = 34 * 1024;

/// A buffer of at least `n` blocks.
fn sized(blocks: &mut Vec<Block>, n: usize) -> &mut [Block] {
    if blocks.len() < n {
        let mut fresh = Vec::with_capacity(n.max(RESERVED_BLOCKS));
        fresh.resize(n, Block::default());
        *blocks = fresh;
    }
    &mut blocks[..n]
}

fn check(password: &str, hash: &str, blocks: &mut Vec<Block>) -> bool {
    let Ok(parsed) = PasswordHash::new(hash) else {
        return false;
    };
    let (Some(expected), Some(salt)) = (parsed.hash, parsed.salt) else {
        return false;
    };
    let Ok(algorithm) = Algorithm::try_from(parsed.algorithm) else {
        return false;
    };
    let version = parsed
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or_default();
    let Ok(params) = Params::try_from(&parsed) else {
        return false;
    };
    let mut salt_bytes = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_bytes) else {
        return false;
    };
    let n = params.block_count();
    let argon = Argon2::new(algorithm, version, params);
    let mut out = vec![0u8; expected.len()];
    if argon
        .hash_password_into_with_memory(password.as_bytes(), salt, &mut out, sized(blocks, n))
        .is_err()
    {
        return false;
    }
    Output::new(&out).is_ok_and(|got| got == expected)
}

fn make(password: &str, blocks: &mut Vec<Block>) -> Result<String, StoreError> {
    let fail = |e: &dyn std::fmt::Display| StoreError::Internal(format!("password hashing: {e}"));
    let params = Params::default();
    let salt = SaltString::generate(&mut OsRng);
    let mut salt_bytes = [0u8; 64];
    let raw_salt = salt.decode_b64(&mut salt_bytes).map_err(|e| fail(&e))?;
    let n = params.block_count();
    let argon = Argon2::new(Algorithm::Argon2id, Version::V0x13, params.clone());
    let mut out = vec![0u8; Params::DEFAULT_OUTPUT_LEN];
    argon
        .hash_password_into_with_memory(password.as_bytes(), raw_salt, &mut out, sized(blocks, n))
        .map_err(|e| fail(&e))?;
    let phc = PasswordHash {
        algorithm: Algorithm::Argon2id.ident(),
        version: Some(Version::V0x13.into()),
        params: ParamsString::try_from(&params).map_err(|e| fail(&e))?,
        salt: Some(salt.as_salt()),
        hash: Some(Output::new(&out).map_err(|e| fail(&e))?),
    };
    Ok(phc.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn pooled_hashes_verify_and_match_the_standard_form() {
        let h = hash("correct horse battery".into())
            .await
            .unwrap_or_default();
        assert!(h.starts_with("$argon2id$v=19$m=19456,t=2,p=1$"), "{h}");
        assert!(
            verify("correct horse battery".into(), h.clone())
                .await
                .unwrap_or(false)
        );
        assert!(
            !verify("wrong horse battery".into(), h.clone())
                .await
                .unwrap_or(true)
        );
        assert!(crate::secrets::verify_password("correct horse battery", &h));
        let standard = crate::secrets::hash_password("correct horse battery").unwrap_or_default();
        assert!(
            verify("correct horse battery".into(), standard)
                .await
                .unwrap_or(false)
        );
        assert!(
            !verify("x".into(), "not a hash".into())
                .await
                .unwrap_or(true)
        );
        assert!(state().pooled_buffers >= 1);
    }
}
