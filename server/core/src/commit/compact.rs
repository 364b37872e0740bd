//! serde_json's compact form of JSON, the form Vouch writes notes in.
//!
//! [`is_canonical`] says whether a text is already in it, so the Agent
//! Trace export writes a record back as it is, without a parse and a
//! re-serialisation. [`from_compact`] reads a typed value from such a text
//! in one pass, checking the form as it goes: reading notes is most of the
//! time `vouch export` and `vouch verify` spend. Anything else is left to
//! serde_json.

use std::collections::HashSet;
use std::sync::LazyLock;

/// Deeper nesting is left to serde_json (whose own limit is 128).
const MAX_DEPTH: usize = 100;

/// Whether `serde_json::Value` keeps object keys in their order (its
/// `preserve_order` feature) rather than sorting them.
static PRESERVES_ORDER: LazyLock<bool> = LazyLock::new(|| {
    serde_json::from_str::<serde_json::Value>(r#"{"b":0,"a":0}"#)
        .and_then(|v| serde_json::to_string(&v))
        .is_ok_and(|text| text == r#"{"b":0,"a":0}"#)
});

/// Whether `text` is exactly `serde_json::Value`'s compact form of the
/// value it holds: no white space outside strings, object keys without
/// escapes, none repeated (nor serde_json's private ones), in strictly
/// ascending byte order unless serde_json keeps their order, strings
/// escaped as serde_json escapes them, integers that fit in 18 digits.
/// Conservative: `false` only costs the round trip. Linear in the length
/// of `text`.
pub(crate) fn is_canonical(text: &str) -> bool {
    let mut i = 0;
    value(text.as_bytes(), &mut i, 0) && i == text.len()
}

fn value(b: &[u8], i: &mut usize, depth: usize) -> bool {
    if depth > MAX_DEPTH {
        return false;
    }
    match b.get(*i) {
        Some(b'{') => object(b, i, depth),
        Some(b'[') => array(b, i, depth),
        Some(b'"') => string(b, i),
        Some(b't') => literal(b, i, b"true"),
        Some(b'f') => literal(b, i, b"false"),
        Some(b'n') => literal(b, i, b"null"),
        Some(b'-' | b'0'..=b'9') => integer(b, i),
        _ => false,
    }
}

fn object(b: &[u8], i: &mut usize, depth: usize) -> bool {
    *i += 1;
    if b.get(*i) == Some(&b'}') {
        *i += 1;
        return true;
    }
    let mut last: Option<&[u8]> = None;
    let mut seen = Keys::default();
    loop {
        let start = *i;
        if b.get(*i) != Some(&b'"') {
            return false;
        }
        let Some(escaped) = escaped_string(b, i) else {
            return false;
        };
        let key = &b[start + 1..*i - 1];
        if escaped || !fresh_key(key, &mut seen, &mut last) || b.get(*i) != Some(&b':') {
            return false;
        }
        *i += 1;
        if !value(b, i, depth + 1) {
            return false;
        }
        match after_item(b, i, b'}') {
            Some(true) => {}
            Some(false) => return true,
            None => return false,
        }
    }
}

/// Whether `key` (without escapes), the next key of an object whose keys
/// so far are `seen` (the last one `last`), is new where it stands. Keys
/// are written back in order (serde_json's `preserve_order`) or sorted:
/// either way a repeated key is not written back.
#[inline]
fn fresh_key<'a>(key: &'a [u8], seen: &mut Keys<'a>, last: &mut Option<&'a [u8]>) -> bool {
    // serde_json reads an object of such a key as something else (with its
    // `raw_value` feature, `{"$serde_json::private::RawValue":"[1, 2]"}` is
    // `[1,2]`).
    if key.starts_with(b"$serde_json::private::") {
        return false;
    }
    let fresh = if *PRESERVES_ORDER {
        seen.insert(key)
    } else {
        last.is_none_or(|l| l < key)
    };
    *last = Some(key);
    fresh
}

/// The keys an object has shown so far: a few compared in place (an
/// object of a note has a handful; no allocation, no hashing), more in
/// a set.
#[derive(Default)]
struct Keys<'a> {
    few: [&'a [u8]; 8],
    count: usize,
    many: Option<HashSet<&'a [u8]>>,
}

impl<'a> Keys<'a> {
    /// Adds `key`; `false` when it was there.
    fn insert(&mut self, key: &'a [u8]) -> bool {
        if let Some(set) = self.many.as_mut() {
            return set.insert(key);
        }
        if self.few[..self.count].contains(&key) {
            return false;
        }
        if self.count < self.few.len() {
            self.few[self.count] = key;
            self.count += 1;
        } else {
            let mut set: HashSet<&[u8]> = self.few.iter().copied().collect();
            set.insert(key);
            self.many = Some(set);
        }
        true
    }
}

fn array(b: &[u8], i: &mut usize, depth: usize) -> bool {
    *i += 1;
    if b.get(*i) == Some(&b']') {
        *i += 1;
        return true;
    }
    loop {
        if !value(b, i, depth + 1) {
            return false;
        }
        match after_item(b, i, b']') {
            Some(true) => {}
            Some(false) => return true,
            None => return false,
        }
    }
}

/// After an item of an array or object ending with `close`: reads the `,`
/// before the next item (`Some(true)`) or the end (`Some(false)`); `None`
/// for anything else.
fn after_item(b: &[u8], i: &mut usize, close: u8) -> Option<bool> {
    match b.get(*i) {
        Some(b',') => {
            *i += 1;
            Some(true)
        }
        Some(&c) if c == close => {
            *i += 1;
            Some(false)
        }
        _ => None,
    }
}

/// A string at `b[*i] == '"'`, with only the escapes serde_json writes
/// for the characters they stand for (`\u` ones are left to it).
fn string(b: &[u8], i: &mut usize) -> bool {
    escaped_string(b, i).is_some()
}

/// [`string`], saying whether the string holds an escape; `None` when it
/// is not one of those strings.
#[inline]
fn escaped_string(b: &[u8], i: &mut usize) -> Option<bool> {
    *i += 1;
    let mut escaped = false;
    loop {
        match b.get(*i) {
            None => return None,
            Some(b'"') => {
                *i += 1;
                return Some(escaped);
            }
            Some(b'\\') => match b.get(*i + 1) {
                Some(b'"' | b'\\' | b'n' | b'r' | b't' | b'b' | b'f') => {
                    *i += 2;
                    escaped = true;
                }
                _ => return None,
            },
            Some(c) if *c < 0x20 => return None,
            Some(_) => *i += 1,
        }
    }
}

fn literal(b: &[u8], i: &mut usize, word: &[u8]) -> bool {
    let ok = b[*i..].starts_with(word);
    *i += word.len();
    ok
}

/// `-?(0|[1-9][0-9]*)` of at most 18 digits, not `-0`: written back
/// as it is (no fraction or exponent, which serde_json may rewrite).
fn integer(b: &[u8], i: &mut usize) -> bool {
    let negative = b[*i] == b'-';
    if negative {
        *i += 1;
    }
    let start = *i;
    while b.get(*i).is_some_and(u8::is_ascii_digit) {
        *i += 1;
    }
    let digits = &b[start..*i];
    let well_formed = match digits {
        [] => false,
        [b'0'] => !negative,
        [b'0', ..] => false,
        _ => digits.len() <= 18,
    };
    well_formed && !matches!(b.get(*i), Some(b'.' | b'e' | b'E'))
}

/// A `T` read from `text` when `text` is in serde_json's compact form
/// ([`is_canonical`]), in one pass: strings without escapes borrowed from
/// `text`, nothing else built. `None` when `text` is not in that form, when
/// `T` does not accept it, and for what this reader leaves to serde_json
/// (an enum written as an object, an escaped enum name); the caller then
/// asks serde_json. Where it answers, the answer is serde_json's for types
/// whose visitors refuse a value of another kind than they ask for (as
/// serde's own and derived types do, and the note's record types): this
/// reader hands every value to the visitor, where serde_json refuses some
/// kinds before the visitor sees them. Property tests compare the two.
pub(crate) fn from_compact<'de, T: serde::Deserialize<'de>>(text: &'de str) -> Option<T> {
    let mut reader = Reader {
        text,
        i: 0,
        depth: 0,
    };
    let value = T::deserialize(&mut reader).ok()?;
    (reader.i == text.len()).then_some(value)
}

/// [`from_compact`]'s deserializer: `i` is where it reads in `text`,
/// `depth` how many arrays and objects it is in.
struct Reader<'de> {
    text: &'de str,
    i: usize,
    depth: usize,
}

