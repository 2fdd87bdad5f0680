//! The agents a report names and may be filtered by are every user in scope, past the store's
//! page size.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

use switchboard_app::App;
use switchboard_domain::*;
use switchboard_store::*;

#[tokio::test]
async fn every_agent_in_scope_is_named_however_many() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("sb.db").display());
    let s = Store::open(&url, &StoreOptions::default()).await.unwrap();
    s.migrate(0).await.unwrap();
    let t0 = Timestamp::from_millis(1_795_939_200_000);
    s.ensure_partition("Acme", t0).await.unwrap();
    let mut depts = Vec::new();
    for name in ["Sales", "Support"] {
        let d = s
            .create_department(
                NewDepartment {
                    name: name.into(),
                    description: String::new(),
                },
                t0,
            )
            .await
            .unwrap();
        depts.push(d.id);
    }
    let many = MAX_PAGE as usize + 20;
    for i in 0..many + 3 {
        let dept = if i < many { depts[0] } else { depts[1] };
        s.create_user(
            NewUser {
                department_id: dept,
                email: EmailAddress::parse(&format!("agent{i}@example.org")).unwrap(),
                name: format!("Agent {i}"),
                role: Role::Agent,
                password: None,
                attributes: Default::default(),
                capacity: switchboard_domain::user::default_capacity(),
                reviewed: false,
            },
            t0,
        )
        .await
        .unwrap();
    }
    let app = App::new(s.clone());
    let sales = app
        .agent_names(&Scope::Departments(vec![depts[0]]))
        .await
        .unwrap();
    assert_eq!(sales.len(), many, "past one page, within the department");
    assert!(sales.values().any(|n| n == "Agent 0") && !sales.values().any(|n| n == "Agent 520"));
    assert_eq!(app.agent_names(&Scope::All).await.unwrap().len(), many + 3);
}
