//! A small LSP client for end-to-end tests: runs the server — in process
//! over a pipe (`LspClient::in_process`, the protocol-contract tests) or as
//! the real `vouch lsp` binary (`LspClient::start`, the process tests: kill
//! -9, other processes, memory) — speaks Content-Length framed JSON-RPC, and
//! times out every wait.

use std::collections::VecDeque;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::mpsc::{Receiver, RecvTimeoutError, channel};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use serde_json::{Value, json};

pub const TIMEOUT: Duration = Duration::from_secs(20);

/// Where the server runs.
enum Server {
    Process(Child),
    /// `vouch::lsp::serve` on a thread of this process.
    InProcess(Option<std::thread::JoinHandle<vouch::lsp::Ending>>),
}

pub struct LspClient {
    server: Server,
    stdin: Option<Box<dyn Write + Send>>,
    rx: Receiver<Value>,
    /// Messages received while waiting for something else.
    queue: VecDeque<Value>,
    next_id: i64,
    pub stderr: Arc<Mutex<String>>,
}

/// `file://` URI of an absolute path.
pub fn uri_of(path: &Path) -> String {
    let mut s = String::from("file://");
    for b in path.to_string_lossy().bytes() {
        match b {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'/' | b'-' | b'_' | b'.' | b'~' => {
                s.push(b as char)
            }
            _ => s.push_str(&format!("%{b:02X}")),
        }
    }
    s
}

pub fn pos(line: u32, character: u32) -> Value {
    json!({"line": line, "character": character})
}

pub fn range(l1: u32, c1: u32, l2: u32, c2: u32) -> Value {
    json!({"start": pos(l1, c1), "end": pos(l2, c2)})
}

fn read_message(r: &mut impl BufRead) -> Option<Value> {
    serde_json::from_slice(&read_frame(r)?).ok()
}

/// Reads one framed message body from `r`, `None` at end of input.
pub fn read_frame(r: &mut impl BufRead) -> Option<Vec<u8>> {
    let mut len: Option<usize> = None;
    loop {
        let mut line = String::new();
        if r.read_line(&mut line).ok()? == 0 {
            return None;
        }
        let line = line.trim_end();
        if line.is_empty() {
            break;
        }
        if let Some(v) = line.strip_prefix("Content-Length:") {
            len = v.trim().parse().ok();
        }
    }
    let mut buf = vec![0; len?];
    r.read_exact(&mut buf).ok()?;
    Some(buf)
}

/// Frames `msg` as an LSP message.
pub fn frame(msg: &Value) -> Vec<u8> {
    let body = serde_json::to_vec(msg).expect("serialise");
    let mut out = format!("Content-Length: {}\r\n\r\n", body.len()).into_bytes();
    out.extend(body);
    out
}

