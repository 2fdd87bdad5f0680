//! Merging two records of one customer (the same person wrote from two addresses, or called from
//! a number we did not know): the one merged away gives its contact points and the attributes
//! the kept one lacks, its name when the kept one has none, and its cases and activities — whose
//! events stay — then goes. The decision is here; the store applies it in one write.

use serde::Deserialize;
use utoipa::ToSchema;

use crate::customer::{ContactPoint, Customer, MAX_CONTACT_POINTS};
use crate::error::ValidationError;
use crate::ids::CustomerId;

/// What a merge request names: the customer merged away into the one in the path.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MergeRequest {
    /// The customer that goes; its cases, activities and contact points move.
    pub from_customer_id: CustomerId,
    /// The version of the kept customer the client last read.
    pub version: i64,
}

crate::refers_fields!(MergeRequest {
    from_customer_id: Customer
});

/// Decides the kept customer after merging `from` into `into`: contact points of both (the kept
/// one's first, each once), attributes of both (the kept one's win), the kept name unless it is
/// empty. Refused for one customer twice, across departments, or beyond the contact points a
/// customer may have.
pub fn merged(into: &Customer, from: &Customer) -> Result<Customer, ValidationError> {
    if into.id == from.id {
        return Err(ValidationError::new(
            "from_customer_id",
            "a customer cannot be merged into itself",
        ));
    }
    if into.department_id != from.department_id {
        return Err(ValidationError::new(
            "from_customer_id",
            "customers of different departments are not merged",
        ));
    }
    let mut out = into.clone();
    let mut points: Vec<ContactPoint> = into.contact_points.clone();
    for p in &from.contact_points {
        if !points
            .iter()
            .any(|q| q.kind == p.kind && q.lookup_key() == p.lookup_key())
        {
            points.push(p.clone());
        }
    }
    if points.len() > MAX_CONTACT_POINTS {
        return Err(ValidationError::new(
            "from_customer_id",
            format!("together they have more than {MAX_CONTACT_POINTS} contact points"),
        ));
    }
    out.contact_points = points;
    for (k, v) in &from.attributes {
        out.attributes.entry(k.clone()).or_insert_with(|| v.clone());
    }
    if out.name.trim().is_empty() {
        out.name.clone_from(&from.name);
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::customer::ContactKind;
    use crate::ids::DepartmentId;
    use crate::time::Timestamp;

    fn customer(
        id: i64,
        name: &str,
        points: &[(&str, ContactKind)],
        attrs: &[(&str, &str)],
    ) -> Customer {
        Customer {
            id: CustomerId(id),
            department_id: DepartmentId(1),
            name: name.into(),
            contact_points: points
                .iter()
                .map(|(v, k)| ContactPoint {
                    kind: *k,
                    value: (*v).into(),
                })
                .collect(),
            attributes: attrs
                .iter()
                .map(|(k, v)| ((*k).to_string(), serde_json::json!(v)))
                .collect(),
            version: 1,
            created_at: Timestamp::from_millis(0),
            updated_at: Timestamp::from_millis(0),
        }
    }

    #[test]
    fn the_kept_customer_gains_what_the_other_had() {
        let into = customer(
            1,
            "",
            &[("carol@example.com", ContactKind::Email)],
            &[("tier", "gold")],
        );
        let from = customer(
            2,
            "Carol Customer",
            &[
                ("Carol@example.com", ContactKind::Email),
                ("+14155552671", ContactKind::Phone),
            ],
            &[("tier", "silver"), ("city", "Oslo")],
        );
        let m = merged(&into, &from).unwrap();
        assert_eq!(m.id, CustomerId(1));
        assert_eq!(m.name, "Carol Customer");
        assert_eq!(
            m.contact_points.len(),
            2,
            "the address once: {:?}",
            m.contact_points
        );
        assert_eq!(m.attributes["tier"], "gold");
        assert_eq!(m.attributes["city"], "Oslo");
    }

    #[test]
    fn one_customer_or_two_departments_are_refused() {
        let a = customer(1, "A", &[], &[]);
        assert!(merged(&a, &a).is_err());
        let mut b = customer(2, "B", &[], &[]);
        b.department_id = DepartmentId(2);
        assert_eq!(merged(&a, &b).unwrap_err().field, "from_customer_id");
    }
}
