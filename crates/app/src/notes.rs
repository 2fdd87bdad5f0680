//! Internal notes on activities and cases: the mentioned addresses looked up (gather), the
//! domain's checks and who is mentioned (`domain::note`, decide), then the `note_added` event
//! appended to the activity, or the case's note stored (apply). The caller tells the mentioned
//! colleagues.

use switchboard_domain::case_note::CaseNote;
use switchboard_domain::note::{Found, check_note, mentioned, mentions};
use switchboard_domain::{
    ActivityId, Actor, CaseId, DepartmentId, EventPayload, Timestamp, UserId,
};
use switchboard_store::{NewEvent, StoreError};

use crate::App;
use switchboard_domain::event::NoteAdded;

impl App {
    /// The note's text checked, and the colleagues it mentions (each an active user of a
    /// department `visible` says can see the work).
    async fn checked(
        &self,
        text: &str,
        visible: impl Fn(DepartmentId) -> bool,
    ) -> Result<(String, Vec<UserId>), StoreError> {
        let text = check_note(text)?;
        let mut found: Vec<(switchboard_domain::EmailAddress, Found)> = Vec::new();
        for address in mentions(&text) {
            let u = self.store.user_by_email(&address).await?;
            found.push((address, u.map(|u| (u.id, u.department_id, u.active))));
        }
        let who = mentioned(&found, visible)?;
        Ok((text, who))
    }

    /// Adds note `text` to activity `id` as `actor`; `visible` says whether a department's
    /// users can see the activity (its own, or one it is shared with). Answers the colleagues it
    /// mentions.
    pub async fn add_note(
        &self,
        id: ActivityId,
        text: &str,
        actor: Actor,
        visible: impl Fn(DepartmentId) -> bool,
        now: Timestamp,
    ) -> Result<Vec<UserId>, StoreError> {
        let (text, who) = self.checked(text, visible).await?;
        let note = NoteAdded {
            text,
            mentions: who.clone(),
        };
        self.store
            .write(move |mut tx| {
                let note = note.clone();
                Box::pin(async move {
                    let a = tx.activity(id).await?;
                    let e = NewEvent::by(actor, a.status, EventPayload::NoteAdded(note));
                    tx.append_events(id, vec![e], now).await
                })
            })
            .await?;
        Ok(who)
    }

    /// Adds note `text` to case `id` by `author`; `visible` as for [`App::add_note`]. Answers
    /// the note (with the colleagues it mentions).
    pub async fn add_case_note(
        &self,
        id: CaseId,
        text: &str,
        author: Option<UserId>,
        visible: impl Fn(DepartmentId) -> bool,
        now: Timestamp,
    ) -> Result<CaseNote, StoreError> {
        let (text, who) = self.checked(text, visible).await?;
        self.store.add_case_note(id, author, text, who, now).await
    }
}
