//! Switchboard's use cases. Each is **gather → decide → apply**: read what the decision needs
//! (inside the write transaction when the decision must see committed state), decide with a pure
//! function over plain data, and let the store apply the outcome as data. The deciders have table
//! tests that run in milliseconds with no database.
//!
//! [`App`] is the handle the shells (services, web, cli) call for anything that changes more
//! than one row; it owns the business state that outlives a request (the compiled workflows,
//! the alarm schedule, the relay of chats followed on this server). It
//! writes no SQL (the store's [`switchboard_store::Tx`] does), speaks no HTTP and builds no MIME.
//!
//! Use cases: [`ingest`] (an inbound email becomes work), [`chat`] (web chat), [`callback`]
//! (web callback and delayed callback), [`reply`] (with the outbound
//! workflows), [`review`], [`alarms`], changing [`workflows`], wrapping work up
//! ([`wrap_up`]), internal [`notes`], merging [`customers`] and recording the waits customers
//! were told ([`wait_told`]); [`library`] compiles the workflows they run and
//! [`notify`] writes workflows' notifications; [`compose`] builds messages from the knowledge
//! base.

pub mod alarms;
pub mod callback;
pub mod chat;
pub mod compose;
pub mod customers;
pub mod ingest;
pub mod library;
pub mod notes;
pub mod notify;
pub mod reply;
pub mod reports;
pub mod review;
pub mod wait_told;
pub mod workflows;
pub mod wrap_up;

use switchboard_store::Store;

/// The use cases over one store; cheap to clone.
#[derive(Clone)]
pub struct App {
    store: Store,
    alarms: std::sync::Arc<alarms::AlarmClock>,
    library: std::sync::Arc<library::LibraryCache>,
    chats: std::sync::Arc<chat::ChatHub>,
}

impl App {
    /// The use cases over `store`.
    pub fn new(store: Store) -> App {
        App {
            store,
            alarms: std::sync::Arc::default(),
            library: std::sync::Arc::default(),
            chats: std::sync::Arc::default(),
        }
    }

    /// The store, for plain reads and single-row changes.
    pub fn store(&self) -> &Store {
        &self.store
    }

    /// The same use cases (sharing their caches) over another handle on the same store, e.g.
    /// one fenced by a singleton service's lease ([`Store::fenced`]).
    pub fn with_store(&self, store: Store) -> App {
        App {
            store,
            ..self.clone()
        }
    }
}
