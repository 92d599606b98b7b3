//! An owned JSON tree for the JSON-LD processor.
//!
//! Records arrive as a simd-json tape ([`crate::json::Value`]), but
//! JSON-LD needs to keep pieces of JSON beyond one record (a term's scoped
//! `@context`, the processed contexts shared by the whole run) and to build
//! documents that never existed as text (a proof configuration carrying the
//! document's `@context`). This tree is that form; objects keep their
//! members in input order. Strings borrow from the tape while a record is
//! judged (`Json<'tape>`, no copy) and are owned where they must outlive it
//! (`Json<'static>`, [`Json::into_static`]).

use std::borrow::Cow;

use simd_json::{Node, StaticNode};

use crate::canon::jcs::utf16_cmp;
use crate::json::Value;
use crate::json::write::{write_number, write_string};

/// An object's members, in input order.
pub type Members<'a> = [(Cow<'a, str>, Json<'a>)];

/// A JSON value, its strings borrowed for `'a` or owned.
#[derive(Clone, Debug, PartialEq)]
pub enum Json<'a> {
    /// `null`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// JSON-LD reads numbers as ECMAScript does: as doubles.
    Number(f64),
    /// A string, unescaped.
    String(Cow<'a, str>),
    /// An array.
    Array(Vec<Json<'a>>),
    /// An object's members, in input order.
    Object(Vec<(Cow<'a, str>, Json<'a>)>),
}

impl<'a> Json<'a> {
    /// A parsed value as a tree whose strings borrow from the tape.
    pub fn from_value(v: Value<'a>) -> Json<'a> {
        match v.node() {
            Node::String(s) => Json::String(Cow::Borrowed(s)),
            Node::Object { .. } => Json::Object(
                v.members()
                    .map(|(k, v)| (Cow::Borrowed(k), Json::from_value(v)))
                    .collect(),
            ),
            Node::Array { .. } => Json::Array(v.elements().map(Json::from_value).collect()),
            Node::Static(s) => match s {
                StaticNode::Null => Json::Null,
                StaticNode::Bool(b) => Json::Bool(b),
                StaticNode::I64(n) => Json::Number(n as f64),
                StaticNode::U64(n) => Json::Number(n as f64),
                StaticNode::F64(n) => Json::Number(n),
            },
        }
    }

    /// The same tree with every string owned.
    pub fn into_static(self) -> Json<'static> {
        match self {
            Json::Null => Json::Null,
            Json::Bool(b) => Json::Bool(b),
            Json::Number(n) => Json::Number(n),
            Json::String(s) => Json::String(Cow::Owned(s.into_owned())),
            Json::Array(items) => Json::Array(items.into_iter().map(Json::into_static).collect()),
            Json::Object(members) => Json::Object(
                members
                    .into_iter()
                    .map(|(k, v)| (Cow::Owned(k.into_owned()), v.into_static()))
                    .collect(),
            ),
        }
    }

    /// The member `key` of an object.
    pub fn get(&self, key: &str) -> Option<&Json<'a>> {
        match self {
            Json::Object(members) => members.iter().find(|(k, _)| k == key).map(|(_, v)| v),
            _ => None,
        }
    }

    /// A string's text; None for other values.
    pub fn as_str(&self) -> Option<&str> {
        match self {
            Json::String(s) => Some(s),
            _ => None,
        }
    }

    /// Whether the value is a boolean, number or string (JSON-LD's scalars:
    /// `null` is not one).
    pub fn is_scalar(&self) -> bool {
        matches!(self, Json::Bool(_) | Json::Number(_) | Json::String(_))
    }

    /// The value itself, or an array's elements.
    pub fn one_or_many(&self) -> &[Json<'a>] {
        match self {
            Json::Array(items) => items,
            other => std::slice::from_ref(other),
        }
    }

    /// The JSON Canonicalization Scheme form (RFC 8785), as JSON-LD writes
    /// `@json` literals (JSON-LD 1.1 §8.6 "Object to RDF", step 5).
    pub fn write_jcs(&self, out: &mut Vec<u8>) {
        match self {
            Json::Null => out.extend_from_slice(b"null"),
            Json::Bool(b) => out.extend_from_slice(if *b { b"true" } else { b"false" }),
            Json::Number(n) => write_number(out, *n),
            Json::String(s) => write_string(out, s),
            Json::Array(items) => {
                out.push(b'[');
                for (i, item) in items.iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    item.write_jcs(out);
                }
                out.push(b']');
            }
            Json::Object(members) => {
                let mut sorted: Vec<&(Cow<'a, str>, Json<'a>)> = members.iter().collect();
                sorted.sort_by(|a, b| utf16_cmp(&a.0, &b.0));
                out.push(b'{');
                for (i, (k, v)) in sorted.into_iter().enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    write_string(out, k);
                    out.push(b':');
                    v.write_jcs(out);
                }
                out.push(b'}');
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::json::JsonParser;

    fn parse(text: &str) -> Json<'static> {
        JsonParser::default()
            .with_doc(text.as_bytes(), |v| Json::from_value(v).into_static())
            .expect("JSON")
    }

    #[test]
    fn copies_every_kind_of_value_in_order() {
        let j = parse(r#"{"b":[1,2.5,true,null],"a":{"x":"y"}}"#);
        let Json::Object(members) = &j else {
            panic!("object")
        };
        assert_eq!(members[0].0, "b");
        assert_eq!(
            j.get("b"),
            Some(&Json::Array(vec![
                Json::Number(1.0),
                Json::Number(2.5),
                Json::Bool(true),
                Json::Null
            ]))
        );
        assert_eq!(
            j.get("a").and_then(|a| a.get("x")).and_then(Json::as_str),
            Some("y")
        );
    }

    #[test]
    fn jcs_sorts_members_and_formats_numbers() {
        let mut out = Vec::new();
        parse(r#"{"b":1.0,"a":[1e21,"\u0007"],"\u00e9":0.1}"#).write_jcs(&mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            "{\"a\":[1e+21,\"\\u0007\"],\"b\":1,\"\u{e9}\":0.1}"
        );
    }
}
