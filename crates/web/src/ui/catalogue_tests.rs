//! Every catalogue is complete: each string the templates, the script and the code show is
//! translated, and no text of a template escapes the catalogue.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use crate::i18n::{has, script_messages};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return;
    };
    for e in entries.flatten() {
        let p = e.path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|x| x == ext) {
            out.push(p);
        }
    }
}

/// The consoles' templates (the customer's chat window speaks the entry point's own texts).
fn templates() -> Vec<(PathBuf, String)> {
    let mut paths = Vec::new();
    files(&root().join("templates"), "html", &mut paths);
    paths
        .into_iter()
        .filter(|p| !p.ends_with("chat_frame.html"))
        .map(|p| {
            let text = std::fs::read_to_string(&p).unwrap_or_default();
            (p, text)
        })
        .collect()
}

/// The string literals passed to `call(` in `text` (a Rust or JavaScript string literal).
fn literals(text: &str, call: &str) -> Vec<String> {
    let mut out = Vec::new();
    let mut rest = text;
    while let Some(at) = rest.find(call) {
        let before = rest[..at].chars().last();
        rest = &rest[at + call.len()..];
        // `t("` must not be the end of another name (`set("`).
        if call == "t(\"" && before.is_some_and(|c| c.is_alphanumeric() || c == '_' || c == '.') {
            continue;
        }
        let mut s = String::new();
        let mut chars = rest.chars();
        while let Some(c) = chars.next() {
            match c {
                '"' => break,
                '\\' => match chars.next() {
                    Some('n') => s.push('\n'),
                    Some(o) => s.push(o),
                    None => break,
                },
                c => s.push(c),
            }
        }
        out.push(s);
    }
    out
}

fn template_ids() -> BTreeSet<String> {
    templates()
        .iter()
        .flat_map(|(_, t)| literals(t, "tr.t(\""))
        .collect()
}

fn script_ids() -> BTreeSet<String> {
    let mut paths = Vec::new();
    files(&root().join("static"), "js", &mut paths);
    paths
        .iter()
        .filter(|p| {
            !p.to_string_lossy().contains("vendor") && !p.to_string_lossy().contains("chat/")
        })
        .flat_map(|p| literals(&std::fs::read_to_string(p).unwrap_or_default(), "t(\""))
        .collect()
}

/// What the code shows through the catalogue: labels and names it hands to the templates.
fn code_ids() -> BTreeSet<String> {
    use switchboard_domain::inbox::{InboxChannel, InboxView};
    use switchboard_domain::{ActivityStatus, ChannelKind, Role};
    let mut out: BTreeSet<String> = BTreeSet::new();
    for role in [Role::Agent, Role::Supervisor, Role::Admin, Role::Reporting] {
        out.insert(role.as_str().to_string());
        out.extend(super::consoles(role).iter().map(|(_, l)| l.to_string()));
    }
    out.extend(ChannelKind::ALL.iter().map(|c| c.label().to_string()));
    out.extend(ActivityStatus::ALL.iter().map(|s| s.as_str().to_string()));
    out.extend(InboxView::ALL.iter().map(|v| v.label().to_string()));
    out.extend(InboxChannel::ALL.iter().map(|c| c.label().to_string()));
    out.extend(super::REASONS.iter().map(|r| r.to_string()));
    out.extend(
        switchboard_domain::callback::CallOutcome::ALL
            .iter()
            .map(|o| o.label().to_string()),
    );
    use switchboard_domain::report::{PeriodPreset, ReportKind, RunStatus};
    out.extend(PeriodPreset::ALL.iter().map(|p| p.label().to_string()));
    out.extend(ReportKind::ALL.iter().map(|k| k.title().to_string()));
    for st in [RunStatus::Running, RunStatus::Done, RunStatus::Failed] {
        out.insert(st.as_str().to_string());
    }
    for st in switchboard_domain::setup::checklist(Default::default()) {
        out.insert(st.title.to_string());
        out.insert(st.hint.to_string());
    }
    out.extend(super::SHOWN.iter().map(|s| s.to_string()));
    out.extend(super::admin_shown());
    out
}

#[test]
fn german_translates_every_string_of_the_consoles() {
    let mut wanted = template_ids();
    wanted.extend(code_ids());
    let missing: Vec<&String> = wanted.iter().filter(|id| !has("de", id)).collect();
    assert!(
        missing.is_empty(),
        "{} strings lack a German translation:\n{}",
        missing.len(),
        missing
            .iter()
            .map(|m| format!("msgid {m:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn german_translates_every_message_of_the_script() {
    let flagged: BTreeSet<&str> = script_messages("de").into_iter().collect();
    let missing: Vec<String> = script_ids()
        .into_iter()
        .filter(|id| !flagged.contains(id.as_str()))
        .collect();
    assert!(
        missing.is_empty(),
        "{} script messages lack a German translation flagged js:\n{}",
        missing.len(),
        missing
            .iter()
            .map(|m| format!("msgid {m:?}"))
            .collect::<Vec<_>>()
            .join("\n")
    );
}

#[test]
fn no_template_text_escapes_the_catalogue() {
    let mut found = Vec::new();
    for (path, text) in templates() {
        let mut rest = text.as_str();
        let mut plain = String::new();
        // Drop expressions, tags, comments and the brand; what remains is text a person reads.
        while !rest.is_empty() {
            let next = ["{{", "{%", "{#", "<"]
                .iter()
                .filter_map(|o| rest.find(o).map(|i| (i, *o)))
                .min();
            let Some((i, open)) = next else {
                plain.push_str(rest);
                break;
            };
            plain.push_str(&rest[..i]);
            plain.push(' ');
            let close = match open {
                "{{" => "}}",
                "{%" => "%}",
                "{#" => "#}",
                _ => ">",
            };
            let body = &rest[i..];
            let end = body.find(close).map_or(body.len(), |e| e + close.len());
            let tag = &body[..end];
            // A script or style element's content is code.
            let code = [("<script", "</script>"), ("<style", "</style>")]
                .into_iter()
                .find(|(o, _)| tag.starts_with(o))
                .map(|(_, c)| c);
            rest = &body[end..];
            if let Some(close_tag) = code {
                let skip = rest
                    .find(close_tag)
                    .map_or(rest.len(), |e| e + close_tag.len());
                rest = &rest[skip..];
            }
        }
        let plain = plain.replace("Switchboard", " ");
        let decoded = plain
            .replace("&amp;", "&")
            .replace("&lt;", "<")
            .replace("&gt;", ">")
            .replace("&nbsp;", " ");
        for word in decoded.split_whitespace() {
            if word.chars().filter(|c| c.is_alphabetic()).count() >= 2 && !word.starts_with('&') {
                found.push(format!("{}: {word}", path.display()));
            }
        }
        // Attributes people read: labels, titles, placeholders.
        for attr in ["aria-label=\"", "title=\"", "placeholder=\"", "alt=\""] {
            let mut rest = text.as_str();
            while let Some(at) = rest.find(attr) {
                rest = &rest[at + attr.len()..];
                let value = &rest[..rest.find('"').unwrap_or(rest.len())];
                if !value.contains("{{") && value.chars().filter(|c| c.is_alphabetic()).count() >= 2
                {
                    found.push(format!("{}: {attr}{value}\"", path.display()));
                }
            }
        }
    }
    assert!(
        found.is_empty(),
        "text outside the catalogue:\n{}",
        found.join("\n")
    );
}
