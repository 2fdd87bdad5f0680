//! A user's own settings: the language and time zone the consoles speak in, and how offers and
//! mentions reach them (a sound, a desktop notification).

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::calendar;
use crate::error::ValidationError;

/// The languages the consoles speak (their texts, dates and numbers): `(code, name)`.
pub const LANGUAGES: &[(&str, &str)] = &[("en", "English"), ("de", "Deutsch")];

/// A user's own settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields, default)]
pub struct Preferences {
    /// The language (a code of [`LANGUAGES`]).
    pub language: String,
    /// The IANA time zone times are shown in (none: the browser's).
    pub time_zone: Option<String>,
    /// Whether a new offer chimes.
    pub sound: bool,
    /// Whether offers and mentions also come as desktop notifications (when the browser
    /// allows them).
    pub desktop: bool,
}

impl Default for Preferences {
    fn default() -> Self {
        Preferences {
            language: "en".to_string(),
            time_zone: None,
            sound: true,
            desktop: true,
        }
    }
}

impl Preferences {
    /// Checks the language and the time zone.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.language = self.language.trim().to_ascii_lowercase();
        if !LANGUAGES.iter().any(|(code, _)| *code == self.language) {
            let known: Vec<&str> = LANGUAGES.iter().map(|(c, _)| *c).collect();
            return Err(ValidationError::new(
                "language",
                format!("must be one of {}", known.join(", ")),
            ));
        }
        self.time_zone = match self.time_zone.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(z) => {
                calendar::zone("time_zone", z)?;
                Some(z.to_string())
            }
        };
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn language_and_zone_are_checked() {
        let ok = Preferences {
            language: " DE ".into(),
            time_zone: Some("Europe/Berlin".into()),
            ..Preferences::default()
        }
        .validate()
        .unwrap();
        assert_eq!(ok.language, "de");
        let bad_language = Preferences {
            language: "xx".into(),
            ..Preferences::default()
        };
        assert_eq!(bad_language.validate().unwrap_err().field, "language");
        let bad_zone = Preferences {
            time_zone: Some("Mars/Base".into()),
            ..Preferences::default()
        };
        assert_eq!(bad_zone.validate().unwrap_err().field, "time_zone");
        let browser = Preferences {
            time_zone: Some(" ".into()),
            ..Preferences::default()
        };
        assert_eq!(browser.validate().unwrap().time_zone, None);
    }
}
