//! A YAML value tree with the line and column of every node, read by serde-saphyr.
//!
//! Keeping a generic tree (rather than a typed struct) lets the rules report wrong types,
//! unknown keys and nulls precisely, each with the position of the offending node.

use std::borrow::Cow;
use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::Spanned;
use serde_saphyr::options::NonFiniteFloatPolicy;

#[derive(Debug, Clone, PartialEq)]
pub enum Value {
    Null,
    Bool(bool),
    Int(i128),
    Float(f64),
    Str(String),
    Seq(Vec<Node>),
    Map(Vec<(Node, Node)>),
}

/// A value with its 1-based line and column in the file it came from.
#[derive(Debug, Clone, PartialEq)]
pub struct Node {
    pub value: Value,
    pub line: usize,
    pub col: usize,
    /// How a null, boolean or number was spelled in the source (`1.0`, `yes`, `~`), so
    /// that it can be read as the string a schema-less reader sees.
    pub raw: Option<String>,
    /// Byte range of the node in the text it was parsed from, when known.
    pub span: Option<(usize, usize)>,
}

impl Node {
    pub fn as_str(&self) -> Option<&str> {
        match &self.value {
            Value::Str(s) => Some(s),
            _ => None,
        }
    }

    /// A scalar as text, the way a reader without a type schema sees it: strings as they
    /// are, booleans and numbers as spelled in the source. `None` for nulls and
    /// collections.
    pub fn text(&self) -> Option<Cow<'_, str>> {
        match &self.value {
            Value::Str(s) => Some(Cow::Borrowed(s)),
            Value::Null | Value::Seq(_) | Value::Map(_) => None,
            _ => match &self.raw {
                Some(raw) => Some(Cow::Borrowed(raw)),
                None => self.scalar_text().map(Cow::Owned),
            },
        }
    }

    pub fn is_null(&self) -> bool {
        matches!(self.value, Value::Null)
    }

    /// Looks a key up in a mapping node (keys compared as strings).
    pub fn get(&self, key: &str) -> Option<&Node> {
        self.entries()?
            .iter()
            .find(|(k, _)| k.as_str() == Some(key))
            .map(|(_, v)| v)
    }

    pub fn entries(&self) -> Option<&[(Node, Node)]> {
        match &self.value {
            Value::Map(m) => Some(m),
            _ => None,
        }
    }

    /// The YAML type name, for messages.
    pub fn type_name(&self) -> &'static str {
        self.value.type_name()
    }

    /// [`Node::type_name`] with its article: `an integer`, `a list`.
    pub fn a_type(&self) -> &'static str {
        self.value.a_type()
    }

    /// A scalar rendered as text (`None` for collections).
    pub fn scalar_text(&self) -> Option<String> {
        match &self.value {
            Value::Null => Some(String::new()),
            Value::Bool(b) => Some(b.to_string()),
            Value::Int(i) => Some(i.to_string()),
            Value::Float(f) => Some(f.to_string()),
            Value::Str(s) => Some(s.clone()),
            Value::Seq(_) | Value::Map(_) => None,
        }
    }

    /// The value as compact JSON text, for writing a structured value into one string:
    /// mappings keep their order, keys are their text, numbers keep their spelling where
    /// JSON can hold it.
    pub fn to_json_text(&self) -> String {
        let string = |s: &str| serde_json::Value::from(s).to_string();
        match &self.value {
            Value::Null => "null".into(),
            Value::Bool(b) => b.to_string(),
            Value::Int(_) | Value::Float(_) => {
                let spelled = self.text().unwrap_or_default();
                match serde_json::from_str::<serde_json::Number>(&spelled) {
                    Ok(n) => n.to_string(),
                    Err(_) => string(&spelled),
                }
            }
            Value::Str(s) => string(s),
            Value::Seq(items) => {
                let items: Vec<String> = items.iter().map(Node::to_json_text).collect();
                format!("[{}]", items.join(","))
            }
            Value::Map(entries) => {
                let entries: Vec<String> = entries
                    .iter()
                    .map(|(k, v)| {
                        let key = match k.text() {
                            Some(t) => string(&t),
                            None => string(&k.to_json_text()),
                        };
                        format!("{key}:{}", v.to_json_text())
                    })
                    .collect();
                format!("{{{}}}", entries.join(","))
            }
        }
    }

    /// The value written as the one string a `metadata` entry holds, without losing any of
    /// it: text as it is; booleans and numbers as spelled; a list of such scalars joined
    /// with `, ` (when no item holds a comma); anything else (mappings, nested lists) as
    /// compact JSON, which any YAML or JSON reader can turn back into the value. `None`
    /// for a null: there is no value to keep.
    pub fn as_metadata_string(&self) -> Option<String> {
        match &self.value {
            Value::Null => None,
            Value::Seq(items)
                if items.iter().all(|i| {
                    !matches!(i.value, Value::Null | Value::Seq(_) | Value::Map(_))
                        && !i.text().unwrap_or_default().contains(',')
                }) =>
            {
                Some(
                    items
                        .iter()
                        .filter_map(Node::text)
                        .collect::<Vec<_>>()
                        .join(", "),
                )
            }
            Value::Seq(_) | Value::Map(_) => Some(self.to_json_text()),
            _ => self.text().map(Cow::into_owned),
        }
    }

    /// Moves the node `lines` lines down and records the source spelling of typed
    /// scalars from `text`.
    fn settle(&mut self, text: &str, lines: usize) {
        if self.line > 0 {
            self.line += lines;
        }
        match &mut self.value {
            Value::Seq(items) => items.iter_mut().for_each(|n| n.settle(text, lines)),
            Value::Map(entries) => entries.iter_mut().for_each(|(k, v)| {
                k.settle(text, lines);
                v.settle(text, lines);
            }),
            Value::Str(_) => {}
            Value::Null | Value::Bool(_) | Value::Int(_) | Value::Float(_) => {
                // An alias (`*a`) spans its own name, not the value it stands for.
                self.raw = self
                    .span
                    .and_then(|(start, len)| text.get(start..start + len))
                    .map(str::trim)
                    .filter(|raw| !raw.starts_with('*'))
                    .map(str::to_string);
            }
        }
    }
}

