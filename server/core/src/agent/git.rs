//! The few git queries agent recording needs: the working tree's changed
//! files, and file contents at the index or a commit.

use std::io::{BufRead, BufReader, Read, Write};
use std::path::Path;
use std::process::{Command, Stdio};

use super::AgentError;

/// `git status` of a working tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Status {
    /// The commit HEAD names, `None` before the first commit.
    pub(crate) head: Option<String>,
    /// Changed or untracked files (repository-relative, `/`-separated).
    pub(crate) changed: Vec<String>,
}

fn git(root: &Path) -> Command {
    let mut c = Command::new("git");
    c.current_dir(root)
        .env("LC_ALL", "C")
        .env("GIT_OPTIONAL_LOCKS", "0");
    c
}

/// The working tree's changed and untracked files (ignored files excluded).
pub(crate) fn status(root: &Path) -> Result<Status, AgentError> {
    let out = git(root)
        .args([
            "status",
            "--porcelain=v2",
            "--branch",
            "-z",
            "--untracked-files=all",
            "--no-renames",
        ])
        .stdin(Stdio::null())
        .output()
        .map_err(|e| AgentError::Git(format!("cannot run git status: {e}")))?;
    if !out.status.success() {
        return Err(AgentError::Git(format!(
            "git status failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )));
    }
    Ok(parse_status(&out.stdout))
}

fn parse_status(bytes: &[u8]) -> Status {
    let mut st = Status::default();
    for record in bytes.split(|b| *b == 0) {
        let Ok(line) = std::str::from_utf8(record) else {
            continue; // a non-UTF-8 path cannot be tracked
        };
        if let Some(oid) = line.strip_prefix("# branch.oid ") {
            if oid != "(initial)" {
                st.head = Some(oid.to_owned());
            }
            continue;
        }
        // Fields before the path: "1" has 8, "u" has 10, "?" has 1.
        let skip = match line.as_bytes().first() {
            Some(b'1') => 8,
            Some(b'u') => 10,
            Some(b'?') => 1,
            _ => continue,
        };
        if let Some(path) = line.splitn(skip + 1, ' ').nth(skip)
            && !path.is_empty()
        {
            st.changed.push(path.to_owned());
        }
    }
    st
}

/// The contents of each `spec` (`:path`, `HEAD:path`, `<oid>:path`), `None`
/// where git has no such blob. One `git cat-file --batch` process.
pub(crate) fn blobs(root: &Path, specs: &[String]) -> Result<Vec<Option<Vec<u8>>>, AgentError> {
    if specs.is_empty() {
        return Ok(Vec::new());
    }
    let err = |e: std::io::Error| AgentError::Git(format!("git cat-file: {e}"));
    let mut child = git(root)
        .args(["cat-file", "--batch"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .map_err(err)?;
    let mut input = String::new();
    for s in specs {
        input.push_str(s);
        input.push('\n');
    }
    let mut stdin = child
        .stdin
        .take()
        .ok_or_else(|| AgentError::Git("git cat-file: no stdin".into()))?;
    // Write from a thread so a large answer cannot deadlock against our input.
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(input.as_bytes());
    });
    let stdout = child
        .stdout
        .take()
        .ok_or_else(|| AgentError::Git("git cat-file: no stdout".into()))?;
    let mut reader = BufReader::new(stdout);
    let mut out = Vec::with_capacity(specs.len());
    for _ in specs {
        let mut header = String::new();
        reader.read_line(&mut header).map_err(err)?;
        let parts: Vec<&str> = header.trim_end().split(' ').collect();
        if parts.len() == 3 && parts[1] == "blob" {
            let size: usize = parts[2]
                .parse()
                .map_err(|_| AgentError::Git(format!("git cat-file: bad header {header:?}")))?;
            let mut data = vec![0; size + 1]; // content and its trailing newline
            reader.read_exact(&mut data).map_err(err)?;
            data.pop();
            out.push(Some(data));
        } else if parts.len() == 3 {
            // Not a blob (a tree or commit): skip its content.
            let size: usize = parts[2].parse().unwrap_or(0);
            let mut sink = vec![0; size + 1];
            reader.read_exact(&mut sink).map_err(err)?;
            out.push(None);
        } else {
            out.push(None); // "<spec> missing" or "ambiguous"
        }
    }
    let _ = writer.join();
    let _ = child.wait();
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_porcelain_v2() {
        let raw = b"# branch.oid 0123abcd\0# branch.head main\0\
1 .M N... 100644 100644 100644 aaa bbb src/a b.rs\0\
? new file.txt\0\
u UU N... 100644 100644 100644 100644 a b c conflict.rs\0";
        let st = parse_status(raw);
        assert_eq!(st.head.as_deref(), Some("0123abcd"));
        assert_eq!(st.changed, ["src/a b.rs", "new file.txt", "conflict.rs"]);
        let initial = parse_status(b"# branch.oid (initial)\0? a\0");
        assert_eq!(initial.head, None);
    }
}
