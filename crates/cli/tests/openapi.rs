//! System tests of the OpenAPI document: it and the router list the same operations (every
//! route's methods found by asking the running server), it declares its security schemes and
//! path parameter schemas; and an API fuzzer (schemathesis) run against the served document with
//! an administrator's token finds no server error and no response that breaks the schema.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic, missing_docs)]

mod common;

use std::collections::{BTreeMap, BTreeSet};

use common::{Api, Server};
use serde_json::Value;

/// A concrete path for a route template (ids 1, indexes 0, the chat channel).
fn concrete(template: &str) -> String {
    template
        .split('/')
        .map(|s| match s {
            "{n}" => "0",
            "{channel}" => "chat",
            s if s.starts_with('{') => "1",
            s => s,
        })
        .collect::<Vec<_>>()
        .join("/")
}

#[tokio::test]
async fn the_document_and_the_router_agree() {
    let server = Server::sqlite();
    let doc: Value = reqwest::get(format!("{}/api/v1/openapi.json", server.url))
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let mut documented: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (path, ops) in doc["paths"].as_object().unwrap() {
        let path = path.strip_prefix("/api/v1").unwrap().to_string();
        for (method, op) in ops.as_object().unwrap() {
            documented
                .entry(path.clone())
                .or_default()
                .insert(method.to_uppercase());
            // Every path parameter is declared with a schema.
            for name in switchboard_web::openapi::path_parameters(&path) {
                let declared = op["parameters"]
                    .as_array()
                    .into_iter()
                    .flatten()
                    .find(|p| p["name"] == name && p["in"] == "path");
                let p = declared.unwrap_or_else(|| panic!("{method} {path}: no parameter {name}"));
                assert!(
                    p["schema"]["type"].is_string(),
                    "{method} {path} {name}: {p}"
                );
            }
        }
    }
    let http = reqwest::Client::new();
    let mut routed: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for (template, _) in switchboard_web::api_routes() {
        let url = format!("{}/api/v1{}", server.url, concrete(template));
        for method in ["GET", "POST", "PUT", "DELETE"] {
            let m = reqwest::Method::from_bytes(method.as_bytes()).unwrap();
            let st = http
                .request(m, &url)
                .send()
                .await
                .unwrap()
                .status()
                .as_u16();
            if st != 405 {
                routed
                    .entry(template.to_string())
                    .or_default()
                    .insert(method.to_string());
            }
        }
    }
    assert_eq!(
        documented, routed,
        "document (left) and router (right) differ"
    );

    // Security schemes, and the public operations that need none.
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer", "{schemes}");
    assert_eq!(schemes["session"]["in"], "cookie", "{schemes}");
    assert!(doc["security"].as_array().is_some_and(|s| s.len() == 2));
    assert_eq!(
        doc["paths"]["/api/v1/auth/login"]["post"]["security"],
        serde_json::json!([])
    );
    // A list's cursor is null on the last page, and the document says so.
    let list = &doc["paths"]["/api/v1/customers"]["get"]["responses"]["200"]["content"]["application/json"]
        ["schema"];
    assert_eq!(
        list["properties"]["next_cursor"]["type"],
        serde_json::json!(["string", "null"]),
        "{list}"
    );
    let responses = doc["paths"]["/api/v1/customers"]["post"]["responses"]
        .as_object()
        .unwrap();
    for status in ["401", "403", "404", "409", "413", "415", "422", "429"] {
        assert!(
            responses.contains_key(status),
            "POST /customers documents no {status}"
        );
    }
}

#[tokio::test]
async fn an_api_fuzzer_finds_no_server_error() {
    let Ok(python) = std::env::var("SWITCHBOARD_TEST_PYTHON") else {
        assert!(
            std::env::var("CI").is_err(),
            "SWITCHBOARD_TEST_PYTHON must be set under CI"
        );
        eprintln!("notice: SWITCHBOARD_TEST_PYTHON not set; API fuzzing skipped");
        return;
    };
    let st = std::path::Path::new(&python).with_file_name("schemathesis");
    if !st.exists() {
        assert!(
            std::env::var("CI").is_err(),
            "schemathesis is not installed in the test venv"
        );
        eprintln!("notice: schemathesis not installed; API fuzzing skipped");
        return;
    }
    let server = Server::sqlite();
    let api = Api::admin(&server).await;
    let mut cmd = std::process::Command::new(st);
    cmd.args(["run", &format!("{}/api/v1/openapi.json", server.url)])
        .args(["--header", &format!("Authorization: Bearer {}", api.token)])
        .args(["--checks", "not_a_server_error,response_schema_conformance,status_code_conformance,content_type_conformance"])
        // One worker: hypothesis describes filters through a source cache that two threads
        // can race on, which schemathesis then reports as an error of its own.
        .args(["--max-examples", "5", "--seed", "1", "--workers", "1"])
        .args(["--phases", "examples,coverage,fuzzing"])
        .args(["--max-failures", "20", "--no-color"])
        // Revoking its own token would leave the fuzzer nothing but 401s.
        .args(["--exclude-path", "/api/v1/tokens/{id}"])
        .env("SCHEMATHESIS_HOOKS", "");
    let run = tokio::task::spawn_blocking(move || cmd.output());
    let out = tokio::time::timeout(std::time::Duration::from_secs(600), run)
        .await
        .expect("the fuzzer ran over its time")
        .unwrap()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(out.status.success(), "schemathesis found problems:\n{text}");
    eprintln!(
        "{}",
        text.lines().rev().take(15).collect::<Vec<_>>().join("\n")
    );
}