/// Why [`from_compact`] gave no answer: nothing to say, the caller asks
/// serde_json, whose errors are the ones reported.
#[derive(Debug)]
struct NoAnswer;

impl std::fmt::Display for NoAnswer {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("not in serde_json's compact form, or not of the type")
    }
}

impl std::error::Error for NoAnswer {}

impl serde::de::Error for NoAnswer {
    fn custom<T: std::fmt::Display>(_: T) -> Self {
        NoAnswer
    }
}

impl<'de> Reader<'de> {
    #[inline]
    fn peek(&self) -> Option<u8> {
        self.text.as_bytes().get(self.i).copied()
    }

    /// The string at `i` (a `"`): its text between the quotes, and whether
    /// that holds an escape.
    #[inline]
    fn string(&mut self) -> Result<(&'de str, bool), NoAnswer> {
        let start = self.i;
        let escaped = escaped_string(self.text.as_bytes(), &mut self.i).ok_or(NoAnswer)?;
        // The quotes are ASCII: the slice falls on character boundaries.
        let raw = self.text.get(start + 1..self.i - 1).ok_or(NoAnswer)?;
        Ok((raw, escaped))
    }

    /// An array or object (ending with `close`) read by `visit`, which
    /// says whether it read the end. A visitor that takes a fixed number
    /// of elements (a tuple) stops before it: there the end must come.
    fn nested<T>(
        &mut self,
        close: u8,
        visit: impl FnOnce(&mut Self) -> Result<(T, bool), NoAnswer>,
    ) -> Result<T, NoAnswer> {
        if self.depth >= MAX_DEPTH {
            return Err(NoAnswer);
        }
        self.depth += 1;
        self.i += 1;
        let (value, ended) = visit(self)?;
        self.depth -= 1;
        if !ended {
            if self.peek() != Some(close) {
                return Err(NoAnswer);
            }
            self.i += 1;
        }
        Ok(value)
    }
}

