//! `switchboard bench workflow`: 500 inbound rules evaluated on every message of a realistic
//! set (the shared corpus when present, plus synthetic customer mail), against parse-only
//! throughput of the same messages in the same run. Phases alternate so that drift in the
//! machine's speed hits both alike; the best round of each is reported.

use std::collections::HashMap;
use std::path::PathBuf;
use std::time::Instant;

use anyhow::Context;
use clap::Args;
use serde_json::{Value, json};
use switchboard_domain::{
    ActivityStatus, ChannelKind, CustomAttributes, DepartmentId, Timestamp, WorkflowId,
};
use switchboard_workflow::model::Definition;
use switchboard_workflow::{
    ActivityFacts, Facts, Message, NewWorkflow, Program, Scanner, Validate, Workflow, WorkflowKind,
    compile, run_with,
};

use crate::bench_mail::{Lcg, message};

/// Options of `bench workflow`.
#[derive(Args, Debug)]
pub struct WorkflowArgs {
    /// Rules (each a branch with one condition and one action), spread over 5 workflows.
    #[arg(long, default_value_t = 500)]
    rules: usize,
    /// Synthetic customer messages added to the set.
    #[arg(long, default_value_t = 2000)]
    synthetic: usize,
    /// Directory of real-world `.eml` files added to the set (skipped when absent).
    #[arg(long, default_value = "../shared/corpus")]
    corpus: PathBuf,
    /// Rounds of each phase (parse only; parse + workflows), alternated.
    #[arg(long, default_value_t = 5)]
    rounds: usize,
}

/// Words customers write, and some they do not (rules on them never match).
const VOCABULARY: &[&str] = &[
    "invoice",
    "refund",
    "order",
    "delivery",
    "password",
    "account",
    "broken",
    "printer",
    "cancel",
    "subscription",
    "upgrade",
    "warranty",
    "complaint",
    "urgent",
    "shipping",
    "damaged",
    "missing",
    "payment",
    "charge",
    "discount",
    "coupon",
    "login",
    "error",
    "crash",
    "install",
    "license",
    "renewal",
    "address",
    "tracking",
    "return",
    "exchange",
    "size",
    "colour",
    "stock",
    "price",
    "quote",
    "contract",
    "termination",
    "gdpr",
    "privacy",
    "fraud",
    "chargeback",
    "voucher",
    "gift",
    "loyalty",
    "points",
    "membership",
    "appointment",
    "booking",
    "schedule",
];

const EXTENSIONS: [&str; 4] = ["pdf", "docx", "xlsx", "zip"];

/// Rule `i`: one branch step whose condition is of a kind chosen by `i` (subject and body
/// words, sender domains, regexes, headers, attachments, combinations).
fn rule(i: usize) -> Value {
    let w = VOCABULARY[i % VOCABULARY.len()];
    let v = VOCABULARY[(i * 7 + 3) % VOCABULARY.len()];
    let when = match i % 20 {
        0..=7 => {
            json!({"type": "text", "field": "subject", "op": "contains", "value": format!("{w} {}", i / 50)})
        }
        8..=9 => json!({"type": "text", "field": "subject", "op": "contains", "value": w}),
        10..=13 => {
            json!({"type": "text", "field": "body", "op": "contains", "value": format!("{w} {v}")})
        }
        14 => {
            json!({"type": "text", "field": "from", "op": "ends_with", "value": format!("@{w}{i}.example")})
        }
        15 => json!({"type": "text", "field": "body", "op": "matches",
                     "value": format!("(?i)\\b{w}\\s*(no\\.?|number|#)\\s*\\d{{{}}}", 4 + i % 5)}),
        16 => {
            json!({"type": "text", "field": "subject", "op": "matches", "value": format!("(?i)^(re|fwd?):.*{w}")})
        }
        17 => {
            json!({"type": "text", "field": "header", "header": format!("X-{w}-{i}"), "op": "exists"})
        }
        18 => {
            json!({"type": "attachment", "op": "extension", "value": EXTENSIONS[i % 4]})
        }
        _ => json!({"type": "all", "of": [
            {"type": "text", "field": "subject", "op": "contains", "value": w},
            {"type": "not", "condition": {"type": "text", "field": "body", "op": "contains", "value": v}}
        ]}),
    };
    json!({"id": format!("r{i}"), "type": "branch", "cases": [
        {"label": "hit", "when": when, "then": [
            {"id": format!("s{i}"), "type": "set_attribute", "name": format!("rule_{i}"), "value": true}
        ]}
    ]})
}

fn programs(rules: usize) -> anyhow::Result<Vec<Program>> {
    let per = rules.div_ceil(5).max(1);
    let mut out = Vec::new();
    for (n, chunk) in (0..rules).collect::<Vec<_>>().chunks(per).enumerate() {
        let steps: Vec<Value> = chunk.iter().map(|i| rule(*i)).collect();
        let definition: Definition = serde_json::from_value(json!({ "steps": steps }))?;
        let new = NewWorkflow {
            department_id: DepartmentId(1),
            name: format!("Rules {n}"),
            description: String::new(),
            kind: WorkflowKind::Inbound,
            active: true,
            alias_ids: vec![],
            interval_secs: None,
            definition,
        }
        .validate()
        .map_err(|e| anyhow::anyhow!("rule set {n}: {}: {}", e.field, e.message))?;
        let w = Workflow {
            id: WorkflowId(n as i64 + 1),
            department_id: new.department_id,
            name: new.name,
            description: new.description,
            kind: new.kind,
            active: true,
            alias_ids: new.alias_ids,
            interval_secs: 0,
            definition: new.definition,
            version: 1,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        };
        out.push(compile(&w, &HashMap::new()).map_err(|e| anyhow::anyhow!("{e}"))?);
    }
    Ok(out)
}

