//! The alarm service: every tick, the alarm use case runs the alarm workflows that are due
//! ([`App::run_alarms`]); the transfers they ask for go through the router, so the work moves
//! the way every other transfer does.

use std::time::Duration;

use switchboard_app::App;
use switchboard_app::alarms::AlarmTransfer;
use switchboard_domain::Actor;
use switchboard_routing::Target;
use switchboard_workflow::RouteTo;

use crate::routing::{Request, RouterHandle};
use crate::status::Registry;
use crate::{Shutdown, now, stopped};

/// The service's name in status reports.
pub const NAME: &str = "alarms";

/// Runs alarm rounds every `tick` until shutdown.
pub async fn run(
    app: App,
    router: RouterHandle,
    status: Registry,
    tick: Duration,
    mut shutdown: Shutdown,
) {
    status.state(NAME, "running");
    loop {
        tokio::select! {
            () = tokio::time::sleep(tick) => {}
            () = stopped(&mut shutdown) => break,
        }
        let t = now();
        match app.run_alarms(t).await {
            Ok(round) => {
                status.add(NAME, "rounds", 1);
                status.add(NAME, "examined", round.examined as u64);
                status.add(NAME, "fired", round.fired as u64);
                for transfer in round.transfers {
                    move_work(&router, &status, transfer).await;
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "alarm round failed; retrying next tick");
                status.error(NAME, &e.to_string(), t);
            }
        }
    }
    status.state(NAME, "stopped");
}

async fn move_work(router: &RouterHandle, status: &Registry, t: AlarmTransfer) {
    let to = match t.to {
        RouteTo::Queue(q) => Target::Queue(q),
        RouteTo::User(u) => Target::Agent(u),
        RouteTo::Group(g) => Target::Group(g),
        // Refused when the workflow is saved.
        RouteTo::Department(_) => return,
    };
    let request = Request::Transfer {
        activity: t.activity,
        to,
    };
    match router.request(request, Actor::System).await {
        Ok(_) => status.add(NAME, "transferred", 1),
        Err(e) => {
            status.add(NAME, "transfers_refused", 1);
            tracing::warn!(activity = %t.activity, workflow = %t.workflow, error = %e, "an alarm's transfer was refused");
        }
    }
}
