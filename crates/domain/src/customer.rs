//! Customers and their contact points (email addresses, phone numbers, chat identities).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::ids::{CustomerId, DepartmentId};
use crate::text::{self, CustomAttributes, EmailAddress, MAX_NAME};
use crate::time::Timestamp;

/// Most contact points one customer may have.
pub const MAX_CONTACT_POINTS: usize = 50;

/// How a customer can be reached.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ContactKind {
    /// An email address.
    Email,
    /// A phone number.
    Phone,
    /// A chat identity (e.g. a web site's user id).
    Chat,
}

impl ContactKind {
    /// The stable name stored and shown.
    pub fn as_str(self) -> &'static str {
        match self {
            ContactKind::Email => "email",
            ContactKind::Phone => "phone",
            ContactKind::Chat => "chat",
        }
    }
}

/// One way to reach a customer. Unique per department: one address belongs to one customer.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactPoint {
    /// Kind.
    pub kind: ContactKind,
    /// The address or number.
    pub value: String,
}

impl ContactPoint {
    /// Validates and normalises: emails parsed, phone numbers reduced to `+` and digits.
    pub fn validate(mut self, field: &str) -> Result<Self, ValidationError> {
        let f = format!("{field}.value");
        match self.kind {
            ContactKind::Email => {
                self.value = EmailAddress::parse(&self.value)
                    .map_err(|m| ValidationError::new(&f, m))?
                    .into();
            }
            ContactKind::Phone => {
                let v = self.value.trim();
                let ok = !v.is_empty()
                    && v.len() <= 32
                    && v.chars()
                        .all(|c| c.is_ascii_digit() || " +-().".contains(c))
                    && v.chars().any(|c| c.is_ascii_digit());
                if !ok {
                    return Err(ValidationError::new(
                        f,
                        "must be a phone number like +1 555 0100",
                    ));
                }
                self.value = v
                    .chars()
                    .filter(|c| c.is_ascii_digit() || *c == '+')
                    .collect();
            }
            ContactKind::Chat => self.value = text::required(&f, &self.value, MAX_NAME)?,
        }
        Ok(self)
    }

    /// The normalised form used for uniqueness and look-ups.
    pub fn lookup_key(&self) -> String {
        self.value.to_lowercase()
    }
}

/// A customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Customer {
    /// Id.
    pub id: CustomerId,
    /// Department.
    pub department_id: DepartmentId,
    /// Name (may be empty when only an address is known).
    pub name: String,
    /// Contact points.
    pub contact_points: Vec<ContactPoint>,
    /// Custom attributes.
    #[schema(value_type = Object)]
    pub attributes: CustomAttributes,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Input to create a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewCustomer {
    /// Department.
    pub department_id: DepartmentId,
    /// Name.
    #[serde(default)]
    pub name: String,
    /// Contact points.
    #[serde(default)]
    pub contact_points: Vec<ContactPoint>,
    /// Custom attributes.
    #[serde(default)]
    #[schema(value_type = Object)]
    pub attributes: CustomAttributes,
}

impl NewCustomer {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.name = text::optional("name", self.name.trim(), MAX_NAME)?;
        self.contact_points = validate_contact_points(self.contact_points)?;
        text::custom_attributes("attributes", &self.attributes)?;
        Ok(self)
    }
}

/// A partial update of a customer.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CustomerPatch {
    /// The version the client last read.
    pub version: i64,
    /// New name.
    pub name: Option<String>,
    /// Replaces all contact points.
    pub contact_points: Option<Vec<ContactPoint>>,
    /// Replaces all custom attributes.
    #[schema(value_type = Option<Object>)]
    pub attributes: Option<CustomAttributes>,
}

impl CustomerPatch {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(n) = &self.name {
            self.name = Some(text::optional("name", n.trim(), MAX_NAME)?);
        }
        if let Some(c) = self.contact_points.take() {
            self.contact_points = Some(validate_contact_points(c)?);
        }
        if let Some(a) = &self.attributes {
            text::custom_attributes("attributes", a)?;
        }
        Ok(self)
    }

    /// Applies the patch to a customer read from the store.
    pub fn apply(&self, c: &mut Customer) {
        if let Some(n) = &self.name {
            c.name.clone_from(n);
        }
        if let Some(p) = &self.contact_points {
            c.contact_points.clone_from(p);
        }
        if let Some(a) = &self.attributes {
            c.attributes.clone_from(a);
        }
    }
}

fn validate_contact_points(
    points: Vec<ContactPoint>,
) -> Result<Vec<ContactPoint>, ValidationError> {
    if points.len() > MAX_CONTACT_POINTS {
        return Err(ValidationError::new(
            "contact_points",
            format!("at most {MAX_CONTACT_POINTS} contact points"),
        ));
    }
    let mut out: Vec<ContactPoint> = Vec::with_capacity(points.len());
    for (i, p) in points.into_iter().enumerate() {
        let p = p.validate(&format!("contact_points[{i}]"))?;
        if !out
            .iter()
            .any(|q| q.kind == p.kind && q.lookup_key() == p.lookup_key())
        {
            out.push(p);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn contact_points_are_normalised() {
        let c = NewCustomer {
            department_id: DepartmentId(1),
            name: " Ann ".into(),
            contact_points: vec![
                ContactPoint {
                    kind: ContactKind::Email,
                    value: "Ann@EXAMPLE.org".into(),
                },
                ContactPoint {
                    kind: ContactKind::Email,
                    value: "ann@example.ORG".into(),
                },
                ContactPoint {
                    kind: ContactKind::Phone,
                    value: "+1 (555) 0100".into(),
                },
            ],
            attributes: CustomAttributes::new(),
        }
        .validate();
        let c = c.unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(c.name, "Ann");
        assert_eq!(c.contact_points.len(), 2);
        assert_eq!(c.contact_points[1].value, "+15550100");
    }

    #[test]
    fn bad_contact_point_names_its_field() {
        let c = NewCustomer {
            department_id: DepartmentId(1),
            name: String::new(),
            contact_points: vec![ContactPoint {
                kind: ContactKind::Phone,
                value: "call me".into(),
            }],
            attributes: CustomAttributes::new(),
        };
        assert_eq!(
            c.validate().map_err(|e| e.field),
            Err("contact_points[0].value".to_string())
        );
    }
}