/// The message set: corpus `.eml` files, then synthetic customer mail.
fn messages(a: &WorkflowArgs) -> anyhow::Result<(Vec<Vec<u8>>, usize)> {
    let mut set = Vec::new();
    let mut dirs = vec![a.corpus.clone()];
    while let Some(d) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&d) else {
            continue;
        };
        for e in entries.flatten() {
            let p = e.path();
            if p.is_dir() {
                dirs.push(p);
            } else if p.extension().is_some_and(|x| x == "eml") {
                set.push(std::fs::read(&p).with_context(|| format!("{}", p.display()))?);
            }
        }
    }
    let corpus = set.len();
    let mut rng = Lcg(42);
    for i in 0..a.synthetic {
        let w = VOCABULARY[rng.below(VOCABULARY.len() as u64) as usize];
        let subject = match i % 4 {
            0 => format!("Question about my {w} {}", i % 10),
            1 => format!("Re: {w} problem [#{}]", i + 1),
            2 => format!("Order {i}: {w}"),
            _ => format!("{w} please help"),
        };
        set.push(message(i, &subject));
    }
    Ok((set, corpus))
}

/// Runs the benchmark and prints the figures.
pub fn workflow(a: WorkflowArgs) -> anyhow::Result<()> {
    let programs = programs(a.rules)?;
    // As the store runs them: one merged scan per field for the department's workflows.
    let scanner = Scanner::new(programs.iter()).map_err(|e| anyhow::anyhow!("{e}"))?;
    let (set, corpus) = messages(&a)?;
    if set.is_empty() {
        anyhow::bail!("no messages: give --synthetic or --corpus");
    }
    let bytes: usize = set.iter().map(Vec::len).sum();
    println!(
        "workflow benchmark: {} rules in {} workflows; {} messages ({} from the corpus, {} synthetic), {:.1} MiB",
        a.rules,
        programs.len(),
        set.len(),
        corpus,
        set.len() - corpus,
        bytes as f64 / 1_048_576.0
    );
    let none = CustomAttributes::new();
    let now = Timestamp::from_millis(1_795_000_000_000);
    let mut best_parse = f64::MAX;
    let mut best_flow = f64::MAX;
    let mut eval_secs = 0.0;
    let mut hits = 0usize;
    let mut evaluated = 0usize;
    for round in 0..a.rounds.max(1) {
        let t = Instant::now();
        let mut parsed = 0usize;
        // What ingest does before any workflow: parse, then the domain's inbound content.
        for raw in &set {
            if let Ok(p) = switchboard_mail::parse::parse(raw) {
                let content = p.into_inbound(Vec::new());
                parsed += std::hint::black_box(content.subject.len().min(1));
            }
        }
        best_parse = best_parse.min(t.elapsed().as_secs_f64());
        let t = Instant::now();
        let mut spent = 0.0;
        for raw in &set {
            let Ok(p) = switchboard_mail::parse::parse(raw) else {
                continue;
            };
            let content = p.into_inbound(Vec::new());
            let e = Instant::now();
            let m = Message::of_inbound(&content);
            let facts = Facts {
                now,
                message: Some(&m),
                activity: ActivityFacts {
                    channel: ChannelKind::InboundEmail,
                    status: ActivityStatus::Queued,
                    priority: 5,
                    category: None,
                    attributes: CustomAttributes::new(),
                    queue: None,
                    subject: m.subject.clone(),
                    waiting_secs: None,
                    service_level_secs: None,
                },
                customer: &none,
                new_case: true,
                agent: None,
            };
            let out = run_with(&programs, Some(&scanner), &facts);
            spent += e.elapsed().as_secs_f64();
            if round == 0 {
                hits += out.effects.attributes.len();
                evaluated += 1;
            }
            std::hint::black_box(out);
        }
        best_flow = best_flow.min(t.elapsed().as_secs_f64());
        if round == 0 || spent < eval_secs {
            eval_secs = spent;
        }
        std::hint::black_box(parsed);
    }
    let n = set.len() as f64;
    let parse_rate = n / best_parse;
    let flow_rate = n / best_flow;
    println!("  parse only (to inbound content): {parse_rate:>6.0} msg/s");
    println!("  parse + {} rules:      {flow_rate:>10.0} msg/s", a.rules);
    println!(
        "  with workflows / parse only: {:.1} % (target ≥ 60 %)",
        100.0 * flow_rate / parse_rate
    );
    println!(
        "  rule evaluation alone:  {:>10.1} µs/msg ({:.0} msg/s); {:.2} rules matched per message",
        1e6 * eval_secs / n,
        n / eval_secs.max(f64::MIN_POSITIVE),
        hits as f64 / evaluated.max(1) as f64
    );
    Ok(())
}
