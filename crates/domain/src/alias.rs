//! Email aliases: an address the center receives mail at (through an IMAP or POP3 mailbox) and
//! answers from (through an SMTP server). Passwords are write-only: they come in on create and
//! update and never go out; the store keeps them encrypted.

use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::error::ValidationError;
use crate::ids::{AliasId, DepartmentId, QueueId};
use crate::text::{self, EmailAddress, MAX_NAME};
use crate::time::Timestamp;

/// How the retriever talks to the incoming server.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailProtocol {
    /// IMAP4rev1, with IDLE when offered.
    Imap,
    /// POP3 with UIDL.
    Pop3,
}

/// How a mail connection is protected.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum MailSecurity {
    /// Plain text (only for loopback or trusted networks).
    None,
    /// Plain connect, then upgrade with STARTTLS (STLS for POP3); refused if not offered.
    Starttls,
    /// TLS from the first byte.
    Tls,
}

/// What the retriever does with the server's copy once the message is stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
pub enum Disposition {
    /// Keep it; IMAP flags it `\Seen`, POP3 leaves it (UIDL remembers it).
    KeepSeen,
    /// Move it to another IMAP folder.
    Move {
        /// The folder, created by the server administrator.
        folder: String,
    },
    /// Delete it from the server.
    Delete,
}

/// The mailbox the retriever reads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct IncomingServer {
    /// `imap` or `pop3`.
    pub protocol: MailProtocol,
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// `none`, `starttls` or `tls`.
    pub security: MailSecurity,
    /// Login name.
    pub username: String,
    /// IMAP folder (default `INBOX`; POP3 has only one).
    #[serde(default = "default_folder")]
    pub folder: String,
    /// What to do with the server copy once stored (default: keep and flag seen).
    #[serde(default = "default_disposition")]
    pub disposition: Disposition,
    /// Seconds between polls when the server offers no IDLE, or for POP3 (default 30).
    #[serde(default = "default_poll")]
    pub poll_secs: u32,
}

fn default_folder() -> String {
    "INBOX".into()
}
fn default_disposition() -> Disposition {
    Disposition::KeepSeen
}
fn default_poll() -> u32 {
    30
}
fn default_true() -> bool {
    true
}

/// The SMTP server replies leave through.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct OutgoingServer {
    /// Host name or address.
    pub host: String,
    /// Port.
    pub port: u16,
    /// `none`, `starttls` or `tls`.
    pub security: MailSecurity,
    /// Login name when the server wants authentication.
    #[serde(default)]
    pub username: Option<String>,
}

/// An email alias as stored and shown (never with passwords).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
pub struct Alias {
    /// Id.
    pub id: AliasId,
    /// Department.
    pub department_id: DepartmentId,
    /// The address customers write to; unique across the installation.
    pub address: EmailAddress,
    /// The name shown in From.
    pub display_name: String,
    /// Where new mail is queued; the department's exception queue when absent.
    pub queue_id: Option<QueueId>,
    /// Whether the retriever reads it and the dispatcher sends from it.
    pub active: bool,
    /// Message parts that override the department's for mail of this alias.
    pub parts: crate::article::MessageParts,
    /// The mailbox.
    pub incoming: IncomingServer,
    /// Whether an incoming password is set.
    pub incoming_password_set: bool,
    /// The SMTP server.
    pub outgoing: OutgoingServer,
    /// Whether an outgoing password is set.
    pub outgoing_password_set: bool,
    /// Optimistic-concurrency version.
    pub version: i64,
    /// When it was created.
    pub created_at: Timestamp,
    /// When it last changed.
    pub updated_at: Timestamp,
}