impl Value {
    pub fn type_name(&self) -> &'static str {
        match self {
            Value::Null => "null",
            Value::Bool(_) => "boolean",
            Value::Int(_) => "integer",
            Value::Float(_) => "number",
            Value::Str(_) => "string",
            Value::Seq(_) => "list",
            Value::Map(_) => "mapping",
        }
    }

    /// [`Value::type_name`] with its article: `an integer`, `a list`.
    pub fn a_type(&self) -> &'static str {
        match self {
            Value::Int(_) => "an integer",
            Value::Null => "a null",
            Value::Bool(_) => "a boolean",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A YAML syntax error (or a duplicate key) with its position.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct YamlError {
    pub line: usize,
    pub col: usize,
    /// The parser's own description, for people to read.
    pub message: String,
    pub kind: YamlErrorKind,
}

/// What a [`YamlError`] is, as far as choosing a fix goes; taken from the parser's error
/// type, never from its wording.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum YamlErrorKind {
    /// A key repeated in one mapping: the key, when it is a scalar.
    DuplicateKey { key: Option<String> },
    /// A `: ` where no mapping value may start, as in an unquoted `key: value: more`.
    MappingValueNotAllowed,
    /// A tab where YAML allows only spaces.
    Tab,
    /// Any other syntax error.
    Other,
}

