//! What the administrators are told when the system switches a subscription off.

/// The subject and text of the notice that subscription `id` (to `url`, in department
/// `department`) was switched off for `why`. The mail goes through the department's outbox, so
/// it names only the target's host and port: a URL's path or query may hold a token.
pub fn switched_off_notice(id: i64, url: &str, department: &str, why: &str) -> (String, String) {
    let url = match super::target::check_url(url) {
        Ok((host, port)) => format!("{host}:{port}"),
        Err(_) => "(not a valid URL)".into(),
    };
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
        let (subject, text) = switched_off_notice(
            7,
            "https://hooks.example.com/x?token=s3cret",
            "Sales",
            "410 Gone",
        );
        assert_eq!(subject, "Webhook 7 switched off");
        assert!(text.contains("Target: hooks.example.com:443"), "{text}");
        assert!(!text.contains("s3cret"));
        assert!(text.contains("Reason: 410 Gone"));
        assert!(text.contains("department Sales"));
    }
}
