//! Web origins allowed to embed an entry point's widget: `scheme://host[:port]`, as browsers
//! send them in the `Origin` header, normalised to lower case.

use crate::error::ValidationError;

/// Most origins one entry point allows.
pub const MAX_ORIGINS: usize = 50;

/// Parses one origin: `http` or `https`, a host name or address, an optional port; no path, no
/// wildcard.
pub fn parse(s: &str) -> Result<String, String> {
    let s = s.trim().to_ascii_lowercase();
    let (scheme, rest) = s
        .split_once("://")
        .ok_or("write an origin as scheme://host[:port], e.g. https://www.example.com")?;
    if scheme != "http" && scheme != "https" {
        return Err("only http and https origins can embed the widget".into());
    }
    let rest = rest.strip_suffix('/').unwrap_or(rest);
    let (host, port) = match rest.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (rest, None),
    };
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '.' || c == '-')
        && !host.starts_with(['.', '-'])
        && !host.ends_with(['.', '-']);
    if !host_ok {
        return Err(
            "the host must be a name such as www.example.com (no path, no wildcard)".into(),
        );
    }
    if let Some(p) = port {
        match p.parse::<u16>() {
            Ok(n) if n > 0 => {}
            _ => return Err("the port must be a number from 1 to 65535".into()),
        }
    }
    Ok(format!("{scheme}://{rest}"))
}

/// Validates and normalises a list of origins (duplicates removed, order kept).
pub fn check_all(field: &str, list: &mut Vec<String>) -> Result<(), ValidationError> {
    if list.len() > MAX_ORIGINS {
        return Err(ValidationError::new(
            field,
            format!("at most {MAX_ORIGINS} origins"),
        ));
    }
    let mut out: Vec<String> = Vec::with_capacity(list.len());
    for (i, o) in list.iter().enumerate() {
        let o = parse(o).map_err(|m| ValidationError::new(format!("{field}[{i}]"), m))?;
        if !out.contains(&o) {
            out.push(o);
        }
    }
    *list = out;
    Ok(())
}

/// Whether `origin` (an `Origin` header) is one of `allowed`.
pub fn allows(allowed: &[String], origin: &str) -> bool {
    parse(origin).is_ok_and(|o| allowed.contains(&o))
}