impl YamlErrorKind {
    fn of(e: &serde_saphyr::Error) -> YamlErrorKind {
        use serde_saphyr::granit_parser::ErrorKind as Scan;
        use serde_saphyr::{Error, ExternalMessageSource};
        // The error the message describes, without the alias and snippet wrappers.
        let mut e = e;
        while let Error::AliasError { error, .. } | Error::WithSnippet { error, .. } = e {
            e = error;
        }
        match e {
            Error::DuplicateMappingKey { key, .. } => YamlErrorKind::DuplicateKey {
                key: key.as_deref().map(printable),
            },
            Error::ExternalMessage { source, .. } => match source.as_ref() {
                ExternalMessageSource::Parser(scan) => match scan.kind() {
                    Scan::MappingValueNotAllowed => YamlErrorKind::MappingValueNotAllowed,
                    Scan::TabNotAllowed
                    | Scan::TabInBlockIndentation
                    | Scan::TabAtBlockScalarStart
                    | Scan::TabInIndentation
                    | Scan::TabInPlainScalar => YamlErrorKind::Tab,
                    _ => YamlErrorKind::Other,
                },
                _ => YamlErrorKind::Other,
            },
            _ => YamlErrorKind::Other,
        }
    }
}

/// Parses `text`, whose first line is line `first_line` of the file.
///
/// Booleans are YAML 1.2 ones (`true`/`false`): `yes` and `no` stay strings, as they do in
/// the JavaScript and Python readers that agents use.
pub fn parse(text: &str, first_line: usize) -> Result<Node, YamlError> {
    let shift = first_line.saturating_sub(1);
    let options = serde_saphyr::options! {
        strict_booleans: true,
        non_finite_float_policy: NonFiniteFloatPolicy::AsString,
        with_snippet: false,
    };
    match serde_saphyr::from_str_with_options::<Node>(text, options) {
        Ok(mut node) => {
            node.settle(text, shift);
            Ok(node)
        }
        Err(e) => {
            let (line, col) = e
                .location()
                .map(|l| (l.line() as usize, l.column() as usize))
                .unwrap_or((0, 0));
            Err(YamlError {
                line: if line > 0 { line + shift } else { first_line },
                col: col.max(1),
                message: error_message(&e.to_string()),
                kind: YamlErrorKind::of(&e),
            })
        }
    }
}

/// `text` with control characters and line separators escaped, as the parser's own
/// messages have them.
fn printable(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        if c.is_control() || matches!(c, '\u{2028}' | '\u{2029}') {
            out.extend(c.escape_debug());
        } else {
            out.push(c);
        }
    }
    out
}

/// The first line of a parser message, without the `error: line L column C:` prefix that
/// the diagnostic's own position replaces.
fn error_message(full: &str) -> String {
    let first = full.lines().next().unwrap_or_default();
    let rest = first.strip_prefix("error: ").unwrap_or(first);
    let rest = match rest.strip_prefix("line ") {
        Some(after) => after
            .split_once(": ")
            .filter(|(pos, _)| pos.contains("column"))
            .map_or(rest, |(_, msg)| msg),
        None => rest,
    };
    let rest = rest
        .split(", set DuplicateKeyPolicy")
        .next()
        .unwrap_or(rest);
    let rest = match rest.rsplit_once(" at line ") {
        Some((msg, pos)) if pos.contains("column") => msg,
        _ => rest,
    }
    .trim();
    if rest.is_empty() {
        "invalid YAML".into()
    } else {
        rest.to_string()
    }
}

impl<'de> Deserialize<'de> for Node {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = Spanned::<Value>::deserialize(d)?;
        let span = s.referenced.span();
        Ok(Node {
            value: s.value,
            line: s.referenced.line() as usize,
            col: s.referenced.column() as usize,
            raw: None,
            span: span
                .byte_offset()
                .zip(span.byte_len())
                .map(|(o, l)| (o as usize, l as usize)),
        })
    }
}

impl<'de> Deserialize<'de> for Value {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_any(ValueVisitor)
    }
}

struct ValueVisitor;

