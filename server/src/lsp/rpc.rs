//! JSON-RPC 2.0 as the main loop needs it: a message parsed once into its
//! head (id, method) with the parameters kept as raw JSON until the
//! dispatch table deserialises them into their one type, and the bodies
//! the server sends.

use std::any::Any;
use std::borrow::Cow;

use serde::{Deserialize, Serialize};
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
/// ([`super::handlers::decode_ahead`]), off the main loop.
pub(crate) struct Incoming {
    pub(crate) id: Option<Id>,
    pub(crate) method: Option<String>,
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
    let decoded = match (msg.method.as_deref(), msg.params) {
        (Some(method), Some(params)) => super::handlers::decode_ahead(method, params.get()),
        _ => None,
    };
    Ok(Incoming {
        id: msg.id,
        params: match decoded {
            Some(_) => None,
            None => msg.params.map(RawValue::to_owned),
        },
        method: msg.method.map(Cow::into_owned),
        decoded,
    })
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
