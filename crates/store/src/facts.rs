//! What a message about an activity may say about its case: the customer's name, the case's
//! subject, the department's name, the address of the first inbound email. Composing the
//! message is the use cases' (with the domain's `compose`).

use sqlx::AnyConnection;
use switchboard_domain::Activity;
use switchboard_domain::compose::MessageFacts;

use crate::error::StoreError;
use crate::sql::col;

/// The facts of `a`'s case; `None` when the case is gone.
pub(crate) async fn message_facts(
    c: &mut AnyConnection,
    a: &Activity,
) -> Result<Option<MessageFacts>, StoreError> {
    let r = sqlx::query(
        "SELECT cu.name AS customer, k.subject AS case_subject, d.name AS department FROM cases k \
         JOIN customers cu ON cu.id = k.customer_id JOIN departments d ON d.id = k.department_id WHERE k.id = $1",
    )
    .bind(a.case_id.0)
    .fetch_optional(&mut *c)
    .await?;
    let Some(r) = r else {
        return Ok(None);
    };
    let email = sqlx::query(
        "SELECT from_address FROM emails WHERE activity_id = $1 AND direction = 'inbound' ORDER BY id LIMIT 1",
    )
    .bind(a.id.0)
    .fetch_optional(&mut *c)
    .await?;
    let customer_email = match email {
        Some(e) => col::<Option<String>>(&e, "from_address")?,
        None => None,
    };
    Ok(Some(MessageFacts {
        customer_name: col(&r, "customer")?,
        case_subject: col(&r, "case_subject")?,
        department_name: col(&r, "department")?,
        customer_email,
    }))
}
