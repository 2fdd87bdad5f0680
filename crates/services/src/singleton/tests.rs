//! The lease loop over a real SQLite store: one holder at a time, hand-over on shutdown, a lost
//! lease stops the service and fences its writes, a database out of reach stops it before the
//! lease can lapse.

use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize};

use switchboard_store::{Store, StoreError, StoreOptions};

use super::*;

/// A directory removed when dropped.
struct TempDir(PathBuf);

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn store() -> (Store, TempDir) {
    let name = format!("sb-lease-{}", switchboard_store::auth::random_secret());
    let dir = TempDir(std::env::temp_dir().join(&name[..26]));
    std::fs::create_dir_all(&dir.0).unwrap();
    let url = format!("sqlite://{}", dir.0.join("sb.db").display());
    let store = Store::open(&url, &StoreOptions::default()).await.unwrap();
    store.migrate(0).await.unwrap();
    (store, dir)
}

/// What one node's service did.
#[derive(Default)]
struct Seen {
    running: AtomicBool,
    starts: AtomicUsize,
    written: AtomicUsize,
    fenced: AtomicUsize,
    valid_after_stop: AtomicBool,
}

/// A service writing through its fenced handle every 20 ms until told to stop; it goes on
/// trying for a moment after the stop (a slow service), and counts what it was allowed.
async fn service(held: Held, seen: Arc<Seen>) {
    seen.starts.fetch_add(1, Ordering::SeqCst);
    seen.running.store(true, Ordering::SeqCst);
    let mut stop = held.stop.clone();
    loop {
        match held.store.outbox_recover(now()).await {
            Ok(_) => seen.written.fetch_add(1, Ordering::SeqCst),
            Err(StoreError::Fenced(_)) => seen.fenced.fetch_add(1, Ordering::SeqCst),
            Err(_) => 0,
        };
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(20)) => {}
            () = stopped(&mut stop) => break,
        }
    }
    seen.valid_after_stop
        .store(held.valid.holds(now()), Ordering::SeqCst);
    seen.running.store(false, Ordering::SeqCst);
}

const TTL: Duration = Duration::from_millis(900);

fn node(
    store: &Store,
    name: &str,
    status: &Registry,
) -> (
    Arc<Seen>,
    watch::Sender<bool>,
    JoinHandle<()>,
    LeaseSettings,
) {
    let seen = Arc::new(Seen::default());
    let (stop, rx) = watch::channel(false);
    let settings = LeaseSettings::new(name, TTL);
    let s = Arc::clone(&seen);
    let task = tokio::spawn(hold(
        store.clone(),
        "svc".into(),
        settings.clone(),
        status.clone(),
        rx,
        move |held| service(held, Arc::clone(&s)),
    ));
    (seen, stop, task, settings)
}

