//! The consoles in the user's language. English is the source: every string a page shows is
//! written in English in the templates and the code, looked up through [`Tr`], and translated
//! by the language's GNU gettext catalogue (`crates/web/i18n/<lang>.po`, compiled into the
//! binary); a string a catalogue lacks shows in English. Messages the page's script shows are
//! flagged `js` in the catalogue and served as `/static/i18n/<lang>.js`. Tests hold every
//! catalogue complete: each string the templates, the code and the script look up is translated.

use std::collections::HashMap;
use std::sync::LazyLock;

/// A catalogue: English → translation.
#[derive(Default)]
struct Catalogue {
    singular: HashMap<String, String>,
    /// The messages flagged for the script.
    js: Vec<(String, String)>,
    /// Those messages as the script `/static/i18n/<lang>.js`, built once.
    script: String,
}

/// The languages the consoles speak besides English: `(code, catalogue)`.
const SOURCES: &[(&str, &str)] = &[("de", include_str!("../i18n/de.po"))];

fn parse(po: &str) -> Catalogue {
    let mut c = Catalogue::default();
    let Ok(catalog) = polib::po_file::parse_from_reader(po.as_bytes()) else {
        // A broken catalogue shows English (a test holds every catalogue parseable).
        return c;
    };
    for m in catalog.messages() {
        if !m.is_translated() || m.is_fuzzy() {
            continue;
        }
        if let Ok(s) = m.msgstr() {
            if m.flags().contains("js") {
                c.js.push((m.msgid().to_string(), s.to_string()));
            }
            c.singular.insert(m.msgid().to_string(), s.to_string());
        }
    }
    let map: serde_json::Map<String, serde_json::Value> =
        c.js.iter()
            .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
            .collect();
    c.script = format!("window.SB_MESSAGES = {};\n", serde_json::Value::Object(map));
    c
}

static CATALOGUES: LazyLock<HashMap<&'static str, Catalogue>> = LazyLock::new(|| {
    SOURCES
        .iter()
        .map(|(code, po)| (*code, parse(po)))
        .collect()
});

/// The languages a user may choose: English and each catalogue's.
pub fn languages() -> Vec<&'static str> {
    let mut out = vec!["en"];
    out.extend(SOURCES.iter().map(|(code, _)| *code));
    out
}

/// A translator into one language (English when it has no catalogue).
#[derive(Clone, Copy)]
pub struct Tr {
    lang: &'static str,
    catalogue: Option<&'static Catalogue>,
}

impl Default for Tr {
    fn default() -> Self {
        Tr::new("en")
    }
}

impl std::fmt::Debug for Tr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Tr({})", self.lang)
    }
}

impl Tr {
    /// The translator into `lang` (a code such as `de`).
    pub fn new(lang: &str) -> Tr {
        match CATALOGUES.get_key_value(lang) {
            Some((code, c)) => Tr {
                lang: code,
                catalogue: Some(c),
            },
            None => Tr {
                lang: "en",
                catalogue: None,
            },
        }
    }

    /// The language's code.
    pub fn lang(&self) -> &'static str {
        self.lang
    }

    /// `english` in the language.
    pub fn t<'a>(&self, english: &'a str) -> &'a str {
        self.catalogue
            .and_then(|c| c.singular.get(english))
            .map_or(english, String::as_str)
    }

    /// The script's messages in the language, as a script that hands them to `app.js`.
    pub fn script(&self) -> &'static str {
        self.catalogue
            .map_or("window.SB_MESSAGES = {};\n", |c| c.script.as_str())
    }
}

/// Whether `lang`'s catalogue translates `english` (for the catalogues' tests).
#[cfg(test)]
pub(crate) fn has(lang: &str, english: &str) -> bool {
    CATALOGUES
        .get(lang)
        .is_some_and(|c| c.singular.contains_key(english))
}

/// The messages `lang`'s catalogue flags for the script (for the catalogues' tests).
#[cfg(test)]
pub(crate) fn script_messages(lang: &str) -> Vec<&'static str> {
    CATALOGUES
        .get(lang)
        .map(|c| c.js.iter().map(|(k, _)| k.as_str()).collect())
        .unwrap_or_default()
}

#[cfg(test)]
mod tests;