/// Input to create an alias.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct NewAlias {
    /// Department.
    pub department_id: DepartmentId,
    /// Address.
    pub address: EmailAddress,
    /// Display name (default: empty, the address alone is shown).
    #[serde(default)]
    pub display_name: String,
    /// Default queue.
    #[serde(default)]
    pub queue_id: Option<QueueId>,
    /// Active (default true).
    #[serde(default = "default_true")]
    pub active: bool,
    /// Message parts overriding the department's.
    #[serde(default)]
    pub parts: crate::article::MessageParts,
    /// Incoming server.
    pub incoming: IncomingServer,
    /// Incoming password (write-only).
    #[serde(default)]
    pub incoming_password: Option<String>,
    /// Outgoing server.
    pub outgoing: OutgoingServer,
    /// Outgoing password (write-only).
    #[serde(default)]
    pub outgoing_password: Option<String>,
}

impl NewAlias {
    /// The alias this input would save, for trying its servers before saving (id 0, version 0).
    pub fn unsaved(&self, now: Timestamp) -> Alias {
        Alias {
            id: AliasId(0),
            department_id: self.department_id,
            address: self.address.clone(),
            display_name: self.display_name.clone(),
            queue_id: self.queue_id,
            active: self.active,
            parts: self.parts,
            incoming: self.incoming.clone(),
            incoming_password_set: self.incoming_password.is_some(),
            outgoing: self.outgoing.clone(),
            outgoing_password_set: self.outgoing_password.is_some(),
            version: 0,
            created_at: now,
            updated_at: now,
        }
    }

    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.display_name = text::optional("display_name", &self.display_name, MAX_NAME)?;
        self.incoming = self.incoming.validate().map_err(|e| e.within("incoming"))?;
        self.outgoing = self.outgoing.validate().map_err(|e| e.within("outgoing"))?;
        validate_password("incoming_password", self.incoming_password.as_deref())?;
        validate_password("outgoing_password", self.outgoing_password.as_deref())?;
        Ok(self)
    }
}

/// A partial update of an alias. Servers are replaced whole; a password is changed only when
/// given (`null` clears the outgoing one).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AliasPatch {
    /// The version the client last read.
    pub version: i64,
    /// New address.
    pub address: Option<EmailAddress>,
    /// New display name.
    pub display_name: Option<String>,
    /// New default queue (`null` for the exception queue).
    #[serde(default, deserialize_with = "text::nullable")]
    #[schema(value_type = Option<QueueId>)]
    pub queue_id: Option<Option<QueueId>>,
    /// Enable or disable.
    pub active: Option<bool>,
    /// Replaces the message parts overriding the department's.
    pub parts: Option<crate::article::MessageParts>,
    /// New incoming server.
    pub incoming: Option<IncomingServer>,
    /// New incoming password.
    pub incoming_password: Option<String>,
    /// New outgoing server.
    pub outgoing: Option<OutgoingServer>,
    /// New outgoing password (`null` removes it).
    #[serde(default, deserialize_with = "text::nullable")]
    #[schema(value_type = Option<String>)]
    pub outgoing_password: Option<Option<String>>,
}

