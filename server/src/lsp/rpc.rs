//! JSON-RPC 2.0 as the main loop needs it: a message parsed once into its
//! head (id, method) with the parameters kept as raw JSON until the
//! dispatch table deserialises them into their one type, and the bodies
//! the server sends.

use std::any::Any;
use std::borrow::Cow;

use serde::de::{DeserializeSeed, Deserializer, Error as _, IgnoredAny, MapAccess, Visitor};
use serde::{Deserialize, Serialize};

use super::handlers::HotParams;
use serde_json::value::RawValue;

/// A request id: a number or a string (`null` only in error answers to
/// messages whose id could not be read).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub(crate) enum Id {
    Number(i64),
    String(String),
    Null,
}

/// A JSON-RPC error object.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub(crate) struct Error {
    pub(crate) code: i64,
    pub(crate) message: Cow<'static, str>,
}

pub(crate) const PARSE_ERROR: i64 = -32700;
pub(crate) const INVALID_REQUEST: i64 = -32600;
pub(crate) const METHOD_NOT_FOUND: i64 = -32601;
pub(crate) const INVALID_PARAMS: i64 = -32602;
pub(crate) const INTERNAL_ERROR: i64 = -32603;
pub(crate) const SERVER_NOT_INITIALIZED: i64 = -32002;

impl Error {
    pub(crate) fn new(code: i64, message: impl Into<Cow<'static, str>>) -> Error {
        Error {
            code,
            message: message.into(),
        }
    }

    pub(crate) fn invalid_params(message: impl Into<Cow<'static, str>>) -> Error {
        Error::new(INVALID_PARAMS, message)
    }

    pub(crate) fn internal_error() -> Error {
        Error::new(INTERNAL_ERROR, "Internal error")
    }
}

pub(crate) type Result<T> = std::result::Result<T, Error>;

/// One incoming message's head, with the parameters as the raw JSON text the
/// handler's type is read from.
#[derive(Deserialize)]
pub(crate) struct Message<'a> {
    #[serde(default)]
    pub(crate) id: Option<Id>,
    #[serde(borrow, default)]
    pub(crate) method: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    pub(crate) params: Option<&'a RawValue>,
}

/// One incoming message as the reader thread decoded it: the head, the
/// parameters as raw JSON for the dispatch table to read into their type —
/// or, for the hot notifications, already read into it
/// ([`super::handlers::HotParams`]), off the main loop.
pub(crate) struct Incoming {
    pub(crate) id: Option<Id>,
    /// A hot method's name is borrowed, not allocated.
    pub(crate) method: Option<Cow<'static, str>>,
    pub(crate) params: Option<Box<RawValue>>,
    pub(crate) decoded: Option<Box<dyn Any + Send>>,
}

/// A frame that is no message, and the error answer it gets.
#[derive(Debug)]
pub(crate) struct Refused {
    pub(crate) code: i64,
    pub(crate) message: &'static str,
    pub(crate) id: Id,
}

impl Refused {
    pub(crate) fn parse_error() -> Refused {
        Refused {
            code: PARSE_ERROR,
            message: "Parse error",
            id: Id::Null,
        }
    }
}

/// Decodes one frame's body (on the reader thread): a message, or the error
/// it gets (`-32700` for bad JSON, `-32600` for JSON that is no message,
/// with the message's id when it can be read).
pub(crate) fn decode(body: &[u8]) -> std::result::Result<Incoming, Refused> {
    let Ok(text) = std::str::from_utf8(body) else {
        tracing::error!("message body is not UTF-8");
        return Err(Refused::parse_error());
    };
    // The common case in one pass; anything unusual (escaped keys, bad
    // parameters, a broken message) is read again by the two-pass decode,
    // which says what is wrong.
    match serde_json::from_str(text) {
        Ok(OnePass(msg)) => Ok(msg),
        Err(_) => decode_two_pass(text),
    }
}

