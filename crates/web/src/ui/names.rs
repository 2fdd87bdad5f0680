//! The names the monitor shows beside the router's figures: queues (with their department and
//! service level) and users. Read once and kept, so a refresh costs the router's answer only;
//! read again after a local change of the routing configuration, after a minute (changes made
//! on other nodes), or when the router names a queue or user not known yet.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};
use switchboard_domain::Scope;

use switchboard_domain::{DepartmentId, Queue, QueueId, User, UserId};
use switchboard_store::{Page, PageRequest, QueueFilter, StoreError, UserFilter};
use tokio::sync::Mutex;

use crate::error::ApiResult;
use crate::state::AppState;

/// How long names are trusted without a local change.
const FRESH: Duration = Duration::from_secs(60);

/// A queue as the monitor names it.
pub struct QueueName {
    /// The queue's name.
    pub name: String,
    /// Its department's name.
    pub department: String,
    /// Its department.
    pub department_id: DepartmentId,
    /// Its service level, in seconds.
    pub service_level_secs: u32,
}

/// Queue and user names at one moment.
pub struct Names {
    /// Queues by id.
    pub queues: HashMap<QueueId, QueueName>,
    /// User names by id.
    pub users: HashMap<UserId, String>,
    version: u64,
    loaded: Instant,
}

/// The shared cache (one per server).
#[derive(Default)]
pub struct NameCache {
    cell: Mutex<Option<Arc<Names>>>,
}

impl NameCache {
    /// Names covering `queues` and `users`, read again when stale. Concurrent callers wait for
    /// one read.
    pub async fn get(
        &self,
        s: &AppState,
        queues: impl Iterator<Item = QueueId>,
        users: impl Iterator<Item = UserId>,
    ) -> ApiResult<Arc<Names>> {
        let version = *s.store.notify().routing_config().borrow();
        let mut cell = self.cell.lock().await;
        if let Some(n) = cell.as_ref() {
            let mut queues = queues;
            let mut users = users;
            let fresh = n.version == version && n.loaded.elapsed() < FRESH;
            if fresh
                && queues.all(|q| n.queues.contains_key(&q))
                && users.all(|u| n.users.contains_key(&u))
            {
                return Ok(Arc::clone(n));
            }
        }
        let n = Arc::new(read(s, version).await?);
        *cell = Some(Arc::clone(&n));
        Ok(n)
    }
}

/// Names of every department's objects: pages show names only of objects they may show.
async fn read(s: &AppState, version: u64) -> ApiResult<Names> {
    let st = &s.store;
    let queues: Vec<Queue> = all_pages(|p| async move {
        st.list_queues(&Scope::All, &QueueFilter::default(), &p)
            .await
    })
    .await?;
    let users: Vec<User> =
        all_pages(|p| async move { st.list_users(&Scope::All, &UserFilter::default(), &p).await })
            .await?;
    let departments: HashMap<i64, String> = st
        .list_departments(
            &Scope::All,
            &PageRequest::first(switchboard_store::MAX_PAGE),
        )
        .await?
        .items
        .into_iter()
        .map(|d| (d.id.0, d.name))
        .collect();
    Ok(Names {
        queues: queues
            .into_iter()
            .map(|q| {
                let department = departments
                    .get(&q.department_id.0)
                    .cloned()
                    .unwrap_or_default();
                let name = QueueName {
                    name: q.name,
                    department,
                    department_id: q.department_id,
                    service_level_secs: q.service_level_secs,
                };
                (q.id, name)
            })
            .collect(),
        users: users.into_iter().map(|u| (u.id, u.name)).collect(),
        version,
        loaded: Instant::now(),
    })
}

/// Every page of a list, in id order.
pub async fn all_pages<T, F, Fut>(mut read: F) -> ApiResult<Vec<T>>
where
    F: FnMut(PageRequest) -> Fut,
    Fut: Future<Output = Result<Page<T>, StoreError>>,
    T: HasId,
{
    let mut out = Vec::new();
    let mut after = None;
    loop {
        let page = read(PageRequest::after(switchboard_store::MAX_PAGE, after)).await?;
        let more = page.next_cursor.is_some();
        after = page.items.last().map(HasId::id);
        out.extend(page.items);
        if !more || after.is_none() {
            return Ok(out);
        }
    }
}

/// Objects with a numeric id (for reading every page).
pub trait HasId {
    /// The id.
    fn id(&self) -> i64;
}

impl HasId for User {
    fn id(&self) -> i64 {
        self.id.0
    }
}

impl HasId for Queue {
    fn id(&self) -> i64 {
        self.id.0
    }
}