impl AliasPatch {
    /// Validates and normalises the input.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        if let Some(d) = &self.display_name {
            self.display_name = Some(text::optional("display_name", d, MAX_NAME)?);
        }
        if let Some(i) = self.incoming.take() {
            self.incoming = Some(i.validate().map_err(|e| e.within("incoming"))?);
        }
        if let Some(o) = self.outgoing.take() {
            self.outgoing = Some(o.validate().map_err(|e| e.within("outgoing"))?);
        }
        validate_password("incoming_password", self.incoming_password.as_deref())?;
        validate_password(
            "outgoing_password",
            self.outgoing_password.clone().flatten().as_deref(),
        )?;
        Ok(self)
    }

    /// Applies the non-secret fields to an alias read from the store.
    pub fn apply(&self, a: &mut Alias) {
        if let Some(v) = &self.address {
            a.address = v.clone();
        }
        if let Some(v) = &self.display_name {
            a.display_name.clone_from(v);
        }
        if let Some(v) = self.queue_id {
            a.queue_id = v;
        }
        if let Some(v) = self.active {
            a.active = v;
        }
        if let Some(v) = self.parts {
            a.parts = v;
        }
        if let Some(v) = &self.incoming {
            a.incoming = v.clone();
        }
        if let Some(v) = &self.outgoing {
            a.outgoing = v.clone();
        }
    }

    /// The password field that must come with this patch: a stored password goes only to the
    /// server it was given for, so changing a server's host or port (or the incoming protocol)
    /// needs its password again. `None` when the patch may apply.
    pub fn password_needed(&self, before: &Alias) -> Option<&'static str> {
        let moved = |h: &str, p: u16, h2: &str, p2: u16| !h.eq_ignore_ascii_case(h2) || p != p2;
        if let Some(i) = &self.incoming {
            let b = &before.incoming;
            let elsewhere = moved(&i.host, i.port, &b.host, b.port) || i.protocol != b.protocol;
            if elsewhere && before.incoming_password_set && self.incoming_password.is_none() {
                return Some("incoming_password");
            }
        }
        if let Some(o) = &self.outgoing {
            let b = &before.outgoing;
            let elsewhere = moved(&o.host, o.port, &b.host, b.port);
            if elsewhere && before.outgoing_password_set && self.outgoing_password.is_none() {
                return Some("outgoing_password");
            }
        }
        None
    }
}

fn validate_host(host: &str) -> Result<String, ValidationError> {
    let h = text::required("host", host, 253)?;
    if h.chars()
        .any(|c| !(c.is_ascii_alphanumeric() || ".-:[]_".contains(c)))
    {
        return Err(ValidationError::new(
            "host",
            "must be a host name or an IP address",
        ));
    }
    Ok(h)
}

fn validate_port(port: u16) -> Result<(), ValidationError> {
    if port == 0 {
        return Err(ValidationError::new("port", "must be 1 to 65535"));
    }
    Ok(())
}

fn validate_password(field: &str, p: Option<&str>) -> Result<(), ValidationError> {
    match p {
        Some(p) if p.len() > 1024 || p.chars().any(|c| c == '\r' || c == '\n') => Err(
            ValidationError::new(field, "must be at most 1024 characters on one line"),
        ),
        _ => Ok(()),
    }
}

impl IncomingServer {
    /// Validates and normalises the server settings.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.host = validate_host(&self.host)?;
        validate_port(self.port)?;
        self.username = text::required("username", &self.username, 256)?;
        self.folder = text::required("folder", &self.folder, 256)?;
        if self.protocol == MailProtocol::Pop3 {
            if self.folder != "INBOX" {
                return Err(ValidationError::new("folder", "POP3 has only the INBOX"));
            }
            if matches!(self.disposition, Disposition::Move { .. }) {
                return Err(ValidationError::new(
                    "disposition",
                    "POP3 cannot move messages: keep_seen or delete",
                ));
            }
        }
        if let Disposition::Move { folder } = &self.disposition {
            let f = text::required("disposition.folder", folder, 256)?;
            if f == self.folder {
                return Err(ValidationError::new(
                    "disposition.folder",
                    "must differ from the folder read",
                ));
            }
            self.disposition = Disposition::Move { folder: f };
        }
        if !(1..=3600).contains(&self.poll_secs) {
            return Err(ValidationError::new("poll_secs", "must be 1 to 3600"));
        }
        Ok(self)
    }
}

