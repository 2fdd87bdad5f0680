//! The translator and the catalogues themselves.

use super::*;

#[test]
fn a_string_without_a_translation_shows_in_english() {
    let de = Tr::new("de");
    assert_eq!(de.t("Inbox"), "Posteingang");
    assert_eq!(de.t("no such message, surely"), "no such message, surely");
    assert_eq!(Tr::new("xx").lang(), "en");
    assert_eq!(Tr::new("en").t("Inbox"), "Inbox");
    assert!(de.script().starts_with("window.SB_MESSAGES = {"));
}

#[test]
fn the_languages_offered_are_those_with_a_catalogue() {
    let offered: Vec<&str> = switchboard_domain::preferences::LANGUAGES
        .iter()
        .map(|(code, _)| *code)
        .collect();
    assert_eq!(offered, languages());
}

#[test]
fn every_catalogue_parses() {
    for (code, po) in SOURCES {
        assert!(
            polib::po_file::parse_from_reader(po.as_bytes()).is_ok(),
            "the {code} catalogue"
        );
    }
}
