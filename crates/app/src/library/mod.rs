//! The compiled workflows: every department's active start, inbound, outbound and alarm
//! workflows, compiled once per workflow generation and shared by every use case. The cache
//! reads the generation in the caller's transaction, so a job always runs the workflows
//! committed when it runs.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use switchboard_domain::{AliasId, BusinessCalendar, CalendarId, DepartmentId, OpenHours};
use switchboard_store::{Store, StoreError, Tx};
use switchboard_workflow::{Program, Scanner, Workflow, WorkflowKind, compile};

#[cfg(test)]
mod tests;

/// Compiled active workflows of every department, at one generation.
#[derive(Default)]
pub struct Library {
    generation: i64,
    depts: HashMap<DepartmentId, Programs>,
}

#[derive(Default)]
struct Programs {
    start: Vec<Program>,
    inbound: Vec<Program>,
    outbound: Vec<Program>,
    alarm: Vec<Program>,
    /// The start and inbound workflows' text tests merged: one scan per field of an email.
    scanner: Option<Scanner>,
}

impl Library {
    /// Compiles `workflows` (those that do not compile are skipped with a warning) with the
    /// calendars their conditions name.
    pub fn compile(
        generation: i64,
        workflows: &[Workflow],
        calendars: &[BusinessCalendar],
    ) -> Library {
        let mut cals: HashMap<CalendarId, Arc<OpenHours>> = HashMap::new();
        for cal in calendars {
            match OpenHours::new(cal) {
                Ok(h) => {
                    cals.insert(cal.id, Arc::new(h));
                }
                Err(e) => {
                    tracing::warn!(calendar = cal.id.0, error = %e, "a stored calendar does not validate; conditions on it never hold")
                }
            }
        }
        let mut lib = Library {
            generation,
            depts: HashMap::new(),
        };
        for w in workflows {
            let p = match compile(w, &cals) {
                Ok(p) => p,
                Err(e) => {
                    tracing::warn!(workflow = w.id.0, error = %e, "a stored workflow does not compile; it is skipped");
                    continue;
                }
            };
            let d = lib.depts.entry(w.department_id).or_default();
            match w.kind {
                WorkflowKind::Start => d.start.push(p),
                WorkflowKind::Inbound => d.inbound.push(p),
                WorkflowKind::Outbound => d.outbound.push(p),
                WorkflowKind::Alarm => d.alarm.push(p),
            }
        }
        for (dept, p) in &mut lib.depts {
            match Scanner::new(p.start.iter().chain(p.inbound.iter())) {
                Ok(s) => p.scanner = Some(s),
                Err(e) => {
                    tracing::warn!(department = dept.0, error = %e, "the department's workflows are scanned one by one: their merged text tests exceed the size limits")
                }
            }
        }
        lib
    }

    /// The merged text index of the department's start and inbound workflows.
    pub fn scanner(&self, dept: DepartmentId) -> Option<&Scanner> {
        self.depts.get(&dept).and_then(|p| p.scanner.as_ref())
    }

    /// The department's start workflows, then the inbound ones serving `alias`.
    pub fn inbound(&self, dept: DepartmentId, alias: AliasId) -> Vec<&Program> {
        let Some(p) = self.depts.get(&dept) else {
            return vec![];
        };
        p.start
            .iter()
            .chain(p.inbound.iter().filter(|w| w.serves(alias)))
            .collect()
    }

    /// The department's start workflows alone: what runs for a new chat.
    pub fn start(&self, dept: DepartmentId) -> Vec<&Program> {
        self.depts
            .get(&dept)
            .map(|p| p.start.iter().collect())
            .unwrap_or_default()
    }

    /// The department's outbound workflows.
    pub fn outbound(&self, dept: DepartmentId) -> Vec<&Program> {
        self.depts
            .get(&dept)
            .map(|p| p.outbound.iter().collect())
            .unwrap_or_default()
    }

    /// Every department's alarm workflows.
    pub fn alarms(&self) -> impl Iterator<Item = &Program> {
        self.depts.values().flat_map(|p| p.alarm.iter())
    }
}

/// The library shared by the use cases, recompiled when the generation changes.
#[derive(Default)]
pub struct LibraryCache(Mutex<Option<Arc<Library>>>);

impl LibraryCache {
    fn cached(&self, generation: i64) -> Option<Arc<Library>> {
        let cached = self.0.lock().ok().and_then(|g| g.clone());
        cached.filter(|l| l.generation == generation)
    }

    fn keep(&self, lib: Library) -> Arc<Library> {
        let lib = Arc::new(lib);
        if let Ok(mut g) = self.0.lock() {
            *g = Some(Arc::clone(&lib));
        }
        lib
    }

    /// The library at the generation committed in `tx` (one small read when nothing changed).
    pub async fn current(&self, tx: &mut Tx<'_>) -> Result<Arc<Library>, StoreError> {
        let generation = tx.workflow_generation().await?;
        if let Some(l) = self.cached(generation) {
            return Ok(l);
        }
        let (workflows, calendars) = tx.workflow_set().await?;
        Ok(self.keep(Library::compile(generation, &workflows, &calendars)))
    }

    /// The library at the generation committed now, read outside a write.
    pub async fn current_read(&self, store: &Store) -> Result<Arc<Library>, StoreError> {
        let generation = store.workflow_generation().await?;
        if let Some(l) = self.cached(generation) {
            return Ok(l);
        }
        let (generation, workflows, calendars) = store.workflow_set().await?;
        Ok(self.keep(Library::compile(generation, &workflows, &calendars)))
    }
}
