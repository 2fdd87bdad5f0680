//! A user's own settings against the real binary: language, time zone, sound and desktop
//! notifications read and changed through the API (checked by field), kept per user, and carried
//! by every console page; the settings page changes them and the password. On SQLite.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use common::{Api, Server};
use serde_json::json;

const PASSWORD: &str = "a long enough password";

#[tokio::test]
async fn own_settings() {
    let server = Server::sqlite();
    let api = Api::admin(&server).await;
    let (_, depts) = api.get("/departments").await;
    let dept = depts["items"][0]["id"].as_i64().unwrap();
    let (st, _) = api
        .post(
            "/users",
            json!({"department_id": dept, "email": "ann@acme.test", "name": "Ann Agent",
                   "role": "agent", "password": PASSWORD}),
        )
        .await;
    assert_eq!(st, 201);
    let ann = Api::login(&server, "ann@acme.test", PASSWORD).await;
    let (st, p) = ann.get("/me/preferences").await;
    assert_eq!(
        (st, p["language"].as_str(), p["sound"].as_bool()),
        (200, Some("en"), Some(true)),
        "{p}"
    );
    for (bad, field) in [
        (json!({"language": "xx"}), "language"),
        (json!({"time_zone": "Mars/Base"}), "time_zone"),
    ] {
        let (st, v) = ann.put("/me/preferences", bad).await;
        assert_eq!((st, v["field"].as_str()), (422, Some(field)), "{v}");
    }
    let (st, p) = ann
        .put(
            "/me/preferences",
            json!({"language": "de", "time_zone": "Europe/Berlin", "sound": false, "desktop": true}),
        )
        .await;
    assert_eq!(
        (st, p["time_zone"].as_str()),
        (200, Some("Europe/Berlin")),
        "{p}"
    );
    // Every console page carries them; another user keeps their own.
    let (_, html) = ann.page("/agent").await;
    for part in [
        "data-lang=\"de\"",
        "data-tz=\"Europe/Berlin\"",
        "data-sound=\"false\"",
    ] {
        assert!(html.contains(part), "{part}");
    }
    let (_, mine) = api.get("/me/preferences").await;
    assert_eq!(mine["language"], "en", "{mine}");
    // The settings page offers the languages and time zones, the chosen ones selected.
    let (st, html) = ann.page("/me").await;
    assert_eq!(st, 200);
    assert!(
        html.contains("<option value=\"Europe/Berlin\" selected>"),
        "the zone"
    );
    assert!(
        html.contains("<option value=\"de\" selected>Deutsch</option>"),
        "the language"
    );
    assert!(html.contains("id=\"pw-current\""), "the password form");
    // The consoles speak German to her: the page, its language, the script's messages.
    let (_, html) = ann.page("/inbox").await;
    for part in [
        "<html lang=\"de\">",
        "<h1 id=\"inbox-title\">Posteingang</h1>",
        ">Meine Arbeit</a>",
        "Tastenkürzel",
        "src=\"/static/i18n/de.js\"",
    ] {
        assert!(html.contains(part), "{part}");
    }
    let js = ann
        .http
        .get(format!("{}/static/i18n/de.js", ann.base))
        .send()
        .await
        .unwrap();
    assert_eq!(js.status(), 200);
    assert!(js.text().await.unwrap().contains("\"Accept\":\"Annehmen\""));
    let (_, html) = api.page("/inbox").await;
    assert!(
        html.contains("<html lang=\"en\">") && html.contains(">Inbox</h1>"),
        "English for the others"
    );
}
