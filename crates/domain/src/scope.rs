//! Department scope: which departments a caller may see and act in, and the objects a request
//! names, so one check decides for every endpoint.
//!
//! Administrators of the partition act in every department. Everyone else acts in their own
//! department and in the departments that explicitly share their objects with it (a department's
//! `shared_with` list). An object outside the scope does not exist for the caller: reads answer
//! *not found*, references in a request body are *no such …*.

use crate::ids::*;
use crate::role::Role;

/// The departments a caller may see and act in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Scope {
    /// Every department: administrators, and the system itself.
    All,
    /// These departments only, sorted and without duplicates (never empty: the caller's own is
    /// always in it).
    Departments(Vec<DepartmentId>),
}

impl Scope {
    /// The scope of a user with `role` in department `own`, given the departments that share
    /// their objects with `own`.
    pub fn of(
        role: Role,
        own: DepartmentId,
        shared_with_own: impl IntoIterator<Item = DepartmentId>,
    ) -> Scope {
        if role == Role::Admin {
            return Scope::All;
        }
        let mut ds: Vec<DepartmentId> = shared_with_own.into_iter().collect();
        ds.push(own);
        ds.sort_unstable();
        ds.dedup();
        Scope::Departments(ds)
    }

    /// Whether objects of department `d` are within the scope.
    pub fn allows(&self, d: DepartmentId) -> bool {
        match self {
            Scope::All => true,
            Scope::Departments(ds) => ds.binary_search(&d).is_ok(),
        }
    }

    /// The departments, or `None` for all.
    pub fn departments(&self) -> Option<&[DepartmentId]> {
        match self {
            Scope::All => None,
            Scope::Departments(ds) => Some(ds),
        }
    }
}

/// The kinds of department-owned object a request can name by id.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ObjectKind {
    /// A department itself.
    Department,
    /// A user.
    User,
    /// A user group.
    UserGroup,
    /// A queue.
    Queue,
    /// A customer.
    Customer,
    /// A case.
    Case,
    /// An activity.
    Activity,
    /// An email alias.
    Alias,
    /// A stored email.
    Email,
    /// An attachment of a stored email.
    Attachment,
    /// A knowledge-base folder.
    Folder,
    /// A knowledge-base article.
    Article,
    /// A category.
    Category,
    /// A business calendar.
    Calendar,
    /// A workflow.
    Workflow,
    /// A chat entry point.
    EntryPoint,
    /// A webhook subscription.
    Webhook,
    /// A saved report.
    SavedReport,
}

impl ObjectKind {
    /// The name used in *not found* messages, the same the store uses.
    pub fn entity(self) -> &'static str {
        match self {
            ObjectKind::Department => "department",
            ObjectKind::User => "user",
            ObjectKind::UserGroup => "user group",
            ObjectKind::Queue => "queue",
            ObjectKind::Customer => "customer",
            ObjectKind::Case => "case",
            ObjectKind::Activity => "activity",
            ObjectKind::Alias => "alias",
            ObjectKind::Email => "email",
            ObjectKind::Attachment => "attachment",
            ObjectKind::Folder => "folder",
            ObjectKind::Article => "article",
            ObjectKind::Category => "category",
            ObjectKind::Calendar => "calendar",
            ObjectKind::Workflow => "workflow",
            ObjectKind::EntryPoint => "entry point",
            ObjectKind::Webhook => "webhook",
            ObjectKind::SavedReport => "saved report",
        }
    }
}

/// One object a request body names: the field that names it, its kind and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ObjectRef {
    /// The body field (JSON path) naming it.
    pub field: &'static str,
    /// What it is.
    pub kind: ObjectKind,
    /// Its id.
    pub id: i64,
}

impl ObjectRef {
    /// A reference named by `field`.
    pub fn new(field: &'static str, kind: ObjectKind, id: i64) -> ObjectRef {
        ObjectRef { field, kind, id }
    }
}

/// A request body that names objects: every body the API accepts says which, so the one scope
/// check sees all of them (a body type without this cannot be accepted).
pub trait Refers {
    /// The objects this body names (departments included).
    fn refs(&self) -> Vec<ObjectRef>;
}

/// Implements [`Refers`] for bodies that name no object.
#[macro_export]
macro_rules! refers_nothing {
    ($($t:ty),* $(,)?) => {$(
        impl $crate::scope::Refers for $t {
            fn refs(&self) -> Vec<$crate::scope::ObjectRef> {
                Vec::new()
            }
        }
    )*};
}

/// A field that may name an object by id: a raw id, an id newtype, or either optional.
pub trait AsId {
    /// The id, when the field holds one.
    fn as_id(&self) -> Option<i64>;
}

impl AsId for i64 {
    fn as_id(&self) -> Option<i64> {
        Some(*self)
    }
}

impl<T: AsId> AsId for Option<T> {
    fn as_id(&self) -> Option<i64> {
        self.as_ref().and_then(AsId::as_id)
    }
}

/// Implements [`Refers`] for a type whose fields name objects:
/// `refers_fields!(Query { department_id: Department, case_id: Case });`
#[macro_export]
macro_rules! refers_fields {
    ($t:ty { $($field:ident : $kind:ident),* $(,)? }) => {
        impl $crate::scope::Refers for $t {
            fn refs(&self) -> Vec<$crate::scope::ObjectRef> {
                $crate::scope::refs_of(&[$((
                    stringify!($field),
                    $crate::scope::ObjectKind::$kind,
                    $crate::scope::AsId::as_id(&self.$field),
                )),*])
            }
        }
    };
}

/// Builds a reference list from `(field, kind, optional id)` triples.
pub fn refs_of(items: &[(&'static str, ObjectKind, Option<i64>)]) -> Vec<ObjectRef> {
    items
        .iter()
        .filter_map(|(f, k, id)| id.map(|id| ObjectRef::new(f, *k, id)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn administrators_see_all_others_their_own_and_shared() {
        let d = DepartmentId;
        assert_eq!(Scope::of(Role::Admin, d(1), []), Scope::All);
        let s = Scope::of(Role::Agent, d(3), [d(5), d(1), d(5)]);
        assert_eq!(s, Scope::Departments(vec![d(1), d(3), d(5)]));
        assert!(s.allows(d(3)) && s.allows(d(1)) && s.allows(d(5)));
        assert!(!s.allows(d(2)));
        assert!(Scope::All.allows(d(99)));
        let own = Scope::of(Role::Supervisor, d(2), []);
        assert_eq!(own.departments(), Some(&[d(2)][..]));
        assert_eq!(Scope::All.departments(), None);
    }

    #[test]
    fn refs_skip_absent_ids() {
        let r = refs_of(&[
            ("department_id", ObjectKind::Department, Some(1)),
            ("queue_id", ObjectKind::Queue, None),
        ]);
        assert_eq!(
            r,
            vec![ObjectRef::new("department_id", ObjectKind::Department, 1)]
        );
    }
}
