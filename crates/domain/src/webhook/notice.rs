//! What the administrators are told when the system switches a subscription off.

/// The subject and text of the notice that subscription `id` (to `url`, in department
/// `department`) was switched off for `why`.
pub fn switched_off_notice(id: i64, url: &str, department: &str, why: &str) -> (String, String) {
    let subject = format!("Webhook {id} switched off");
    let text = format!(
        "The webhook subscription {id} of the department {department} was switched off.\n\n\
         Target: {url}\nReason: {why}\n\n\
         No more deliveries go out to it. Its delivery log shows every attempt and its answer; \
         once the receiver works again, switch the subscription on (Administration, Webhooks) \
         and replay the deliveries it missed.\n"
    );
    (subject, text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_notice_names_the_subscription_its_target_and_why() {
        let (subject, text) =
            switched_off_notice(7, "https://hooks.example.com/x", "Sales", "410 Gone");
        assert_eq!(subject, "Webhook 7 switched off");
        assert!(text.contains("https://hooks.example.com/x"));
        assert!(text.contains("Reason: 410 Gone"));
        assert!(text.contains("department Sales"));
    }
}
