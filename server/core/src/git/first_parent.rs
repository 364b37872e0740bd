//! The changes of each commit of a first-parent chain against its first
//! parent, streamed: `vouch verify RANGE` replays a commit as soon as git
//! has diffed it, instead of waiting for the whole range's `git log --raw`
//! (over a 10,000-commit range of a 3,000-file folder, about as long as the
//! replay itself).

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdout};
use std::thread::JoinHandle;

use super::{Change, Git, GitError, is_object_name, parse_raw};

/// The arguments of the diff that [`Git::first_parent_diffs`] streams.
const DIFF: [&str; 11] = [
    "diff-tree",
    "--stdin",
    "-r",
    "--root",
    // A header for every commit, so a commit git could not read (it skips
    // those silently) is told from one that changed nothing.
    "--always",
    "--raw",
    "-z",
    "--no-abbrev",
    "--no-renames",
    "--no-color",
    "--diff-filter=d",
];

/// One commit of a chain and its first parent (`None`: a root commit).
pub(crate) type Link = (String, Option<String>);

impl Git {
    /// The first-parent chain of `revs` (`git rev-list --first-parent`),
    /// oldest first, each commit with its first parent.
    pub(crate) fn first_parent_chain(&self, revs: &[&str]) -> Result<Vec<Link>, GitError> {
        let mut args = vec![
            "rev-list",
            "--first-parent",
            "--reverse",
            "--parents",
            "--end-of-options",
        ];
        args.extend_from_slice(revs);
        args.push("--");
        let out = self.text(&args)?;
        Ok(out
            .lines()
            .filter_map(|l| {
                let mut names = l.split(' ');
                let commit = names.next().filter(|c| is_object_name(c))?;
                Some((commit.to_owned(), names.next().map(str::to_owned)))
            })
            .collect())
    }

    /// The files each commit of `chain` changed against its first parent
    /// (as `git log --first-parent -m --raw --no-renames --diff-filter=d`
    /// lists them; a root commit's files are all added), in `chain`'s
    /// order, read as the caller iterates: one `git diff-tree --stdin`,
    /// fed on another thread. A commit that changed nothing comes with no
    /// changes; one git does not answer for is an error.
    pub(crate) fn first_parent_diffs(&self, chain: &[Link]) -> Result<Diffs, GitError> {
        let mut input = String::with_capacity(chain.len() * 82);
        for (commit, parent) in chain {
            let names_ok = is_object_name(commit) && parent.as_deref().is_none_or(is_object_name);
            if !names_ok {
                return Err(parse_error(format!("`{commit}` is not a full object name")));
            }
            // `<commit> <parent>`: the commit against that parent only.
            input.push_str(commit);
            if let Some(p) = parent {
                input.push(' ');
                input.push_str(p);
            }
            input.push('\n');
        }
        let (mut child, mut stdin, stdout) = self.piped(&DIFF)?;
        let writer = std::thread::Builder::new()
            .name("vouch-diff-input".into())
            .spawn(move || stdin.write_all(input.as_bytes()));
        let writer = match writer {
            Ok(w) => w,
            Err(e) => {
                let _ = child.kill();
                let _ = child.wait();
                return Err(GitError::Spawn(e));
            }
        };
        Ok(Diffs {
            chain: chain.iter().map(|(c, _)| c.clone()).collect(),
            answered: 0,
            child: Some(child),
            reader: BufReader::with_capacity(1 << 16, stdout),
            writer: Some(writer),
            next_commit: None,
            token: Vec::new(),
            entries: Vec::new(),
            failed: false,
        })
    }
}

fn parse_error(detail: String) -> GitError {
    GitError::Parse {
        args: DIFF.join(" "),
        detail,
    }
}

/// The commits' changes [`Git::first_parent_diffs`] streams, in order:
/// `(commit, changes)`. An error ends the stream.
pub(crate) struct Diffs {
    /// The commits asked for, in order: git answers each in turn.
    chain: Vec<String>,
    /// How many commits' headers were read.
    answered: usize,
    child: Option<Child>,
    reader: BufReader<ChildStdout>,
    writer: Option<JoinHandle<std::io::Result<()>>>,
    /// The commit whose entries come next (its header already read).
    next_commit: Option<String>,
    token: Vec<u8>,
    /// The entries of `next_commit` read so far, as git prints them.
    entries: Vec<u8>,
    /// An error ended the stream: nothing more is read.
    failed: bool,
}

