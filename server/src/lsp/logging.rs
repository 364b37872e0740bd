//! Logging: `tracing` to stderr, and info and above to the client through
//! `window/logMessage`. The level comes from `VOUCH_LOG` (default `info`).

use std::fmt::Write as _;

use std::sync::mpsc::{Receiver, Sender, channel};

use ls_types::MessageType;
use tracing::field::{Field, Visit};
use tracing::{Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::prelude::*;
use tracing_subscriber::{EnvFilter, filter::LevelFilter};

/// A log line on its way to the client.
pub type LogLine = (MessageType, String);

/// Forwards events to a channel drained by a thread that sends `window/logMessage`.
struct ClientLayer {
    tx: Sender<LogLine>,
}

#[derive(Default)]
struct Message(String);

impl Visit for Message {
    fn record_debug(&mut self, field: &Field, value: &dyn std::fmt::Debug) {
        if field.name() == "message" {
            let _ = write!(self.0, "{value:?}");
        } else {
            let _ = write!(self.0, " {}={value:?}", field.name());
        }
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        if field.name() == "message" {
            self.0.push_str(value);
        } else {
            let _ = write!(self.0, " {}={value}", field.name());
        }
    }
}

impl<S: Subscriber> Layer<S> for ClientLayer {
    fn on_event(&self, event: &Event<'_>, _: Context<'_, S>) {
        let typ = match *event.metadata().level() {
            Level::ERROR => MessageType::ERROR,
            Level::WARN => MessageType::WARNING,
            Level::INFO => MessageType::INFO,
            _ => return,
        };
        let mut m = Message::default();
        event.record(&mut m);
        let _ = self.tx.send((typ, m.0));
    }
}

/// `VOUCH_LOG`, else `info`.
fn filter() -> EnvFilter {
    EnvFilter::try_from_env("VOUCH_LOG").unwrap_or_else(|_| EnvFilter::new("info"))
}

/// Installs the subscriber for the calling thread only, forwarding to the
/// client alone (a server run in process, as the protocol tests do): returns
/// the client log channel and the guard that keeps the subscriber.
pub(crate) fn scoped() -> (Receiver<LogLine>, tracing::subscriber::DefaultGuard) {
    let (tx, rx) = channel();
    let client = ClientLayer { tx }
        .with_filter(filter())
        .with_filter(LevelFilter::INFO);
    let guard = tracing::subscriber::set_default(tracing_subscriber::registry().with(client));
    (rx, guard)
}

/// Installs the subscriber; returns the receiving end of the client log channel.
pub fn init() -> Receiver<LogLine> {
    let (tx, rx) = channel();
    let stderr = tracing_subscriber::fmt::layer()
        .with_writer(std::io::stderr)
        .with_ansi(false)
        .with_target(false)
        .with_filter(filter());
    let client = ClientLayer { tx }
        .with_filter(filter())
        .with_filter(LevelFilter::INFO);
    let _ = tracing_subscriber::registry()
        .with(stderr)
        .with(client)
        .try_init();
    rx
}
