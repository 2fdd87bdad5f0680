//! What each request body of the business objects names ([`Refers`]): the one scope check reads
//! these lists, so a body field that names another department's object cannot slip past it.

use crate::scope::{ObjectKind as K, ObjectRef, Refers, refs_of};
use crate::*;

fn each<T: Copy>(field: &'static str, kind: K, ids: &[T], id: fn(T) -> i64) -> Vec<ObjectRef> {
    ids.iter()
        .map(|&x| ObjectRef::new(field, kind, id(x)))
        .collect()
}

impl Refers for NewCustomer {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[("department_id", K::Department, Some(self.department_id.0))])
    }
}

impl Refers for NewCase {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[
            ("customer_id", K::Customer, Some(self.customer_id.0)),
            ("owner_id", K::User, self.owner_id.map(|u| u.0)),
        ])
    }
}

impl Refers for CasePatch {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[("owner_id", K::User, self.owner_id.flatten().map(|u| u.0))])
    }
}

impl Refers for NewActivity {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[
            ("customer_id", K::Customer, Some(self.customer_id.0)),
            ("case_id", K::Case, self.case_id.map(|c| c.0)),
            ("queue_id", K::Queue, self.queue_id.map(|q| q.0)),
            ("category_id", K::Category, self.category_id.map(|c| c.0)),
        ])
    }
}

impl Refers for ActivityPatch {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[(
            "category_id",
            K::Category,
            self.category_id.flatten().map(|c| c.0),
        )])
    }
}

impl Refers for ActivityAction {
    fn refs(&self) -> Vec<ObjectRef> {
        match self {
            ActivityAction::Queue { queue_id } => {
                refs_of(&[("queue_id", K::Queue, Some(queue_id.0))])
            }
            ActivityAction::Offer { agent_id } | ActivityAction::Assign { agent_id } => {
                refs_of(&[("agent_id", K::User, Some(agent_id.0))])
            }
            _ => Vec::new(),
        }
    }
}

impl Refers for NewUser {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[("department_id", K::Department, Some(self.department_id.0))])
    }
}

impl Refers for UserPatch {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[(
            "department_id",
            K::Department,
            self.department_id.map(|d| d.0),
        )])
    }
}

impl Refers for NewUserGroup {
    fn refs(&self) -> Vec<ObjectRef> {
        let mut r = refs_of(&[("department_id", K::Department, Some(self.department_id.0))]);
        r.extend(each("members", K::User, &self.members, |u| u.0));
        r
    }
}

impl Refers for UserGroupPatch {
    fn refs(&self) -> Vec<ObjectRef> {
        each(
            "members",
            K::User,
            self.members.as_deref().unwrap_or(&[]),
            |u| u.0,
        )
    }
}

impl Refers for Membership {
    fn refs(&self) -> Vec<ObjectRef> {
        each("group_ids", K::UserGroup, &self.group_ids, |g| g.0)
    }
}

impl Refers for NewQueue {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[
            ("department_id", K::Department, Some(self.department_id.0)),
            (
                "review_queue_id",
                K::Queue,
                self.review_queue_id.map(|q| q.0),
            ),
        ])
    }
}

impl Refers for QueuePatch {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[(
            "review_queue_id",
            K::Queue,
            self.review_queue_id.flatten().map(|q| q.0),
        )])
    }
}

impl Refers for NewAlias {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[
            ("department_id", K::Department, Some(self.department_id.0)),
            ("queue_id", K::Queue, self.queue_id.map(|q| q.0)),
        ])
    }
}

impl Refers for AliasPatch {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[("queue_id", K::Queue, self.queue_id.flatten().map(|q| q.0))])
    }
}

impl Refers for NewFolder {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[
            ("department_id", K::Department, Some(self.department_id.0)),
            ("parent_id", K::Folder, self.parent_id.map(|f| f.0)),
        ])
    }
}

impl Refers for FolderPatch {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[(
            "parent_id",
            K::Folder,
            self.parent_id.flatten().map(|f| f.0),
        )])
    }
}

impl Refers for NewArticle {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[
            ("department_id", K::Department, Some(self.department_id.0)),
            ("folder_id", K::Folder, self.folder_id.map(|f| f.0)),
        ])
    }
}

impl Refers for ArticlePatch {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[(
            "folder_id",
            K::Folder,
            self.folder_id.flatten().map(|f| f.0),
        )])
    }
}

impl Refers for NewCategory {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[("department_id", K::Department, Some(self.department_id.0))])
    }
}

impl Refers for NewCalendar {
    fn refs(&self) -> Vec<ObjectRef> {
        refs_of(&[("department_id", K::Department, Some(self.department_id.0))])
    }
}

impl Refers for DepartmentPatch {
    fn refs(&self) -> Vec<ObjectRef> {
        each(
            "shared_with",
            K::Department,
            self.shared_with.as_deref().unwrap_or(&[]),
            |d| d.0,
        )
    }
}

crate::refers_nothing!(
    CustomerPatch,
    CategoryPatch,
    CalendarPatch,
    NewDepartment,
    ChannelSettings,
    RoutingSettings,
    EmailSettings,
    DraftText,
);
