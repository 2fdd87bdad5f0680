//! What each request body of the business objects names ([`Refers`]): the one scope check reads
//! these lists, so a body field that names another department's object cannot slip past it.

use crate::scope::{ObjectKind as K, ObjectRef, Refers, refs_of};
use crate::*;

fn each<T: Copy>(field: &'static str, kind: K, ids: &[T], id: fn(T) -> i64) -> Vec<ObjectRef> {
    ids.iter()
        .map(|&x| ObjectRef::new(field, kind, id(x)))
        .collect()
}

crate::refers_fields!(NewCustomer {
    department_id: Department
});

crate::refers_fields!(NewCase {
    customer_id: Customer,
    owner_id: User
});

crate::refers_fields!(CasePatch { owner_id: User });

crate::refers_fields!(NewActivity {
    customer_id: Customer,
    case_id: Case,
    queue_id: Queue,
    category_id: Category
});

crate::refers_fields!(ActivityPatch {
    category_id: Category
});

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

crate::refers_fields!(NewUser {
    department_id: Department
});

crate::refers_fields!(UserPatch {
    department_id: Department
});

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

crate::refers_fields!(NewQueue {
    department_id: Department,
    review_queue_id: Queue
});

crate::refers_fields!(QueuePatch {
    review_queue_id: Queue
});

crate::refers_fields!(NewAlias {
    department_id: Department,
    queue_id: Queue
});

crate::refers_fields!(AliasPatch { queue_id: Queue });

crate::refers_fields!(NewFolder {
    department_id: Department,
    parent_id: Folder
});

crate::refers_fields!(FolderPatch { parent_id: Folder });

crate::refers_fields!(NewArticle {
    department_id: Department,
    folder_id: Folder
});

crate::refers_fields!(ArticlePatch { folder_id: Folder });

crate::refers_fields!(NewCategory {
    department_id: Department
});

crate::refers_fields!(NewCalendar {
    department_id: Department
});

crate::refers_fields!(crate::chat::NewEntryPoint {
    department_id: Department,
    queue_id: Queue,
    calendar_id: Calendar
});

crate::refers_fields!(crate::chat::EntryPointPatch {
    queue_id: Queue,
    calendar_id: Calendar
});

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

crate::refers_fields!(crate::webhook::NewWebhook {
    department_id: Department
});

crate::refers_nothing!(
    CustomerPatch,
    crate::webhook::WebhookPatch,
    CategoryPatch,
    CalendarPatch,
    NewDepartment,
    ChannelSettings,
    RoutingSettings,
    EmailSettings,
    DraftText,
    crate::callback::CallbackRequest,
    crate::callback::CallbackSettings,
    crate::wrap_up::WrapUpSettings,
    crate::preferences::Preferences,
    crate::inbox::InboxFilter,
    crate::inbox::SavedView,
);

impl Refers for report::SavedReportInput {
    fn refs(&self) -> Vec<ObjectRef> {
        let mut r = refs_of(&[("department_id", K::Department, Some(self.department_id.0))]);
        r.extend(each("departments", K::Department, &self.departments, |d| {
            d.0
        }));
        r.extend(each("queues", K::Queue, &self.queues, |q| q.0));
        r.extend(each("agents", K::User, &self.agents, |u| u.0));
        if let Some(s) = &self.schedule {
            r.extend(refs_of(&[(
                "schedule.alias_id",
                K::Alias,
                Some(s.alias_id.0),
            )]));
            r.extend(each("schedule.recipients", K::User, &s.recipients, |u| u.0));
        }
        r
    }
}