impl LspClient {
    /// Starts `vouch lsp --stdio` in `dir`.
    pub fn start(dir: &Path) -> LspClient {
        let mut child = Command::new(env!("CARGO_BIN_EXE_vouch"))
            .args(["lsp", "--stdio"])
            .current_dir(dir)
            .env("LC_ALL", "C")
            .env("VOUCH_LOG", "info")
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("spawn vouch lsp");
        let stdout = child.stdout.take().expect("stdout");
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(stdout);
            while let Some(m) = read_message(&mut r) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        let stderr = Arc::new(Mutex::new(String::new()));
        let err_buf = stderr.clone();
        let mut err = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            let mut buf = [0u8; 4096];
            while let Ok(n) = err.read(&mut buf) {
                if n == 0 {
                    break;
                }
                if let Ok(mut s) = err_buf.lock() {
                    s.push_str(&String::from_utf8_lossy(&buf[..n]));
                }
            }
        });
        let stdin = child
            .stdin
            .take()
            .map(|s| Box::new(s) as Box<dyn Write + Send>);
        LspClient {
            server: Server::Process(child),
            stdin,
            rx,
            queue: VecDeque::new(),
            next_id: 1,
            stderr,
        }
    }

    /// Runs the server in this process, over a pipe each way: the same
    /// main loop as `vouch lsp`, without a process to start. Its log lines
    /// arrive as `window/logMessage` (`stderr()` stays empty).
    pub fn in_process() -> LspClient {
        let (server_in, client_out) = std::io::pipe().expect("pipe");
        let (client_in, server_out) = std::io::pipe().expect("pipe");
        let handle = std::thread::spawn(move || vouch::lsp::serve(server_in, server_out));
        let (tx, rx) = channel();
        std::thread::spawn(move || {
            let mut r = BufReader::new(client_in);
            while let Some(m) = read_message(&mut r) {
                if tx.send(m).is_err() {
                    break;
                }
            }
        });
        LspClient {
            server: Server::InProcess(Some(handle)),
            stdin: Some(Box::new(client_out)),
            rx,
            queue: VecDeque::new(),
            next_id: 1,
            stderr: Arc::new(Mutex::new(String::new())),
        }
    }

    /// The server's process id.
    pub fn pid(&self) -> u32 {
        match &self.server {
            Server::Process(child) => child.id(),
            Server::InProcess(_) => panic!("the server runs in this process"),
        }
    }

    /// Waits for the server to end: its exit status (0 or 1, as
    /// `vouch lsp` exits).
    fn wait_exit(&mut self) -> Option<i32> {
        let deadline = Instant::now() + TIMEOUT;
        while Instant::now() < deadline {
            match &mut self.server {
                Server::Process(child) => {
                    if let Ok(Some(status)) = child.try_wait() {
                        return status.code();
                    }
                }
                Server::InProcess(handle) => {
                    if handle.as_ref().is_some_and(|h| h.is_finished()) {
                        let ending = handle.take()?.join().expect("server thread");
                        return Some(match ending {
                            vouch::lsp::Ending::ExitWithoutShutdown => 1,
                            _ => 0,
                        });
                    }
                }
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        panic!("vouch lsp did not exit after `exit`");
    }

    pub fn stderr(&self) -> String {
        self.stderr.lock().map(|s| s.clone()).unwrap_or_default()
    }

    /// The server's stderr once it holds `text` (it is read on another
    /// thread, so a line written before an answer may arrive after it), or
    /// as it is after the timeout.
    pub fn stderr_with(&self, text: &str) -> String {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let err = self.stderr();
            if err.contains(text) || Instant::now() > deadline {
                return err;
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    pub fn send_raw(&mut self, bytes: &[u8]) {
        let stdin = self.stdin.as_mut().expect("stdin open");
        stdin.write_all(bytes).expect("write to server");
        stdin.flush().expect("flush");
    }

    pub fn send(&mut self, msg: &Value) {
        let bytes = frame(msg);
        self.send_raw(&bytes);
    }

    pub fn notify(&mut self, method: &str, params: Value) {
        self.send(&json!({"jsonrpc": "2.0", "method": method, "params": params}));
    }

    /// Sends a request and returns its id, without waiting.
    pub fn send_request(&mut self, method: &str, params: Value) -> i64 {
        let id = self.next_id;
        self.next_id += 1;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        id
    }

    fn recv(&mut self, deadline: Instant) -> Option<Value> {
        let left = deadline.saturating_duration_since(Instant::now());
        match self.rx.recv_timeout(left) {
            Ok(m) => {
                // Answer server-to-client requests so the server never waits.
                if m.get("id").is_some() && m.get("method").is_some() {
                    let id = m["id"].clone();
                    self.send(&json!({"jsonrpc": "2.0", "id": id, "result": null}));
                }
                Some(m)
            }
            Err(RecvTimeoutError::Timeout) => None,
            Err(RecvTimeoutError::Disconnected) => None,
        }
    }

    /// Waits for the response to request `id`: `Ok(result)` or `Err(error)`.
    pub fn response(&mut self, id: i64) -> Result<Value, Value> {
        let deadline = Instant::now() + TIMEOUT;
        loop {
            let Some(m) = self.recv(deadline) else {
                panic!(
                    "no response to request {id} within {TIMEOUT:?}\nstderr:\n{}",
                    self.stderr()
                );
            };
            if m.get("id").and_then(Value::as_i64) == Some(id) && m.get("method").is_none() {
                let mut m = m;
                return match m.get_mut("error") {
                    Some(e) => Err(e.take()),
                    None => Ok(m.get_mut("result").map(Value::take).unwrap_or(Value::Null)),
                };
            }
            self.queue.push_back(m);
        }
    }

    pub fn request(&mut self, method: &str, params: Value) -> Result<Value, Value> {
        let id = self.send_request(method, params);
        self.response(id)
    }

    /// A request that must succeed.
    pub fn call(&mut self, method: &str, params: Value) -> Value {
        self.request(method, params)
            .unwrap_or_else(|e| panic!("{method} failed: {e}"))
    }

    /// Waits for a message matching `pred` (queued or new), removing it.
    pub fn wait_for(&mut self, timeout: Duration, pred: impl Fn(&Value) -> bool) -> Option<Value> {
        if let Some(i) = self.queue.iter().position(&pred) {
            return self.queue.remove(i);
        }
        let deadline = Instant::now() + timeout;
        while let Some(m) = self.recv(deadline) {
            if pred(&m) {
                return Some(m);
            }
            self.queue.push_back(m);
        }
        None
    }

    /// Waits for diagnostics of `uri` for which `pred` holds, dropping older ones.
    pub fn diagnostics_where(
        &mut self,
        uri: &str,
        timeout: Duration,
        pred: impl Fn(&Value) -> bool,
    ) -> Option<Value> {
        let deadline = Instant::now() + timeout;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let m = self.wait_for(left, |m| {
                m["method"] == "textDocument/publishDiagnostics" && m["params"]["uri"] == uri
            })?;
            if pred(&m["params"]) {
                return Some(m["params"].clone());
            }
        }
    }

    /// `initialize` + `initialized`; returns the initialize result.
    pub fn initialize(&mut self, root: &Path, utf8: bool, options: Value) -> Value {
        let encodings = if utf8 {
            json!(["utf-8", "utf-16"])
        } else {
            json!(["utf-16"])
        };
        let root_uri = uri_of(root);
        let result = self.call(
            "initialize",
            json!({
                "processId": null,
                "rootUri": root_uri,
                "workspaceFolders": [{"uri": root_uri, "name": "ws"}],
                "capabilities": {"general": {"positionEncodings": encodings}},
                "initializationOptions": options,
            }),
        );
        self.notify("initialized", json!({}));
        result
    }

    pub fn open(&mut self, uri: &str, version: i32, text: &str) {
        self.notify(
            "textDocument/didOpen",
            json!({"textDocument": {"uri": uri, "languageId": "rust", "version": version, "text": text}}),
        );
    }

    /// One incremental change.
    pub fn change(&mut self, uri: &str, version: i32, range: Value, text: &str) {
        self.changes(uri, version, vec![json!({"range": range, "text": text})]);
    }

    pub fn changes(&mut self, uri: &str, version: i32, changes: Vec<Value>) {
        self.notify(
            "textDocument/didChange",
            json!({"textDocument": {"uri": uri, "version": version}, "contentChanges": changes}),
        );
    }

    pub fn accept_ai(&mut self, uri: &str, version: i32, ranges: Vec<Value>, source: Value) {
        self.notify(
            "vouch/didAcceptAi",
            json!({"textDocument": {"uri": uri, "version": version}, "ranges": ranges, "source": source}),
        );
    }

    pub fn regions(&mut self, uri: &str) -> Value {
        self.call("vouch/regions", json!({"textDocument": {"uri": uri}}))
    }

    pub fn command(&mut self, command: &str, arg: Value) -> Result<Value, Value> {
        self.request(
            "workspace/executeCommand",
            json!({"command": command, "arguments": [arg]}),
        )
    }

    /// Orderly shutdown: `shutdown`, `exit`, and wait for the server to end.
    pub fn shutdown(mut self) {
        self.call("shutdown", Value::Null);
        self.notify("exit", Value::Null);
        self.stdin = None;
        let code = self.wait_exit();
        assert_eq!(code, Some(0), "vouch lsp exited with {code:?}");
    }

    /// Sends `exit` (without a `shutdown` of its own) and returns the exit
    /// status (`vouch lsp`'s, or the one it would exit with).
    pub fn exit(mut self) -> Option<i32> {
        self.notify("exit", Value::Null);
        self.stdin = None;
        self.wait_exit()
    }

    /// SIGKILL, as a crash would.
    pub fn kill(mut self) {
        if let Server::Process(child) = &mut self.server {
            let _ = child.kill();
            let _ = child.wait();
        }
    }

    /// True while the server runs.
    pub fn alive(&mut self) -> bool {
        match &mut self.server {
            Server::Process(child) => matches!(child.try_wait(), Ok(None)),
            Server::InProcess(handle) => handle.as_ref().is_some_and(|h| !h.is_finished()),
        }
    }
}

impl Drop for LspClient {
    fn drop(&mut self) {
        match &mut self.server {
            Server::Process(child) => {
                let _ = child.kill();
                let _ = child.wait();
            }
            // Closing its input ends the server thread.
            Server::InProcess(_) => self.stdin = None,
        }
    }
}