impl<'de> Visitor<'de> for ValueVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("any YAML value")
    }
    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Int(v.into()))
    }
    fn visit_i128<E>(self, v: i128) -> Result<Value, E> {
        Ok(Value::Int(v))
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<Value, E> {
        i128::try_from(v)
            .map(Value::Int)
            .or(Ok(Value::Float(v as f64)))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Value, E> {
        Ok(Value::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::Str(v))
    }
    fn visit_bytes<E>(self, v: &[u8]) -> Result<Value, E> {
        Ok(Value::Str(String::from_utf8_lossy(v).into_owned()))
    }
    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_none<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Value, D::Error> {
        Value::deserialize(d)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(n) = seq.next_element::<Node>()? {
            items.push(n);
        }
        Ok(Value::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Value, A::Error> {
        let mut entries = Vec::new();
        while let Some(k) = map.next_key::<Node>()? {
            let v = map.next_value::<Node>()?;
            entries.push((k, v));
        }
        Ok(Value::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn positions_are_shifted_to_the_file() {
        let node = parse("name: a\ndescription: b\n", 2).unwrap();
        let d = node.get("description").unwrap();
        assert_eq!((d.line, d.col), (3, 14));
    }

    #[test]
    fn typed_scalars_keep_their_spelling() {
        let node = parse("a: 1.0\nb: 012\nc: true\nd: yes\ne: ~\n", 1).unwrap();
        let text = |k: &str| node.get(k).unwrap().text().map(|t| t.into_owned());
        assert_eq!(text("a").as_deref(), Some("1.0"));
        assert_eq!(text("b").as_deref(), Some("012"));
        assert_eq!(text("c").as_deref(), Some("true"));
        assert_eq!(node.get("d").unwrap().as_str(), Some("yes"));
        assert_eq!(text("e"), None);
        assert_eq!(node.get("e").unwrap().raw.as_deref(), Some("~"));
    }

    #[test]
    fn metadata_strings_keep_every_value() {
        let node = parse(
            "a: [x, y]\nb: [{github: octo}, {github: cat}]\nc: 1.0\nd: {z: [1, 2], a: 0x1F}\ne: ['a,b', c]\nf: ~\ng: text\n",
            1,
        )
        .unwrap();
        let s = |k: &str| node.get(k).unwrap().as_metadata_string();
        assert_eq!(s("a").as_deref(), Some("x, y"));
        assert_eq!(
            s("b").as_deref(),
            Some(r#"[{"github":"octo"},{"github":"cat"}]"#)
        );
        assert_eq!(s("c").as_deref(), Some("1.0"));
        assert_eq!(s("d").as_deref(), Some(r#"{"z":[1,2],"a":"0x1F"}"#));
        assert_eq!(s("e").as_deref(), Some(r#"["a,b","c"]"#));
        assert_eq!(s("f"), None);
        assert_eq!(s("g").as_deref(), Some("text"));
    }

    #[test]
    fn duplicate_keys_and_syntax_errors_have_positions() {
        let e = parse("a: 1\na: 2\n", 2).unwrap_err();
        assert_eq!(
            e.kind,
            YamlErrorKind::DuplicateKey {
                key: Some("a".into())
            }
        );
        assert_eq!((e.line, e.col), (3, 1));
        assert_eq!(e.message, "duplicate mapping key: a");
        let e = parse("a: b: c\n", 2).unwrap_err();
        assert_eq!(e.kind, YamlErrorKind::MappingValueNotAllowed);
        assert_eq!((e.line, e.col), (2, 5));
        assert_eq!(e.message, "mapping values are not allowed in this context");
    }

    #[test]
    fn tabs_and_odd_duplicate_keys_are_told_apart_by_kind() {
        for text in ["a:\n\tb: c\n", "a: |\n\tx\n", "meta:\n  a: 1\n\t  b: 2\n"] {
            assert_eq!(
                parse(text, 1).unwrap_err().kind,
                YamlErrorKind::Tab,
                "{text:?}"
            );
        }
        assert_eq!(parse("a: [1\n", 1).unwrap_err().kind, YamlErrorKind::Other);
        let e = parse("\"x\\u001by\": 1\n\"x\\u001by\": 2\n", 1).unwrap_err();
        assert_eq!(
            e.kind,
            YamlErrorKind::DuplicateKey {
                key: Some("x\\u{1b}y".into())
            }
        );
        let e = parse("? [a]\n: 1\n? [a]\n: 2\n", 1).unwrap_err();
        assert_eq!(e.kind, YamlErrorKind::DuplicateKey { key: None });
    }
}