impl Diffs {
    /// The next `\0`-ended token into `self.token` (without the `\0`);
    /// `false` at the end of the output.
    fn read_token(&mut self) -> Result<bool, GitError> {
        self.token.clear();
        let n = self
            .reader
            .read_until(0, &mut self.token)
            .map_err(|e| parse_error(e.to_string()))?;
        if self.token.last() == Some(&0) {
            self.token.pop();
        }
        Ok(n > 0)
    }

    /// git's exit, once its output has ended: an error unless it succeeded.
    fn finish(&mut self) -> Result<(), GitError> {
        if let Some(w) = self.writer.take() {
            // A failed write means git stopped reading: its status says why.
            let _ = w.join();
        }
        let Some(mut child) = self.child.take() else {
            return Ok(());
        };
        let status = child.wait().map_err(GitError::Spawn)?;
        if status.success() {
            Ok(())
        } else {
            Err(GitError::Failed {
                args: DIFF.join(" "),
                message: format!("exited with {status}"),
            })
        }
    }

    fn read_next(&mut self) -> Result<Option<(String, Vec<Change>)>, GitError> {
        if self.next_commit.is_none() {
            if !self.read_token()? {
                self.finish()?;
                return self.ended();
            }
            self.next_commit = Some(self.header()?);
        }
        // `<commit>\0` before the entries of each diff that has any, each
        // entry `:<mode> <mode> <object> <object> <status>\0<path>\0`.
        self.entries.clear();
        loop {
            if !self.read_token()? {
                self.finish()?;
                break;
            }
            if self.token.first() == Some(&b':') {
                self.entries.extend_from_slice(&self.token[1..]);
                self.entries.push(0);
                if !self.read_token()? {
                    return Err(parse_error("an entry without a path".into()));
                }
                self.entries.extend_from_slice(&self.token);
                self.entries.push(0);
            } else {
                let header = self.header()?;
                let commit = self.next_commit.replace(header);
                return Ok(commit.map(|c| (c, parse_raw(&self.entries))));
            }
        }
        Ok(self
            .next_commit
            .take()
            .map(|c| (c, parse_raw(&self.entries))))
    }

    /// The token just read as the next commit's name: the one asked for
    /// next.
    fn header(&mut self) -> Result<String, GitError> {
        let name = String::from_utf8_lossy(&self.token).trim().to_owned();
        let expected = self.chain.get(self.answered);
        if expected != Some(&name) {
            let expected = expected.map_or("no more", String::as_str);
            return Err(parse_error(format!(
                "expected the diff of {expected}, read `{name}`"
            )));
        }
        self.answered += 1;
        Ok(name)
    }

    /// The end of the output: `None`, once every commit asked for was
    /// answered.
    fn ended(&self) -> Result<Option<(String, Vec<Change>)>, GitError> {
        match self.chain.get(self.answered) {
            None => Ok(None),
            Some(c) => Err(parse_error(format!("no diff of commit {c}"))),
        }
    }
}

impl Iterator for Diffs {
    type Item = Result<(String, Vec<Change>), GitError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.failed {
            return None;
        }
        match self.read_next() {
            Ok(Some(item)) => Some(Ok(item)),
            Ok(None) => None,
            Err(e) => {
                // Out of step: nothing more is read.
                self.failed = true;
                self.stop();
                Some(Err(e))
            }
        }
    }
}

impl Diffs {
    fn stop(&mut self) {
        if let Some(mut child) = self.child.take() {
            let _ = child.kill();
            let _ = child.wait();
        }
        if let Some(w) = self.writer.take() {
            let _ = w.join();
        }
    }
}

