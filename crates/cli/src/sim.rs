//! `switchboard simulate --scenario FILE`: the router's core over synthetic arrivals, agent
//! shifts and skills in virtual time, for staffing plans (and as a test harness).

use std::path::Path;
use std::time::Instant;

use switchboard_routing::Router;
use switchboard_sim::{engine, scenario};

/// Runs a scenario file and prints its report.
pub fn simulate(path: &Path) -> anyhow::Result<()> {
    let s = scenario::Scenario::load(path)?;
    let (config, _) = s.config();
    let mut router = Router::new(config);
    let started = Instant::now();
    let (report, decisions) = engine::run(&s, &mut router);
    let took = started.elapsed();
    println!(
        "{} hours, {} activities, {} agents, seed {}: simulated in {:.2} s ({} routing events)\n",
        s.hours,
        report.total_arrived(),
        s.agents.iter().map(|a| u64::from(a.count)).sum::<u64>(),
        s.seed,
        took.as_secs_f64(),
        decisions
    );
    print!("{}", report.render());
    Ok(())
}
