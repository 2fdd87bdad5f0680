//! Describing an administration form: its fields, how each is shown, and how a stored object's
//! JSON fills them. The browser turns the filled form back into the API's JSON (`app.js`,
//! `data-type` on each control) and the API validates it; a field error comes back with its JSON
//! path and is shown beside the control with that `data-path`.

use serde_json::Value;

/// Where a field's choices come from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Source {
    /// Departments.
    Departments,
    /// Queues.
    Queues,
    /// User groups.
    Groups,
    /// Users.
    Users,
    /// Aliases.
    Aliases,
    /// Knowledge-base folders.
    Folders,
    /// Knowledge-base articles.
    Articles,
    /// Business calendars.
    Calendars,
    /// Channels.
    Channels,
    /// Fixed choices: `(value, label)`.
    Fixed(&'static [(&'static str, &'static str)]),
}

impl Source {
    /// The administration page (and API path) of the objects it lists; `None` for fixed lists.
    pub fn slug(self) -> Option<&'static str> {
        Some(match self {
            Source::Departments => "departments",
            Source::Queues => "queues",
            Source::Groups => "user-groups",
            Source::Users => "users",
            Source::Aliases => "aliases",
            Source::Folders => "kb-folders",
            Source::Articles => "articles",
            Source::Calendars => "calendars",
            Source::Channels | Source::Fixed(_) => return None,
        })
    }

    /// Whether the choices are one department's objects (queues, groups, users…).
    pub fn per_department(self) -> bool {
        !matches!(
            self,
            Source::Departments | Source::Channels | Source::Fixed(_)
        )
    }
}

/// Whether any of `fields` chooses among one department's objects.
pub fn department_scoped(fields: &[Field]) -> bool {
    fields.iter().any(|f| match f.control {
        Control::Select(s) | Control::Multi(s) => s.per_department(),
        _ => false,
    })
}

/// How a field is edited and what JSON it becomes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Control {
    /// One line of text (a JSON string).
    Text,
    /// Several lines of text (a JSON string).
    Area,
    /// Formatted text: an editor with a toolbar and the placeholders of the field's help, over
    /// the HTML it keeps (a JSON string; the raw HTML stays one click away).
    Rich,
    /// A password: left empty, it is not sent (the stored one stays).
    Password,
    /// A whole number.
    Number,
    /// A checkbox (a JSON boolean).
    Check,
    /// One of the source's choices, or none (`null`) unless required; ids become numbers.
    Select(Source),
    /// Any of the source's choices (a JSON array).
    Multi(Source),
    /// One item per line (a JSON array of strings).
    Lines,
    /// `key = value` per line (a JSON object; `true`/`false` and whole numbers keep their type).
    Map,
    /// Raw JSON.
    Json,
    /// A list of objects, one row each, with these columns.
    Rows(&'static [Field]),
}

/// When a field is on the form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// Creating and editing.
    Both,
    /// Only when creating (shown read-only when editing).
    Create,
    /// Only when editing.
    Edit,
}

/// One field of a form.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field {
    /// JSON path in the API object, dotted (`incoming.host`).
    pub path: &'static str,
    /// Label.
    pub label: &'static str,
    /// How it is edited.
    pub control: Control,
    /// When it appears.
    pub on: On,
    /// Whether it must be filled (a select then offers no empty choice).
    pub required: bool,
    /// Initial value on a new object, as the control shows it.
    pub default: &'static str,
    /// Help under the control.
    pub help: &'static str,
    /// Shown (and sent) only when another field has a value: `path=value`.
    pub when: &'static str,
    /// A heading over this field and the ones after it (e.g. "Incoming mail").
    pub group: &'static str,
}

impl Field {
    /// A field with the common defaults: on both forms, optional, empty, no help.
    pub const fn new(path: &'static str, label: &'static str, control: Control) -> Field {
        Field {
            path,
            label,
            control,
            on: On::Both,
            required: false,
            default: "",
            help: "",
            when: "",
            group: "",
        }
    }

    /// Starts a group of fields under `heading`.
    pub const fn starts(mut self, heading: &'static str) -> Field {
        self.group = heading;
        self
    }

    /// Must be filled.
    pub const fn required(mut self) -> Field {
        self.required = true;
        self
    }

    /// Only on the new-object form.
    pub const fn create_only(mut self) -> Field {
        self.on = On::Create;
        self
    }

    /// Only on the edit form.
    pub const fn edit_only(mut self) -> Field {
        self.on = On::Edit;
        self
    }

    /// Starts with `value` on a new object.
    pub const fn default(mut self, value: &'static str) -> Field {
        self.default = value;
        self
    }

    /// Help text.
    pub const fn help(mut self, text: &'static str) -> Field {
        self.help = text;
        self
    }

    /// Shown only when `cond` (`path=value`) holds.
    pub const fn when(mut self, cond: &'static str) -> Field {
        self.when = cond;
        self
    }
}

/// The value at a dotted `path` of `v`, if any.
pub fn lookup<'a>(v: &'a Value, path: &str) -> Option<&'a Value> {
    path.split('.').try_fold(v, |v, key| v.get(key))
}

/// How the control shows `v`.
pub fn display(control: Control, v: &Value) -> String {
    match (control, v) {
        (_, Value::Null) => String::new(),
        (Control::Json, v) => serde_json::to_string_pretty(v).unwrap_or_default(),
        (_, Value::String(s)) => s.clone(),
        (Control::Lines, Value::Array(items)) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect::<Vec<_>>()
            .join("\n"),
        (Control::Map, Value::Object(m)) => m
            .iter()
            .map(|(k, v)| match v {
                Value::String(s) => format!("{k} = {s}"),
                v => format!("{k} = {v}"),
            })
            .collect::<Vec<_>>()
            .join("\n"),
        (_, v) => v.to_string(),
    }
}

/// The values a multiple choice holds, as strings.
pub fn chosen(v: &Value) -> Vec<String> {
    match v {
        Value::Array(items) => items
            .iter()
            .map(|i| i.as_str().map_or_else(|| i.to_string(), str::to_string))
            .collect(),
        _ => Vec::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    #[test]
    fn values_show_as_their_controls_edit_them() {
        let v = json!({"incoming": {"host": "imap.test", "port": 993},
            "hours": ["09:00-12:00", "13:00-17:00"], "attrs": {"billing": 7, "es": true, "t": "x"},
            "ids": [1, 2], "none": null});
        assert_eq!(lookup(&v, "incoming.host"), Some(&json!("imap.test")));
        assert_eq!(
            display(Control::Number, &v["incoming"]["port"]),
            "993".to_string()
        );
        assert_eq!(
            display(Control::Lines, &v["hours"]),
            "09:00-12:00\n13:00-17:00"
        );
        assert_eq!(
            display(Control::Map, &v["attrs"]),
            "billing = 7\nes = true\nt = x"
        );
        assert_eq!(display(Control::Text, &v["none"]), "");
        assert_eq!(chosen(&v["ids"]), vec!["1".to_string(), "2".to_string()]);
        assert!(lookup(&v, "incoming.folder").is_none());
    }
}