/// [`decode`] of anything the one pass does not read: the head with the
/// parameters raw, then a hot notification's parameters into their type.
fn decode_two_pass(text: &str) -> std::result::Result<Incoming, Refused> {
    let msg: Message = match serde_json::from_str(text) {
        Ok(m) => m,
        Err(e) => {
            tracing::error!("cannot decode message: {e}");
            let id = serde_json::from_str::<serde_json::Value>(text)
                .ok()
                .and_then(|v| serde_json::from_value::<Id>(v.get("id")?.clone()).ok())
                .unwrap_or(Id::Null);
            return Err(if e.is_syntax() || e.is_eof() {
                Refused {
                    id,
                    ..Refused::parse_error()
                }
            } else {
                Refused {
                    code: INVALID_REQUEST,
                    message: "Invalid request",
                    id,
                }
            });
        }
    };
    let hot = msg.method.as_deref().and_then(super::handlers::hot);
    let decoded = match (hot, msg.params) {
        (Some(hot), Some(params)) => HotParams(hot)
            .deserialize(&mut serde_json::Deserializer::from_str(params.get()))
            .ok(),
        _ => None,
    };
    Ok(Incoming {
        id: msg.id,
        params: match decoded {
            Some(_) => None,
            None => msg.params.map(RawValue::to_owned),
        },
        method: match hot {
            Some(hot) => Some(Cow::Borrowed(hot)),
            None => msg.method.map(|m| Cow::Owned(m.into_owned())),
        },
        decoded,
    })
}

/// A message read in one pass: the head, and a hot notification's
/// parameters read straight into their type when its method comes first
/// (as clients write it); otherwise the parameters are kept raw. Fails on
/// anything [`Message`] would read differently, for [`decode`] to read it
/// again.
struct OnePass(Incoming);

impl<'de> Deserialize<'de> for OnePass {
    fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
        d.deserialize_map(OnePassVisitor)
    }
}

struct OnePassVisitor;

impl<'de> Visitor<'de> for OnePassVisitor {
    type Value = OnePass;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a JSON-RPC message")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> std::result::Result<OnePass, A::Error> {
        let mut msg = Incoming {
            id: None,
            method: None,
            params: None,
            decoded: None,
        };
        let (mut id_read, mut params_read) = (false, false);
        while let Some(key) = map.next_key::<&'de str>()? {
            match key {
                "id" if !id_read => {
                    id_read = true;
                    msg.id = map.next_value()?;
                }
                "method" if msg.method.is_none() => {
                    let method: &'de str = map.next_value()?;
                    msg.method = Some(match super::handlers::hot(method) {
                        Some(hot) => Cow::Borrowed(hot),
                        None => Cow::Owned(method.to_owned()),
                    });
                }
                "params" if !params_read => {
                    params_read = true;
                    match &msg.method {
                        Some(Cow::Borrowed(hot)) => {
                            msg.decoded = Some(map.next_value_seed(HotParams(hot))?);
                        }
                        _ => {
                            let raw: Option<&'de RawValue> = map.next_value()?;
                            msg.params = raw.map(RawValue::to_owned);
                        }
                    }
                }
                "id" | "method" | "params" => {
                    return Err(A::Error::custom(format_args!("duplicate field `{key}`")));
                }
                _ => {
                    map.next_value::<IgnoredAny>()?;
                }
            }
        }
        Ok(OnePass(msg))
    }
}

/// A response body: `{"jsonrpc", "id", "result" | "error"}`.
pub(crate) fn response<T: Serialize>(id: &Id, outcome: Result<T>) -> String {
    #[derive(Serialize)]
    struct Answer<'a, T> {
        jsonrpc: &'static str,
        id: &'a Id,
        #[serde(skip_serializing_if = "Option::is_none")]
        result: Option<T>,
        #[serde(skip_serializing_if = "Option::is_none")]
        error: Option<Error>,
    }
    let (result, error) = match outcome {
        Ok(r) => (Some(r), None),
        Err(e) => (None, Some(e)),
    };
    let answer = Answer {
        jsonrpc: "2.0",
        id,
        result,
        error,
    };
    match serde_json::to_string(&answer) {
        Ok(s) => s,
        Err(e) => {
            tracing::error!("cannot encode a response: {e}");
            error_body(INTERNAL_ERROR, "Internal error", id)
        }
    }
}

/// An error response body.
pub(crate) fn error_body(code: i64, message: &str, id: &Id) -> String {
    response::<()>(id, Err(Error::new(code, message.to_owned())))
}

