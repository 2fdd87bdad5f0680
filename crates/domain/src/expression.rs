//! Precision-queue step expressions over agent attributes, e.g. `language_es AND billing >= 7`.
//!
//! ```text
//! expr  := or
//! or    := and ("OR" and)*
//! and   := not ("AND" not)*
//! not   := "NOT" not | "(" expr ")" | test
//! test  := name [op value]        op: = == != >= <= > <      value: 0–10, true, false
//! ```
//! Keywords are case-insensitive; names are letters, digits, `_` and `-`. An attribute's value
//! is its proficiency (1–10), 1 for a boolean attribute that is true, and 0 when it is false or
//! the agent does not have it. A bare name is true when the value is above 0.

use std::collections::BTreeMap;

use crate::user::AgentAttribute;

/// Deepest nesting of parentheses and `NOT`s accepted.
const MAX_DEPTH: usize = 32;

/// A comparison.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compare {
    /// `=` or `==`.
    Eq,
    /// `!=`.
    Ne,
    /// `>=`.
    Ge,
    /// `<=`.
    Le,
    /// `>`.
    Gt,
    /// `<`.
    Lt,
}

/// A parsed expression.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Expression {
    /// Both hold.
    And(Box<Expression>, Box<Expression>),
    /// Either holds.
    Or(Box<Expression>, Box<Expression>),
    /// Does not hold.
    Not(Box<Expression>),
    /// The attribute's value compared with a number (a bare name is `name > 0`).
    Test {
        /// The attribute.
        name: String,
        /// How it is compared.
        op: Compare,
        /// With what.
        value: u8,
    },
}

/// An attribute's value in an expression: its proficiency, 1 for true, 0 for false or absent.
pub fn attribute_value(a: Option<&AgentAttribute>) -> u8 {
    match a {
        Some(AgentAttribute::Proficiency(n)) => *n,
        Some(AgentAttribute::Bool(true)) => 1,
        Some(AgentAttribute::Bool(false)) | None => 0,
    }
}

impl Expression {
    /// Parses an expression; the error says what is wrong and where.
    pub fn parse(text: &str) -> Result<Expression, String> {
        let tokens = tokenize(text)?;
        let mut p = Parser {
            tokens: &tokens,
            at: 0,
            depth: 0,
        };
        let e = p.or()?;
        match p.tokens.get(p.at) {
            None => Ok(e),
            Some(t) => Err(format!("unexpected {} after the expression", t.show())),
        }
    }

    /// Whether an agent with `attributes` matches.
    pub fn matches(&self, attributes: &BTreeMap<String, AgentAttribute>) -> bool {
        self.eval(&|name| attribute_value(attributes.get(name)))
    }

    /// Evaluates with `value` giving each attribute's value.
    pub fn eval(&self, value: &dyn Fn(&str) -> u8) -> bool {
        match self {
            Expression::And(a, b) => a.eval(value) && b.eval(value),
            Expression::Or(a, b) => a.eval(value) || b.eval(value),
            Expression::Not(a) => !a.eval(value),
            Expression::Test { name, op, value: v } => {
                let x = value(name);
                match op {
                    Compare::Eq => x == *v,
                    Compare::Ne => x != *v,
                    Compare::Ge => x >= *v,
                    Compare::Le => x <= *v,
                    Compare::Gt => x > *v,
                    Compare::Lt => x < *v,
                }
            }
        }
    }

    /// Every attribute named, once each, in order of first appearance.
    pub fn attributes(&self) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        self.collect(&mut out);
        out
    }

    fn collect<'a>(&'a self, out: &mut Vec<&'a str>) {
        match self {
            Expression::And(a, b) | Expression::Or(a, b) => {
                a.collect(out);
                b.collect(out);
            }
            Expression::Not(a) => a.collect(out),
            Expression::Test { name, .. } => {
                if !out.contains(&name.as_str()) {
                    out.push(name);
                }
            }
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
enum Token {
    Name(String),
    Number(u8),
    And,
    Or,
    Not,
    Open,
    Close,
    Op(Compare),
}

impl Token {
    fn show(&self) -> String {
        match self {
            Token::Name(n) => format!("`{n}`"),
            Token::Number(n) => format!("`{n}`"),
            Token::And => "`AND`".into(),
            Token::Or => "`OR`".into(),
            Token::Not => "`NOT`".into(),
            Token::Open => "`(`".into(),
            Token::Close => "`)`".into(),
            Token::Op(_) => "a comparison".into(),
        }
    }
}

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    let chars: Vec<char> = text.chars().collect();
    let mut out = Vec::new();
    let mut i = 0;
    while let Some(&c) = chars.get(i) {
        let next = chars.get(i + 1).copied();
        match c {
            ' ' | '\t' | '\n' | '\r' => i += 1,
            '(' => {
                out.push(Token::Open);
                i += 1;
            }
            ')' => {
                out.push(Token::Close);
                i += 1;
            }
            '=' | '!' | '<' | '>' => {
                let (op, len) = match (c, next) {
                    ('=', Some('=')) => (Compare::Eq, 2),
                    ('=', _) => (Compare::Eq, 1),
                    ('!', Some('=')) => (Compare::Ne, 2),
                    ('>', Some('=')) => (Compare::Ge, 2),
                    ('<', Some('=')) => (Compare::Le, 2),
                    ('>', _) => (Compare::Gt, 1),
                    ('<', _) => (Compare::Lt, 1),
                    _ => return Err(format!("unexpected `{c}` at character {}", i + 1)),
                };
                out.push(Token::Op(op));
                i += len;
            }
            c if c.is_ascii_alphanumeric() || c == '_' || c == '-' => {
                let start = i;
                while chars
                    .get(i)
                    .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
                {
                    i += 1;
                }
                let word: String = chars.get(start..i).unwrap_or_default().iter().collect();
                out.push(word_token(word, start)?);
            }
            c => return Err(format!("unexpected `{c}` at character {}", i + 1)),
        }
    }
    Ok(out)
}