/// `raw` (a string's text between its quotes, in compact form) with its
/// escapes replaced by the characters they stand for.
fn unescape(raw: &str) -> String {
    let mut out = String::with_capacity(raw.len());
    let mut chars = raw.chars();
    while let Some(c) = chars.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        out.push(match chars.next() {
            Some('n') => '\n',
            Some('r') => '\r',
            Some('t') => '\t',
            Some('b') => '\u{8}',
            Some('f') => '\u{c}',
            // `"` and `\\`, the only other escapes the form has.
            Some(other) => other,
            None => break,
        });
    }
    out
}

impl<'de> serde::Deserializer<'de> for &mut Reader<'de> {
    type Error = NoAnswer;

    fn deserialize_any<V: serde::de::Visitor<'de>>(self, visitor: V) -> Result<V::Value, NoAnswer> {
        match self.peek() {
            Some(b'{') => self.nested(b'}', |r| {
                let mut map = Entries {
                    reader: r,
                    items: Items::new(),
                    seen: Keys::default(),
                    last: None,
                };
                let value = visitor.visit_map(&mut map)?;
                Ok((value, map.items.ended))
            }),
            Some(b'[') => self.nested(b']', |r| {
                let mut seq = Elements {
                    reader: r,
                    items: Items::new(),
                };
                let value = visitor.visit_seq(&mut seq)?;
                Ok((value, seq.items.ended))
            }),
            Some(b'"') => match self.string()? {
                (raw, false) => visitor.visit_borrowed_str(raw),
                (raw, true) => visitor.visit_str(&unescape(raw)),
            },
            Some(b't') if literal(self.text.as_bytes(), &mut self.i, b"true") => {
                visitor.visit_bool(true)
            }
            Some(b'f') if literal(self.text.as_bytes(), &mut self.i, b"false") => {
                visitor.visit_bool(false)
            }
            Some(b'n') if literal(self.text.as_bytes(), &mut self.i, b"null") => {
                visitor.visit_unit()
            }
            Some(b'-' | b'0'..=b'9') => {
                let start = self.i;
                if !integer(self.text.as_bytes(), &mut self.i) {
                    return Err(NoAnswer);
                }
                // At most 18 digits: fits either way.
                let digits = &self.text[start..self.i];
                match digits.strip_prefix('-') {
                    Some(magnitude) => {
                        let n: i64 = magnitude.parse().map_err(|_| NoAnswer)?;
                        visitor.visit_i64(-n)
                    }
                    None => visitor.visit_u64(digits.parse().map_err(|_| NoAnswer)?),
                }
            }
            _ => Err(NoAnswer),
        }
    }

    fn deserialize_option<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, NoAnswer> {
        if self.peek() == Some(b'n') {
            if !literal(self.text.as_bytes(), &mut self.i, b"null") {
                return Err(NoAnswer);
            }
            return visitor.visit_none();
        }
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, NoAnswer> {
        visitor.visit_newtype_struct(self)
    }

    /// Only a unit variant's name, unescaped (serde_json's other forms are
    /// left to it).
    fn deserialize_enum<V: serde::de::Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, NoAnswer> {
        if self.peek() != Some(b'"') {
            return Err(NoAnswer);
        }
        match self.string()? {
            (name, false) => visitor.visit_enum(serde::de::value::BorrowedStrDeserializer::<
                NoAnswer,
            >::new(name)),
            (_, true) => Err(NoAnswer),
        }
    }

    fn deserialize_ignored_any<V: serde::de::Visitor<'de>>(
        self,
        visitor: V,
    ) -> Result<V::Value, NoAnswer> {
        if !value(self.text.as_bytes(), &mut self.i, self.depth) {
            return Err(NoAnswer);
        }
        visitor.visit_unit()
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string
        bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier
    }
}