impl Drop for Diffs {
    fn drop(&mut self) {
        // Stopped early: git would wait on a full pipe, the writer on git.
        self.stop();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The model: each commit of `git log --first-parent` over `revs`,
    /// oldest first, with the files it changed against its first parent.
    fn logged(g: &Git, revs: &[&str]) -> Vec<(String, Vec<Change>)> {
        let mut args = vec![
            "log",
            "--first-parent",
            "--reverse",
            "-m",
            "--raw",
            "-z",
            "--no-abbrev",
            "--no-renames",
            "--diff-filter=d",
            "--format=%x1e%H",
            "--end-of-options",
        ];
        args.extend_from_slice(revs);
        args.push("--");
        let out = g.run(&args).expect("git log");
        let mut commits = Vec::new();
        for chunk in out.split(|b| *b == 0x1e).filter(|c| !c.is_empty()) {
            let (sha, rest) = match chunk.iter().position(|b| *b == 0) {
                Some(i) => (&chunk[..i], &chunk[i + 1..]),
                None => (chunk, &chunk[chunk.len()..]),
            };
            let sha = String::from_utf8_lossy(sha).trim().to_owned();
            let rest = rest.strip_prefix(b"\n").unwrap_or(rest);
            commits.push((sha, parse_raw(rest)));
        }
        commits
    }

    /// The streamed diffs are `git log --first-parent -m --raw`'s, commit
    /// by commit: a root commit, edits, an added and a deleted file, a
    /// commit that changes nothing, and a merge (diffed against its first
    /// parent only).
    #[test]
    fn streamed_diffs_are_git_logs() {
        let tmp = tempfile::tempdir().expect("tempdir");
        let dir = tmp.path();
        let g = Git::new(dir);
        g.run_as_tester(&["init", "-q", "-b", "main"]);
        let write = |p: &str, t: &str| std::fs::write(dir.join(p), t).expect("write");
        write("a.rs", "a\n");
        write("b.rs", "b\n");
        g.run_as_tester(&["add", "-A"]);
        g.run_as_tester(&["commit", "-qm", "root"]);
        write("a.rs", "a\na2\n");
        g.run_as_tester(&["commit", "-qam", "edit"]);
        g.run_as_tester(&["commit", "-q", "--allow-empty", "-m", "nothing"]);
        g.run_as_tester(&["checkout", "-q", "-b", "side"]);
        write("c.rs", "c\n");
        g.run_as_tester(&["add", "c.rs"]);
        g.run_as_tester(&["commit", "-qm", "side"]);
        g.run_as_tester(&["checkout", "-q", "main"]);
        std::fs::remove_file(dir.join("b.rs")).expect("rm");
        write("d.rs", "d\n");
        g.run_as_tester(&["add", "-A"]);
        g.run_as_tester(&["commit", "-qm", "main moves"]);
        g.run_as_tester(&["merge", "-q", "--no-edit", "side"]);
        write("a.rs", "a\na3\n");
        g.run_as_tester(&["commit", "-qam", "after"]);

        let chain = g.first_parent_chain(&["HEAD"]).expect("chain");
        assert_eq!(chain.len(), 6, "{chain:?}");
        assert_eq!(chain[0].1, None, "the root has no parent");
        let streamed: Vec<(String, Vec<Change>)> = g
            .first_parent_diffs(&chain)
            .expect("diffs")
            .collect::<Result<_, _>>()
            .expect("read");
        assert_eq!(streamed.len(), chain.len(), "every commit answered");
        assert!(streamed[2].1.is_empty(), "the commit that changed nothing");
        // `git log --diff-filter` leaves out a commit with nothing to show.
        let shown: Vec<(String, Vec<Change>)> = streamed
            .iter()
            .filter(|(_, c)| !c.is_empty())
            .cloned()
            .collect();
        assert_eq!(shown, logged(&g, &["HEAD"]));
        // The merge brought c.rs in against its first parent.
        let merge = &streamed[4].1;
        assert_eq!(merge.len(), 1);
        assert_eq!(merge[0].path, "c.rs");
        // Part of a chain (a range's), and an early stop.
        let tail = g.first_parent_chain(&["HEAD", "^HEAD~2"]).expect("chain");
        assert_eq!(tail.len(), 2);
        let mut diffs = g.first_parent_diffs(&tail).expect("diffs");
        let first = diffs.next().expect("one").expect("read");
        assert_eq!(first.0, chain[4].0);
        drop(diffs);
        // A commit git cannot read (it skips it silently): an error, not a
        // shorter stream; before others, or last.
        let missing = ("f".repeat(40), None);
        for bad in [
            vec![missing.clone(), chain[1].clone()],
            vec![chain[1].clone(), missing],
        ] {
            let mut diffs = g.first_parent_diffs(&bad).expect("starts");
            let read: Vec<_> = diffs.by_ref().collect();
            assert!(read.last().is_some_and(Result::is_err), "{read:?}");
            assert!(diffs.next().is_none(), "nothing after the error");
        }
    }
}