fn word_token(word: String, at: usize) -> Result<Token, String> {
    Ok(match word.to_ascii_uppercase().as_str() {
        "AND" => Token::And,
        "OR" => Token::Or,
        "NOT" => Token::Not,
        "TRUE" => Token::Number(1),
        "FALSE" => Token::Number(0),
        _ if word.bytes().all(|b| b.is_ascii_digit()) => match word.parse::<u8>() {
            Ok(n) if n <= 10 => Token::Number(n),
            _ => {
                return Err(format!(
                    "`{word}` at character {}: values are 0 to 10",
                    at + 1
                ));
            }
        },
        _ => Token::Name(word),
    })
}

struct Parser<'a> {
    tokens: &'a [Token],
    at: usize,
    depth: usize,
}

impl Parser<'_> {
    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn or(&mut self) -> Result<Expression, String> {
        let mut e = self.and()?;
        while self.peek() == Some(&Token::Or) {
            self.at += 1;
            e = Expression::Or(Box::new(e), Box::new(self.and()?));
        }
        Ok(e)
    }

    fn and(&mut self) -> Result<Expression, String> {
        let mut e = self.not()?;
        while self.peek() == Some(&Token::And) {
            self.at += 1;
            e = Expression::And(Box::new(e), Box::new(self.not()?));
        }
        Ok(e)
    }

    fn not(&mut self) -> Result<Expression, String> {
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            return Err(format!("nested more than {MAX_DEPTH} deep"));
        }
        let e = match self.peek().cloned() {
            Some(Token::Not) => {
                self.at += 1;
                Expression::Not(Box::new(self.not()?))
            }
            Some(Token::Open) => {
                self.at += 1;
                let e = self.or()?;
                if self.peek() != Some(&Token::Close) {
                    return Err("a `(` is not closed".into());
                }
                self.at += 1;
                e
            }
            Some(Token::Name(name)) => {
                self.at += 1;
                match self.peek().cloned() {
                    Some(Token::Op(op)) => {
                        self.at += 1;
                        match self.peek().cloned() {
                            Some(Token::Number(value)) => {
                                self.at += 1;
                                Expression::Test { name, op, value }
                            }
                            _ => return Err(format!("`{name}` is compared with nothing")),
                        }
                    }
                    _ => Expression::Test {
                        name,
                        op: Compare::Gt,
                        value: 0,
                    },
                }
            }
            Some(t) => return Err(format!("expected an attribute, found {}", t.show())),
            None => return Err("the expression ends too early".into()),
        };
        self.depth -= 1;
        Ok(e)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn agent(pairs: &[(&str, AgentAttribute)]) -> BTreeMap<String, AgentAttribute> {
        pairs.iter().map(|(k, v)| (k.to_string(), *v)).collect()
    }

    #[test]
    fn evaluates_booleans_proficiencies_and_precedence() {
        let es = agent(&[
            ("language_es", AgentAttribute::Bool(true)),
            ("billing", AgentAttribute::Proficiency(7)),
        ]);
        let en = agent(&[("billing", AgentAttribute::Proficiency(9))]);
        let cases = [
            ("language_es AND billing >= 7", true, false),
            ("language_es and billing > 7", false, false),
            ("NOT language_es", false, true),
            ("language_es OR billing >= 9", true, true),
            ("billing = 7 OR billing == 9", true, true),
            ("billing != 7", false, true),
            ("billing < 8 AND (language_es OR nothing)", true, false),
            ("language_es = true", true, false),
            ("language_es = false", false, true),
            ("a OR b AND c", false, false),
            ("NOT (a OR b) AND billing <= 9", true, true),
        ];
        for (text, for_es, for_en) in cases {
            let e = Expression::parse(text).unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!((e.matches(&es), e.matches(&en)), (for_es, for_en), "{text}");
        }
        let e = Expression::parse("a OR b AND NOT a").unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(e.attributes(), vec!["a", "b"]);
    }

    #[test]
    fn refuses_malformed_expressions_with_a_reason() {
        for bad in [
            "",
            "billing >=",
            "(billing",
            "billing)",
            "AND billing",
            "billing >= 11",
            "billing >= 300",
            "billing $ 3",
            "billing billing",
            "7",
            "NOT",
        ] {
            assert!(Expression::parse(bad).is_err(), "{bad:?} was accepted");
        }
        let deep = format!("{}a{}", "(".repeat(40), ")".repeat(40));
        assert!(Expression::parse(&deep).is_err());
    }
}
