//! One scan per field for a whole set of workflows. Each compiled workflow indexes its own text
//! tests; a [`Scanner`] merges the indexes of the workflows that run together (a department's
//! start and inbound workflows), so a field — above all a long body — is read once per message
//! however many workflows test it. Each workflow's tests map to their place in the merged index.

use std::collections::HashMap;

use switchboard_domain::{ValidationError, WorkflowId};

use crate::compile::{FieldIndex, FieldKey, Program};

/// Merged text indexes of several workflows.
#[derive(Debug, Clone, Default)]
pub struct Scanner {
    pub(crate) fields: Vec<FieldIndex>,
    /// Per workflow: the version merged and, per field slot of the program, where its tests
    /// are in the merged index (field, first literal, first regex).
    pub(crate) places: HashMap<WorkflowId, (i64, Vec<Place>)>,
}

/// Where one program field's tests are in the merged index.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Place {
    pub(crate) field: usize,
    pub(crate) literal: usize,
    pub(crate) regex: usize,
}

impl Scanner {
    /// Merges the text indexes of `programs`. Fails only when the merged regular expressions
    /// exceed the size limits; run the programs without a scanner then.
    pub fn new<'a>(
        programs: impl IntoIterator<Item = &'a Program>,
    ) -> Result<Scanner, ValidationError> {
        let mut keys: Vec<(FieldKey, Vec<String>, Vec<String>, bool)> = Vec::new();
        let mut places = HashMap::new();
        for p in programs {
            let mut mine = Vec::with_capacity(p.fields.len());
            for f in &p.fields {
                let i = match keys.iter().position(|k| k.0 == f.key) {
                    Some(i) => i,
                    None => {
                        keys.push((f.key.clone(), vec![], vec![], false));
                        keys.len() - 1
                    }
                };
                let Some(k) = keys.get_mut(i) else {
                    continue;
                };
                mine.push(Place {
                    field: i,
                    literal: k.1.len(),
                    regex: k.2.len(),
                });
                k.1.extend(f.literal_src.iter().cloned());
                k.2.extend(f.regex_src.iter().cloned());
                k.3 |= f.whole;
            }
            places.insert(p.id, (p.version, mine));
        }
        let fields = keys
            .into_iter()
            .map(|(key, literals, regexes, whole)| FieldIndex::build(key, literals, regexes, whole))
            .collect::<Result<Vec<_>, _>>()?;
        Ok(Scanner { fields, places })
    }

    /// Where `p`'s field slots are, if `p` (this version) was merged.
    pub(crate) fn places(&self, p: &Program) -> Option<&[Place]> {
        self.places
            .get(&p.id)
            .filter(|(v, places)| *v == p.version && places.len() == p.fields.len())
            .map(|(_, places)| places.as_slice())
    }
}
