//! What a run's classification does to an existing activity (an alarm's, or an outbound
//! workflow's on the activity a reply answers): the category — when the caller found it fits —
//! and the custom attributes, recorded for the `updated` event.

use switchboard_domain::event::Changes;
use switchboard_domain::{Activity, CategoryId};

use crate::eval::Effects;

/// The category the effects would set on `a`, when it changes (then the caller checks it fits).
pub fn category_to_check(a: &Activity, e: &Effects) -> Option<CategoryId> {
    e.category.filter(|k| a.category_id != Some(*k))
}

/// Applies the effects' category and attributes to `a`, recording what changed in `changes`.
/// `category_refusal` says why the category cannot be set, when it cannot: it is left out, with
/// a note.
pub fn classify(
    a: &mut Activity,
    e: &Effects,
    category_refusal: Option<&str>,
    changes: &mut Changes,
    notes: &mut Vec<String>,
) {
    if let Some(k) = category_to_check(a, e) {
        match category_refusal {
            None => {
                a.category_id = Some(k);
                changes.category_id = Some(Some(k));
            }
            Some(why) => notes.push(format!("category {k} not set: {why}")),
        }
    }
    for (k, v) in &e.attributes {
        if a.custom_attributes.get(k) != Some(v) {
            a.custom_attributes.insert(k.clone(), v.clone());
            changes.custom_attributes = Some(a.custom_attributes.clone());
        }
    }
}