async fn until(what: &str, f: impl Fn() -> bool) {
    for _ in 0..500 {
        if f() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("never: {what}");
}

#[tokio::test]
async fn one_node_runs_it_and_hands_it_over_on_shutdown() {
    let (store, _dir) = store().await;
    let (sa, sb) = (Registry::default(), Registry::default());
    let (a, stop_a, task_a, set_a) = node(&store, "node-a", &sa);
    until("a runs", || a.running.load(Ordering::SeqCst)).await;
    let (b, stop_b, task_b, _) = node(&store, "node-b", &sb);
    tokio::time::sleep(TTL * 2).await;
    assert!(!b.running.load(Ordering::SeqCst), "only the holder runs it");
    assert_eq!(sb.snapshot()["svc"].state, "standby");
    assert_eq!(sb.snapshot()["svc"].node.as_deref(), Some("node-a"));
    assert_eq!(sa.snapshot()["svc"].node.as_deref(), Some("node-a"));
    assert_eq!(
        a.fenced.load(Ordering::SeqCst),
        0,
        "renewals keep its token"
    );
    // Shutdown releases the lease at once: b takes over within one try, not a lease time.
    let _ = stop_a.send(true);
    task_a.await.unwrap();
    assert!(!a.running.load(Ordering::SeqCst));
    let handed = std::time::Instant::now();
    until("b runs", || b.running.load(Ordering::SeqCst)).await;
    assert!(handed.elapsed() < TTL, "{:?}", handed.elapsed());
    let lease = store.lease("svc").await.unwrap().unwrap();
    assert_eq!(node_of(&lease.holder), "node-b");
    assert_ne!(lease.holder, set_a.holder);
    assert_eq!(sa.snapshot()["svc"].state, "stopped");
    let _ = stop_b.send(true);
    task_b.await.unwrap();
}

#[tokio::test]
async fn a_lost_lease_stops_the_service_and_fences_its_writes() {
    let (store, _dir) = store().await;
    let status = Registry::default();
    let (a, stop_a, task_a, set_a) = node(&store, "node-a", &status);
    until("a runs", || a.running.load(Ordering::SeqCst)).await;
    // Another node takes the lease over (as if a's renewals had stalled past its expiry).
    assert!(store.release_lease("svc", &set_a.holder).await.unwrap());
    let thief = store
        .acquire_lease("svc", "node-c:x", 60_000, now())
        .await
        .unwrap()
        .unwrap();
    until("a stops", || !a.running.load(Ordering::SeqCst)).await;
    assert!(a.fenced.load(Ordering::SeqCst) > 0 || a.written.load(Ordering::SeqCst) > 0);
    assert!(!a.valid_after_stop.load(Ordering::SeqCst));
    let written = a.written.load(Ordering::SeqCst);
    tokio::time::sleep(TTL).await;
    assert_eq!(a.written.load(Ordering::SeqCst), written, "nothing after");
    assert_eq!(
        a.starts.load(Ordering::SeqCst),
        1,
        "not while the other holds it"
    );
    assert_eq!(status.snapshot()["svc"].state, "standby");
    // Free again: a takes it back with a new token and starts afresh.
    assert!(store.release_lease("svc", &thief.holder).await.unwrap());
    until("a runs again", || a.running.load(Ordering::SeqCst)).await;
    assert_eq!(a.starts.load(Ordering::SeqCst), 2);
    assert_eq!(store.lease("svc").await.unwrap().unwrap().fencing, 3);
    let _ = stop_a.send(true);
    task_a.await.unwrap();
    assert!(
        store.lease("svc").await.unwrap().unwrap().expires_at <= now(),
        "released on shutdown"
    );
}

#[tokio::test]
async fn an_unreachable_database_stops_the_service_before_its_lease_lapses() {
    let (store, _dir) = store().await;
    let status = Registry::default();
    let (a, _stop_a, _task_a, _) = node(&store, "node-a", &status);
    until("a runs", || a.running.load(Ordering::SeqCst)).await;
    let lease = store.lease("svc").await.unwrap().unwrap();
    store.close().await;
    until("a stops", || !a.running.load(Ordering::SeqCst)).await;
    assert!(
        now() < lease.expires_at,
        "stopped at {} before the lease's expiry at {}",
        now(),
        lease.expires_at
    );
}

#[tokio::test]
async fn a_service_that_returns_lets_the_lease_go_and_runs_again() {
    let (store, _dir) = store().await;
    let status = Registry::default();
    let starts = Arc::new(AtomicUsize::new(0));
    let (stop, rx) = watch::channel(false);
    let s = Arc::clone(&starts);
    let task = tokio::spawn(hold(
        store.clone(),
        "svc".into(),
        LeaseSettings::new("node-a", TTL),
        status.clone(),
        rx,
        move |_held| {
            let s = Arc::clone(&s);
            async move {
                s.fetch_add(1, Ordering::SeqCst);
            }
        },
    ));
    until("ran twice", || starts.load(Ordering::SeqCst) >= 2).await;
    let _ = stop.send(true);
    task.await.unwrap();
}

#[tokio::test]
async fn a_move_ends_once_its_node_holds_the_lease_so_it_can_still_fail_over() {
    let (store, _dir) = store().await;
    let (sa, sb) = (Registry::default(), Registry::default());
    let (a, stop_a, task_a, set_a) = node(&store, "node-a", &sa);
    until("a runs", || a.running.load(Ordering::SeqCst)).await;
    let (b, _stop_b, task_b, set_b) = node(&store, "node-b", &sb);
    let moving = switchboard_domain::service_control::ServiceControl {
        move_to: Some("node-b".into()),
        move_until: Some(now().plus_secs(30)),
        ..switchboard_domain::service_control::ServiceControl::free("svc")
    };
    store
        .set_service_control(moving, None, now())
        .await
        .unwrap();
    set_a.controls.read(&store).await;
    set_b.controls.read(&store).await;
    until("b runs", || b.running.load(Ordering::SeqCst)).await;
    until("a stopped", || !a.running.load(Ordering::SeqCst)).await;
    // Holding it, b ends the move.
    let mut ended = false;
    for _ in 0..100 {
        let controls = store.service_controls().await.unwrap();
        if controls.iter().all(|c| c.move_to.is_none()) {
            ended = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(ended, "the move is over once b holds the lease");
    set_a.controls.read(&store).await;
    // b dies without letting the lease go: a takes it once it lapses, not 30 s later.
    task_b.abort();
    let died = std::time::Instant::now();
    until("a runs again", || a.running.load(Ordering::SeqCst)).await;
    assert!(died.elapsed() < TTL * 3, "{:?}", died.elapsed());
    let _ = stop_a.send(true);
    task_a.await.unwrap();
}