impl OutgoingServer {
    /// Validates and normalises the server settings.
    pub fn validate(mut self) -> Result<Self, ValidationError> {
        self.host = validate_host(&self.host)?;
        validate_port(self.port)?;
        if let Some(u) = &self.username {
            let u = text::optional("username", u, 256)?;
            self.username = (!u.is_empty()).then_some(u);
        }
        Ok(self)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn new_alias() -> serde_json::Value {
        serde_json::json!({
            "department_id": 1,
            "address": "Support@Example.COM",
            "incoming": {"protocol": "imap", "host": "mail.example.com", "port": 993,
                         "security": "tls", "username": "support"},
            "incoming_password": "secret",
            "outgoing": {"host": "smtp.example.com", "port": 587, "security": "starttls"}
        })
    }

    #[test]
    fn defaults_and_normalisation() {
        let a: NewAlias = serde_json::from_value(new_alias()).unwrap();
        let a = a.validate().unwrap();
        assert_eq!(a.address.as_str(), "Support@example.com");
        assert_eq!(a.incoming.folder, "INBOX");
        assert_eq!(a.incoming.disposition, Disposition::KeepSeen);
        assert!(a.active);
    }

    #[test]
    fn pop3_cannot_move_and_move_needs_another_folder() {
        let mut v = new_alias();
        v["incoming"]["protocol"] = "pop3".into();
        v["incoming"]["disposition"] = serde_json::json!({"action": "move", "folder": "Done"});
        let a: NewAlias = serde_json::from_value(v).unwrap();
        assert_eq!(a.validate().unwrap_err().field, "incoming.disposition");
        let mut v = new_alias();
        v["incoming"]["disposition"] = serde_json::json!({"action": "move", "folder": "INBOX"});
        let a: NewAlias = serde_json::from_value(v).unwrap();
        assert_eq!(
            a.validate().unwrap_err().field,
            "incoming.disposition.folder"
        );
    }

    #[test]
    fn bad_host_port_and_password_are_named() {
        let mut v = new_alias();
        v["outgoing"]["host"] = "smtp example".into();
        let a: NewAlias = serde_json::from_value(v).unwrap();
        assert_eq!(a.validate().unwrap_err().field, "outgoing.host");
        let mut v = new_alias();
        v["incoming"]["port"] = 0.into();
        let a: NewAlias = serde_json::from_value(v).unwrap();
        assert_eq!(a.validate().unwrap_err().field, "incoming.port");
        let mut v = new_alias();
        v["incoming_password"] = "a\nb".into();
        let a: NewAlias = serde_json::from_value(v).unwrap();
        assert_eq!(a.validate().unwrap_err().field, "incoming_password");
    }

    #[test]
    fn a_stored_password_goes_only_to_its_server() {
        let stored: Alias = serde_json::from_value(serde_json::json!({
            "id": 1, "department_id": 1, "address": "support@example.com", "display_name": "",
            "queue_id": null, "active": true,
            "parts": {"header": null, "greeting": null, "signature": null, "footer": null},
            "incoming": {"protocol": "imap", "host": "mail.example.com", "port": 993,
                         "security": "tls", "username": "support"},
            "incoming_password_set": true,
            "outgoing": {"host": "smtp.example.com", "port": 587, "security": "starttls",
                         "username": "support"},
            "outgoing_password_set": true,
            "version": 1, "created_at": "2026-12-01T00:00:00Z", "updated_at": "2026-12-01T00:00:00Z"
        }))
        .unwrap();
        let patch = |v: serde_json::Value| -> AliasPatch { serde_json::from_value(v).unwrap() };
        let mut elsewhere = serde_json::to_value(&stored.incoming).unwrap();
        elsewhere["host"] = "evil.example.net".into();
        let p = patch(serde_json::json!({"version": 1, "incoming": elsewhere}));
        assert_eq!(p.password_needed(&stored), Some("incoming_password"));
        let p = patch(
            serde_json::json!({"version": 1, "incoming": elsewhere, "incoming_password": "again"}),
        );
        assert_eq!(p.password_needed(&stored), None);
        let mut same = serde_json::to_value(&stored.incoming).unwrap();
        same["host"] = "MAIL.example.com".into();
        same["poll_secs"] = 5.into();
        let p = patch(serde_json::json!({"version": 1, "incoming": same}));
        assert_eq!(
            p.password_needed(&stored),
            None,
            "same server, other settings"
        );
        let mut port = serde_json::to_value(&stored.outgoing).unwrap();
        port["port"] = 2525.into();
        let p = patch(serde_json::json!({"version": 1, "outgoing": port}));
        assert_eq!(p.password_needed(&stored), Some("outgoing_password"));
    }
}
