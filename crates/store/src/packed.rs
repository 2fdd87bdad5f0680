//! Packed reads of many small rows: the database joins the integer columns of all rows that
//! share their text columns into one string, and one row per such group is read. SQLite's
//! driver hands every row from its thread over on its own, which costs far more than the row;
//! a month of agent rows at 15 minutes is half a million of them.

use sqlx::AnyPool;
use switchboard_domain::{ActivityStatus, ChannelKind};

use crate::error::StoreError;
use crate::sql::col;

/// The rows sharing one set of text values: those values, and the integers of the rows, one
/// after another (as many per row as integer columns were read).
#[derive(Debug)]
pub(crate) struct Packed {
    /// The text columns' values.
    pub(crate) texts: Vec<String>,
    /// The integer columns of every row of the group, row after row.
    pub(crate) ints: Vec<i64>,
}

/// Reads the rows of `query` packed: one [`Packed`] per distinct value of its text columns
/// `texts`, holding the integer expressions `ints` (over its row `r`; never NULL) of each of
/// its rows. A text column whose values are few and known is better read as an integer (see
/// [`channel_code`]): each text column makes the database sort the rows.
pub(crate) async fn read_packed(
    pool: &AnyPool,
    query: &str,
    texts: &[&str],
    ints: &[impl AsRef<str>],
) -> Result<Vec<Packed>, StoreError> {
    let ints: Vec<&str> = ints.iter().map(AsRef::as_ref).collect();
    let keys: Vec<String> = texts.iter().map(|t| format!("r.{t}")).collect();
    let select_keys: String = keys.iter().map(|k| format!("{k}, ")).collect();
    let group = if keys.is_empty() {
        String::new()
    } else {
        format!(" GROUP BY {}", keys.join(", "))
    };
    // One format() a row: far cheaper than joining its values one by one.
    let sql = format!(
        "SELECT {select_keys}string_agg(format('{}', {}), ';') AS packed FROM ({query}) r{group}",
        vec!["%s"; ints.len()].join(","),
        ints.join(", ")
    );
    let rows = sqlx::query(&sql).persistent(false).fetch_all(pool).await?;
    let mut groups = Vec::with_capacity(rows.len());
    for r in &rows {
        let packed: Option<String> = col(r, "packed")?;
        let Some(packed) = packed else { continue };
        let texts = texts
            .iter()
            .map(|t| col::<String>(r, t))
            .collect::<Result<Vec<_>, _>>()?;
        groups.push((texts, packed));
    }
    drop(rows);
    // The numbers are taken apart off the async workers: two reads of one report then do it
    // side by side, and other requests are not held up.
    let width = ints.len();
    tokio::task::spawn_blocking(move || {
        groups
            .into_iter()
            .map(|(texts, packed)| {
                Ok(Packed {
                    texts,
                    ints: parse_ints(&packed, width)?,
                })
            })
            .collect()
    })
    .await
    .map_err(|e| StoreError::Internal(format!("unpacking rows failed: {e}")))?
}

/// An integer expression for channel column `column`: the channel's place in
/// [`ChannelKind::ALL`] (-1 for one this build does not know).
pub(crate) fn channel_code(column: &str) -> String {
    code(column, ChannelKind::ALL.iter().map(|c| c.as_str()))
}

/// `CASE column WHEN name0 THEN 0 … ELSE -1 END`: a text column of few known values read as
/// each value's place.
fn code<'a>(column: &str, names: impl Iterator<Item = &'a str>) -> String {
    let whens: String = names
        .enumerate()
        .map(|(i, n)| format!(" WHEN '{n}' THEN {i}"))
        .collect();
    format!("CASE {column}{whens} ELSE -1 END")
}

/// The channel of a code made by [`channel_code`].
pub(crate) fn channel_of_code(code: i64) -> Result<ChannelKind, StoreError> {
    of_code(&ChannelKind::ALL, code, "channel")
}

/// The value at place `code` of `all` (a code made by [`code`]).
fn of_code<T: Copy>(all: &[T], code: i64, what: &str) -> Result<T, StoreError> {
    usize::try_from(code)
        .ok()
        .and_then(|i| all.get(i).copied())
        .ok_or_else(|| StoreError::Internal(format!("a row of an unknown {what} ({code})")))
}

/// An integer expression for activity status column `column`: the status's place in
/// [`ActivityStatus::ALL`] (-1 for one this build does not know).
pub(crate) fn status_code(column: &str) -> String {
    code(column, ActivityStatus::ALL.iter().map(|s| s.as_str()))
}

/// The status of a code made by [`status_code`].
pub(crate) fn status_of_code(code: i64) -> Result<ActivityStatus, StoreError> {
    of_code(&ActivityStatus::ALL, code, "status")
}

/// The integers of `packed` (rows split by `;`, columns by `,`), checked to be `width` a row.
/// One pass over the bytes: this runs over every value of a month of agent rows.
fn parse_ints(packed: &str, width: usize) -> Result<Vec<i64>, StoreError> {
    let bad = || StoreError::Internal(format!("a packed row is not {width} integers"));
    let mut out = Vec::with_capacity(packed.len() / 3);
    let (mut value, mut negative, mut digits, mut in_row) = (0i64, false, 0usize, 0usize);
    for &b in packed.as_bytes().iter().chain([&b';']) {
        match b {
            b'0'..=b'9' => {
                value = value
                    .checked_mul(10)
                    .and_then(|v| v.checked_add(i64::from(b - b'0')))
                    .ok_or_else(bad)?;
                digits += 1;
            }
            b'-' if digits == 0 && !negative => negative = true,
            b',' | b';' => {
                if digits == 0 {
                    return Err(bad());
                }
                out.push(if negative { -value } else { value });
                (value, negative, digits) = (0, false, 0);
                in_row += 1;
                if b == b';' {
                    if in_row != width {
                        return Err(bad());
                    }
                    in_row = 0;
                }
            }
            _ => return Err(bad()),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_split_and_checked() {
        assert_eq!(parse_ints("1,2;-3,4", 2).unwrap(), vec![1, 2, -3, 4]);
        assert!(parse_ints("1,2;3", 2).is_err());
        assert!(parse_ints("1,x", 2).is_err());
        assert!(parse_ints("1,,2", 2).is_err());
        assert!(parse_ints("1,2-", 2).is_err());
        assert!(parse_ints("--1,2", 2).is_err());
        assert!(parse_ints("99999999999999999999,1", 2).is_err());
        assert_eq!(
            parse_ints("-9,0;7,-1200", 2).unwrap(),
            vec![-9, 0, 7, -1200]
        );
    }

    #[test]
    fn channel_codes_go_both_ways() {
        for (i, c) in ChannelKind::ALL.iter().enumerate() {
            assert!(channel_code("c").contains(&format!("'{}' THEN {i}", c.as_str())));
            assert_eq!(channel_of_code(i as i64).unwrap(), *c);
        }
        assert!(channel_of_code(-1).is_err());
    }
}
