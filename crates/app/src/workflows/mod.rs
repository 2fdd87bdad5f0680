//! Changing a workflow: the stored workflow (gather), the patch applied and the whole checked as
//! its kind requires ([`patched`], pure), then saved as the next version with the objects it
//! names checked in its department (apply). Every node runs the new version from its next job.

use std::sync::Arc;

use switchboard_domain::{Timestamp, WorkflowId};
use switchboard_store::StoreError;
use switchboard_workflow::validate::check_whole;
use switchboard_workflow::{Workflow, WorkflowPatch};

use crate::App;

#[cfg(test)]
mod tests;

/// The workflow `w` becomes with `patch` (validated on its own already): a conflict when the
/// patch was written against another version, invalid when the result is no valid workflow of
/// its kind.
pub fn patched(mut w: Workflow, patch: &WorkflowPatch) -> Result<Workflow, StoreError> {
    if w.version != patch.version {
        return Err(StoreError::stale("workflow", w.id.0));
    }
    patch.apply_to(&mut w);
    check_whole(&mut w)?;
    Ok(w)
}

impl App {
    /// Applies a partial update if `patch.version` is current; the result is a new version.
    pub async fn update_workflow(
        &self,
        id: WorkflowId,
        patch: WorkflowPatch,
        now: Timestamp,
    ) -> Result<Workflow, StoreError> {
        let patch = Arc::new(patch);
        let saved = self
            .store
            .write(move |mut tx| {
                let patch = Arc::clone(&patch);
                Box::pin(async move {
                    let w = patched(tx.workflow(id).await?, &patch)?;
                    tx.save_workflow(&w, now).await
                })
            })
            .await?;
        self.store.notify().workflows_changed();
        Ok(saved)
    }
}
