//! Web chat in the store: entry points, and conversations with their numbered messages.

mod conversation;
mod entry_points;

use switchboard_domain::DepartmentId;
use switchboard_store::Store;

use crate::R;

pub(crate) async fn suite(s: &Store, dept: DepartmentId) -> R {
    entry_points::suite(s, dept).await?;
    conversation::suite(s, dept).await
}