/// Where a visitor is in an array or object ending with `CLOSE`.
struct Items<const CLOSE: u8> {
    first: bool,
    /// The closing bracket was read.
    ended: bool,
}

impl<const CLOSE: u8> Items<CLOSE> {
    fn new() -> Self {
        Items {
            first: true,
            ended: false,
        }
    }

    /// Whether another item follows: reads the `,` before it, or the end.
    fn more(&mut self, r: &mut Reader<'_>) -> Result<bool, NoAnswer> {
        if self.ended {
            return Ok(false);
        }
        let more = if std::mem::take(&mut self.first) {
            let more = r.peek() != Some(CLOSE);
            if !more {
                r.i += 1;
            }
            more
        } else {
            after_item(r.text.as_bytes(), &mut r.i, CLOSE).ok_or(NoAnswer)?
        };
        self.ended = !more;
        Ok(more)
    }
}

/// An object's entries, for a visitor.
struct Entries<'r, 'de> {
    reader: &'r mut Reader<'de>,
    items: Items<b'}'>,
    seen: Keys<'de>,
    last: Option<&'de [u8]>,
}

impl<'de> serde::de::MapAccess<'de> for &mut Entries<'_, 'de> {
    type Error = NoAnswer;

    fn next_key_seed<K: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, NoAnswer> {
        let r = &mut *self.reader;
        if !self.items.more(r)? {
            return Ok(None);
        }
        if r.peek() != Some(b'"') {
            return Err(NoAnswer);
        }
        let (key, escaped) = r.string()?;
        if escaped
            || !fresh_key(key.as_bytes(), &mut self.seen, &mut self.last)
            || r.peek() != Some(b':')
        {
            return Err(NoAnswer);
        }
        r.i += 1;
        seed.deserialize(serde::de::value::BorrowedStrDeserializer::new(key))
            .map(Some)
    }

    fn next_value_seed<V: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: V,
    ) -> Result<V::Value, NoAnswer> {
        seed.deserialize(&mut *self.reader)
    }
}

/// An array's elements, for a visitor.
struct Elements<'r, 'de> {
    reader: &'r mut Reader<'de>,
    items: Items<b']'>,
}

impl<'de> serde::de::SeqAccess<'de> for &mut Elements<'_, 'de> {
    type Error = NoAnswer;

