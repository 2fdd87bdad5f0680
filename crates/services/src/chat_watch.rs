//! The chat watch: every tick, the chats' time-outs ([`App::watch_chats`]) — warnings,
//! notices, chats closed for a silent or departed customer or for waiting too long; abandoning a
//! chat that still waits goes through the router, as every life-cycle change of routed work.

use std::time::Duration;

use switchboard_app::App;
use switchboard_domain::Actor;
use switchboard_store::Store;

use crate::routing::RouterHandle;
use crate::routing::actions::{self, ActError};
use crate::status::Registry;
use crate::{Shutdown, now, stopped};

/// The service's name in status reports.
pub const NAME: &str = "chat_watch";

/// Runs a round every `tick` until shutdown.
pub async fn run(
    app: App,
    store: Store,
    router: Option<RouterHandle>,
    status: Registry,
    tick: Duration,
    mut shutdown: Shutdown,
) {
    status.state(NAME, "running");
    let since = now();
    loop {
        tokio::select! {
            () = tokio::time::sleep(tick) => {}
            () = stopped(&mut shutdown) => break,
        }
        let t = now();
        match app.watch_chats(t, since).await {
            Ok(round) => {
                status.add(NAME, "rounds", 1);
                status.add(NAME, "nudged", round.nudged as u64);
                status.add(NAME, "ended", round.ended as u64);
                for (id, action) in round.actions {
                    match actions::act(router.as_ref(), &store, id, action, None, Actor::System, t)
                        .await
                    {
                        // Taken by an agent meanwhile: they keep it for wrap-up.
                        Ok(_) | Err(ActError::Transition(_)) => {}
                        Err(e) => {
                            tracing::warn!(activity = %id, error = %e, "a chat could not be abandoned");
                        }
                    }
                    app.chat_changed(id);
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "chat watch round failed; retrying next tick");
                status.error(NAME, &e.to_string(), t);
            }
        }
    }
    status.state(NAME, "stopped");
}