/// A notification body from the server.
pub(crate) fn notification<P: Serialize>(method: &str, params: &P) -> Option<String> {
    #[derive(Serialize)]
    struct Note<'a, P> {
        jsonrpc: &'static str,
        method: &'a str,
        params: &'a P,
    }
    serde_json::to_string(&Note {
        jsonrpc: "2.0",
        method,
        params,
    })
    .map_err(|e| tracing::error!("cannot encode {method}: {e}"))
    .ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The one-pass decode reads `didChange` parameters ahead when its
    /// method comes first; everything else comes out as the two-pass
    /// decode reads it.
    #[test]
    fn messages_decode_in_one_pass_or_as_before() {
        let params = r#"{"textDocument":{"uri":"file:///w/a.txt","version":2},"contentChanges":[{"text":"x"}]}"#;
        let change =
            format!(r#"{{"jsonrpc":"2.0","method":"textDocument/didChange","params":{params}}}"#);
        let m = decode(change.as_bytes()).unwrap();
        assert!(matches!(
            m.method,
            Some(Cow::Borrowed("textDocument/didChange"))
        ));
        let p = m
            .decoded
            .and_then(|d| d.downcast::<crate::lsp::handlers::DidChangeParams>().ok());
        assert_eq!(p.map(|p| p.text_document.version), Some(2));
        assert!(m.params.is_none());
        // Parameters first: kept raw, read by the table.
        let late = format!(r#"{{"params":{params},"method":"textDocument/didChange","id":null}}"#);
        let m = decode(late.as_bytes()).unwrap();
        assert!(m.decoded.is_none() && m.id.is_none());
        assert_eq!(
            m.params.map(|p| p.get().to_owned()).as_deref(),
            Some(params)
        );
        // Bad parameters: the message still arrives, raw, for the table to refuse.
        let bad =
            r#"{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":1}}"#;
        let m = decode(bad.as_bytes()).unwrap();
        assert!(m.decoded.is_none());
        assert_eq!(
            m.params.map(|p| p.get().to_owned()).as_deref(),
            Some(r#"{"textDocument":1}"#)
        );
        // Other methods keep raw parameters and their id.
        let req =
            r#"{"id":"r1","method":"vouch/regions","params":{"a":[1,{"b":null}]},"jsonrpc":"2.0"}"#;
        let m = decode(req.as_bytes()).unwrap();
        assert_eq!(m.id, Some(Id::String("r1".into())));
        assert_eq!(m.method.as_deref(), Some("vouch/regions"));
        assert_eq!(
            m.params.map(|p| p.get().to_owned()).as_deref(),
            Some(r#"{"a":[1,{"b":null}]}"#)
        );
        // Anything else: as the two-pass decode reads it.
        let head = |r: std::result::Result<Incoming, Refused>| match r {
            Ok(m) => Ok((m.id, m.method, m.params.map(|p| p.get().to_owned()))),
            Err(e) => Err((e.code, e.id)),
        };
        for odd in [
            r#"{"id":1,"id":2,"method":"m"}"#,
            r#"{"method":"vouch\/regions","id":3}"#,
            r#"{"method":"m","method":"n"}"#,
            r#"{"method":null,"params":[1]}"#,
            r#"{"id":[1],"method":"m"}"#,
            r#"{"\u0069d":4,"method":"m","params":1}"#,
            "[1]",
            "{",
            "7",
        ] {
            assert_eq!(
                head(decode(odd.as_bytes())),
                head(decode_two_pass(odd)),
                "{odd}"
            );
        }
        assert_eq!(decode(b"{").err().map(|r| r.code), Some(PARSE_ERROR));
    }

    #[test]
    fn results_and_errors_are_json_rpc() {
        let id = Id::Number(3);
        assert_eq!(
            response::<()>(&id, Ok(())),
            r#"{"jsonrpc":"2.0","id":3,"result":null}"#
        );
        assert_eq!(
            response::<Option<u8>>(&Id::String("a".into()), Ok(None)),
            r#"{"jsonrpc":"2.0","id":"a","result":null}"#
        );
        assert_eq!(
            response(&id, Ok(vec![1])),
            r#"{"jsonrpc":"2.0","id":3,"result":[1]}"#
        );
        assert_eq!(
            error_body(PARSE_ERROR, "Parse error", &Id::Null),
            r#"{"jsonrpc":"2.0","id":null,"error":{"code":-32700,"message":"Parse error"}}"#
        );
    }
}