    fn next_element_seed<T: serde::de::DeserializeSeed<'de>>(
        &mut self,
        seed: T,
    ) -> Result<Option<T::Value>, NoAnswer> {
        if !self.items.more(self.reader)? {
            return Ok(None);
        }
        seed.deserialize(&mut *self.reader).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::{PRESERVES_ORDER, from_compact, is_canonical};
    use proptest::prelude::*;
    use serde_json::Value;

    fn round_trip(text: &str) -> Option<String> {
        serde_json::from_str::<Value>(text)
            .ok()
            .map(|v| v.to_string())
    }

    /// JSON values of the kinds notes hold, some with characters that
    /// need escaping, some with floats and large numbers.
    fn json() -> impl Strategy<Value = Value> {
        let leaf = prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<u64>().prop_map(Value::from),
            (-1e6f64..1e6).prop_map(Value::from),
            "[a-z\\\\\"\n\t\u{1}\u{7f}/é😀 ]{0,6}".prop_map(Value::from),
        ];
        leaf.prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..4).prop_map(Value::from),
                prop::collection::btree_map("[a-c ]{0,3}", inner, 0..4)
                    .prop_map(|m| Value::Object(m.into_iter().collect())),
            ]
        })
    }

    /// Text serde_json wrote, or changed: spaces, reordered keys,
    /// other escapes and number forms.
    fn text() -> impl Strategy<Value = String> {
        (json(), 0usize..10, any::<usize>()).prop_map(|(v, edit, at)| {
            let t = v.to_string();
            let at = (0..=t.len())
                .filter(|&k| t.is_char_boundary(k))
                .nth(at % (t.len() + 1))
                .unwrap_or(0);
            match edit {
                0 => t,
                1 => format!("{} {}", &t[..at], &t[at..]),
                2 => t.replacen(':', ": ", 1),
                3 => t.replacen("\\n", "\\u000a", 1),
                4 => t.replacen('1', "1.0", 1),
                5 => serde_json::to_string_pretty(&v).unwrap_or(t),
                // A character dropped, a comma added, the text cut, a key
                // written twice.
                6 => format!(
                    "{}{}",
                    &t[..at],
                    t[at..].chars().skip(1).collect::<String>()
                ),
                7 => format!("{},{}", &t[..at], &t[at..]),
                8 => t[..at].to_owned(),
                _ => t
                    .replacen("{\"", "{\"a\":0,\"", 1)
                    .replacen("{\"", "{\"a\":1,\"", 1),
            }
        })
    }

    proptest! {
        /// Against the model (serde_json itself): where the one-pass
        /// reader answers, the text is in compact form and the value is
        /// serde_json's; it answers for every text in compact form.
        #[test]
        fn the_one_pass_reader_reads_what_serde_json_reads(t in text()) {
            let read = from_compact::<Value>(&t);
            if let Some(v) = &read {
                prop_assert!(is_canonical(&t), "{}", t);
                let model = serde_json::from_str::<Value>(&t).ok();
                prop_assert_eq!(Some(v), model.as_ref());
            }
            if is_canonical(&t) {
                prop_assert!(read.is_some(), "{}", t);
            }
        }

        /// The same for a typed value: a derived struct with defaults, an
        /// option, an enum and unknown fields, read as serde_json reads it.
        #[test]
        fn typed_values_are_read_as_serde_json_reads_them(t in text()) {
            #[derive(serde::Deserialize, Debug, PartialEq)]
            enum Kind {
                #[serde(rename = "a")]
                A,
                #[serde(rename = "b")]
                B,
            }
            #[derive(serde::Deserialize, Debug, PartialEq)]
            struct Shape {
                #[serde(default)]
                a: u64,
                #[serde(default)]
                b: Option<Kind>,
                #[serde(default)]
                c: Vec<Option<bool>>,
            }
            if let Some(v) = from_compact::<Shape>(&t) {
                prop_assert!(is_canonical(&t), "{}", t);
                prop_assert_eq!(Some(v), serde_json::from_str::<Shape>(&t).ok());
            }
        }

        /// Against the model (serde_json's own round trip): whatever
        /// `is_canonical` accepts is written back unchanged.
        #[test]
        fn canonical_text_round_trips_unchanged(t in text()) {
            if is_canonical(&t) {
                prop_assert_eq!(round_trip(&t), Some(t));
            }
        }

        /// The compact form of integers, strings without `\u` escapes,
        /// arrays and objects is recognised (the fast path is taken).
        #[test]
        fn serde_json_output_is_canonical(v in json()) {
            let t = v.to_string();
            let exponent = t.as_bytes().windows(3).any(|w| {
                w[0].is_ascii_digit() && w[1] == b'e' && (w[2].is_ascii_digit() || w[2] == b'-')
            });
            let simple = !t.contains('.') && !exponent && !t.contains("\\u")
                && t.split(|c: char| !c.is_ascii_digit()).all(|d| d.len() <= 18);
            if simple {
                prop_assert!(is_canonical(&t), "{}", t);
            }
        }
    }

    /// The reader ends where the value does, at a repeated key, at a
    /// misplaced comma, at an escaped key, and past its depth limit; it
    /// reads typed values as serde_json does and borrows plain strings.
    #[test]
    fn the_one_pass_reader_refuses_what_is_not_compact() {
        let deep = |n: usize| format!("{}{}", "[".repeat(n), "]".repeat(n));
        for not in [
            "",
            "[1,]",
            "[,1]",
            "{\"a\":1,}",
            "{,\"a\":1}",
            "{\"a\":1,\"a\":2}",
            "{\"a\\n\":1}",
            "{\"a\" :1}",
            "[1] ",
            "[1][2]",
            "[1.5]",
            "[\"\\u0041\"]",
            "[tru]",
            "nul",
            "{\"$serde_json::private::RawValue\":\"[1, 2]\"}",
        ] {
            assert_eq!(from_compact::<Value>(not), None, "{not:?}");
            assert!(!is_canonical(not), "{not:?}");
        }
        // Past the depth limit inside a value the type does not know (read
        // by `deserialize_ignored_any`) as well.
        #[derive(serde::Deserialize, Debug, PartialEq)]
        struct Known {
            #[serde(default)]
            a: u8,
        }
        let ignored = |n: usize| format!("{{\"x\":{}}}", deep(n));
        assert_eq!(
            from_compact::<Known>(&ignored(super::MAX_DEPTH - 1)),
            Some(Known { a: 0 })
        );
        assert_eq!(from_compact::<Known>(&ignored(super::MAX_DEPTH + 27)), None);
        assert!(from_compact::<Value>(&deep(super::MAX_DEPTH)).is_some());
        assert_eq!(from_compact::<Value>(&deep(super::MAX_DEPTH + 1)), None);
        assert_eq!(from_compact::<Vec<u8>>("[1,255]"), Some(vec![1, 255]));
        assert_eq!(from_compact::<Vec<u8>>("[256]"), None);
        assert_eq!(from_compact::<Option<u64>>("null"), Some(None));
        assert_eq!(from_compact::<(bool, i64)>("[false,-7]"), Some((false, -7)));
        // Borrowed (a `&str` can be read only so), unless escaped.
        assert_eq!(
            from_compact::<Vec<&str>>("[\"plain\"]"),
            Some(vec!["plain"])
        );
        assert_eq!(from_compact::<Vec<&str>>("[\"a\\\"b\"]"), None);
        assert_eq!(
            from_compact::<Vec<String>>("[\"a\\\"b\\nc\\\\\\t\\b\\f\\r\"]"),
            Some(vec!["a\"b\nc\\\t\u{8}\u{c}\r".to_owned()])
        );
    }

    #[test]
    fn what_vouch_writes_is_canonical() {
        let record = serde_json::json!({"version": "0.1.0", "files": [{"path": "a.rs",
            "conversations": [{"contributor": {"type": "ai"}, "ranges": [{"start_line": 1, "end_line": 2}]}]}],
            "metadata": {"vouch": {"lines": [], "attestations": []}}, "tool": {"name": "vouch"}});
        assert!(is_canonical(&record.to_string()));
        assert_eq!(is_canonical("{\"b\":1,\"a\":2}"), *PRESERVES_ORDER);
        // A repeated key is caught among a few keys and past the
        // eight compared in place.
        let keys = |n: usize, again: &str| {
            let mut t: Vec<String> = (0..n).map(|i| format!("\"k{i:02}\":{i}")).collect();
            t.push(format!("\"{again}\":0"));
            format!("{{{}}}", t.join(","))
        };
        assert!(!is_canonical(&keys(3, "k01")));
        assert!(!is_canonical(&keys(12, "k10")));
        assert!(!is_canonical(&keys(12, "k02")));
        assert!(is_canonical(&keys(12, "k99")));
        for not in [
            "{\"a\":1,\"a\":2}",
            "{\"a\": 1}",
            "[1.0]",
            "[-0]",
            "[01]",
            "[\"\\u0041\"]",
            "[\"\\/\"]",
            "[1e3]",
            "[1234567890123456789]",
            " [1]",
            "[1]x",
            "[tru]",
        ] {
            assert!(!is_canonical(not), "{not}");
        }
    }
}
