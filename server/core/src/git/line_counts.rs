//! The line counts of files at many commits: `vouch verify` and `vouch
//! export --format json` bound each note's lines by its files' lengths at
//! its commit, a batch of notes at a time, through one `git cat-file
//! --batch` kept for every batch of a walk.

use std::io::{BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout};
use std::sync::PoisonError;

use super::{
    Git, GitError, MAX_RESOLVED, MISSING, SharedTrees, TreeWalk, count_lines, distinct,
    is_object_name, read_answer, walkable_path,
};

/// Asks git for line counts, one question after another, through one
/// `git cat-file --batch` (started at the first question; a question that
/// fails ends it, and the next starts another).
pub(crate) struct LineCounter<'g> {
    git: &'g Git,
    process: Option<CatFile>,
    /// Folders' trees read for the questions before.
    shared: SharedTrees,
}

struct CatFile {
    child: Child,
    stdin: ChildStdin,
    reader: BufReader<ChildStdout>,
}

impl CatFile {
    /// The process in `slot`, started there if there is none.
    fn open<'p>(git: &Git, slot: &'p mut Option<CatFile>) -> Result<&'p mut CatFile, GitError> {
        let process = match slot.take() {
            Some(p) => p,
            None => {
                let (child, stdin, stdout) = git.piped(&["cat-file", "--batch"])?;
                let reader = BufReader::with_capacity(1 << 16, stdout);
                CatFile {
                    child,
                    stdin,
                    reader,
                }
            }
        };
        Ok(slot.insert(process))
    }
}

impl Drop for CatFile {
    fn drop(&mut self) {
        // Idle (every answer read) or out of step: either way done with.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl<'g> LineCounter<'g> {
    pub(crate) fn new(git: &'g Git) -> LineCounter<'g> {
        LineCounter {
            git,
            process: None,
            shared: SharedTrees::default(),
        }
    }

    /// The number of lines of the files `paths` at each `commit` (a last
    /// line without a line break counts; an empty file has none; `None`
    /// for a path that is not a file there), asked commit by commit
    /// (`(commit, paths)`; answers in the same shape).
    ///
    /// Each commit's trees are read once and its paths found in them (a
    /// [`TreeWalk`]), with no `REV:PATH` name made and parsed for each:
    /// most of the work when a range's every note names a hundred files. A
    /// blob counted before by this `Git` (or a clone) is not read again: a
    /// range's notes name the same unchanged file at many commits.
    pub(crate) fn counts(
        &mut self,
        asks: &[(&str, Vec<&str>)],
    ) -> Result<Vec<Vec<Option<usize>>>, GitError> {
        let total: usize = asks.iter().map(|(_, p)| p.len()).sum();
        if total == 0 {
            return Ok(asks.iter().map(|(_, p)| vec![None; p.len()]).collect());
        }
        let counted = match self.names(asks, total).and_then(|names| self.count(&names)) {
            Ok(counted) => counted,
            Err(e) => {
                // Out of step with git: this process is done with, and
                // the trees read through it are not trusted either.
                self.process = None;
                self.shared = SharedTrees::default();
                return Err(e);
            }
        };
        let mut counted = counted.into_iter();
        Ok(asks
            .iter()
            .map(|(_, paths)| counted.by_ref().take(paths.len()).collect())
            .collect())
    }

    /// The object name to ask for each path of `asks`, in order: found
    /// through the trees, or `REV:PATH` for git to resolve where the walk
    /// cannot (a revision that is not a full object name, a path with `.`
    /// or `..` parts).
    fn names(&mut self, asks: &[(&str, Vec<&str>)], total: usize) -> Result<Vec<String>, GitError> {
        let resolved = &self.git.resolved;
        let p = CatFile::open(self.git, &mut self.process)?;
        let mut walk = TreeWalk::new(&mut p.stdin, &mut p.reader, resolved, &mut self.shared);
        let mut names = Vec::with_capacity(total);
        for (commit, paths) in asks {
            for path in paths {
                let walked = match walkable_path(path) {
                    Some(parts) if is_object_name(commit) => walk
                        .walk(commit, &parts)
                        .map_err(|e| parse_error(&e.to_string()))?,
                    _ => None,
                };
                // Where the walk cannot tell, git resolves the name itself.
                let name = walked.unwrap_or_else(|| format!("{commit}:{path}"));
                names.push(name);
            }
        }
        Ok(names)
    }

    /// The line counts of the objects `names`: each distinct name read
    /// once, none whose count the `Git` kept.
    fn count(&mut self, names: &[String]) -> Result<Vec<Option<usize>>, GitError> {
        let kept = &self.git.counted;
        let lock = || kept.lock().unwrap_or_else(PoisonError::into_inner);
        let known: Vec<Option<usize>> = {
            let counted = lock();
            names.iter().map(|n| counted.get(n).copied()).collect()
        };
        let asked: Vec<String> = names
            .iter()
            .zip(&known)
            .filter(|(_, k)| k.is_none())
            .map(|(n, _)| n.clone())
            .collect();
        let (unique, at) = distinct(&asked);
        let mut request = String::with_capacity(unique.len() * 41);
        for name in &unique {
            // A name with a line break cannot be asked for.
            request.push_str(if name.contains(['\n', '\r']) {
                MISSING
            } else {
                name
            });
            request.push('\n');
        }
        let p = CatFile::open(self.git, &mut self.process)?;
        let mut answers: Vec<Option<usize>> = Vec::with_capacity(unique.len());
        let mut header = Vec::new();
        // The requests written on another thread while the answers are
        // read here: git never waits on a full pipe we do not read, however
        // small the pipes are.
        let (stdin, reader, child) = (&mut p.stdin, &mut p.reader, &mut p.child);
        std::thread::scope(|s| {
            let writer = std::thread::Builder::new()
                .name("vouch-count-asks".into())
                .spawn_scoped(s, move || {
                    stdin.write_all(request.as_bytes())?;
                    stdin.flush()
                })
                .map_err(|e| parse_error(&format!("cannot start a thread: {e}")))?;
            let mut read = || {
                for _ in 0..unique.len() {
                    answers.push(read_answer(reader, &mut header, &mut count_lines)?);
                }
                Ok::<_, GitError>(())
            };
            let read = read();
            if read.is_err() {
                // Out of step: git may wait on us to read while the writer
                // waits on git. Stopped, it lets the writer fail.
                let _ = child.kill();
            }
            // A writer that failed (git stopped reading) leaves the reader
            // an error too, from git's early end.
            let written = writer.join();
            read?;
            match written {
                Ok(Ok(())) => Ok(()),
                Ok(Err(e)) => Err(parse_error(&e.to_string())),
                Err(_) => Err(parse_error("the writer thread panicked")),
            }
        })?;
        {
            let mut counted = lock();
            if counted.len() + unique.len() > MAX_RESOLVED {
                counted.clear();
            }
            for (name, n) in unique.iter().zip(&answers) {
                if let Some(n) = n
                    && is_object_name(name)
                {
                    counted.insert(name.clone(), *n);
                }
            }
        }
        let mut asked = at.into_iter();
        Ok(known
            .into_iter()
            .map(|k| k.or_else(|| asked.next().and_then(|i| answers[i])))
            .collect())
    }
}

fn parse_error(detail: &str) -> GitError {
    GitError::Parse {
        args: "cat-file --batch".into(),
        detail: detail.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::git::tests::{commit_all, repo, write_file};

    /// The lines of each of `paths` at `rev`, as git reads `REV:PATH`.
    fn counted_by_git(git: &Git, rev: &str, paths: &[&str]) -> Vec<Option<usize>> {
        paths
            .iter()
            .map(|p| {
                let blob = git.read_objects(&[format!("{rev}:{p}")]).expect("read");
                blob.into_iter()
                    .next()
                    .flatten()
                    .map(|b| b.split_inclusive(|c| *c == b'\n').count())
            })
            .collect()
    }

    /// Folders' trees are kept from one commit to the next (by object
    /// name, so a folder a commit changed is read again): the counts of
    /// paths in changed and unchanged folders, over commits in several
    /// questions, are git's; root trees are not kept.
    #[test]
    fn folders_kept_across_commits_answer_as_git() {
        let (dir, git) = repo();
        let write = |p: &str, t: &str| write_file(dir.path(), p, t);
        let mut commits = Vec::new();
        for (i, (changed, text)) in [
            ("a/x.rs", "1\n"),
            ("a/x.rs", "1\n2\n"),
            ("b/c/y.rs", "1\n2\n3\n"),
        ]
        .iter()
        .enumerate()
        {
            if i == 0 {
                write("b/c/y.rs", "y\n");
                write("b/z.rs", "z\nz\n");
            }
            write(changed, text);
            commits.push(commit_all(&git, &format!("c{i}")));
        }
        let paths = vec!["a/x.rs", "b/c/y.rs", "b/z.rs", "b/c", "a/none"];
        let by_git = |rev: &str| counted_by_git(&git, rev, &paths);
        let mut counter = git.line_counter();
        for c in &commits {
            let got = counter
                .counts(&[(c.as_str(), paths.clone())])
                .expect("counts");
            assert_eq!(got, [by_git(c)], "at {c}");
        }
        assert_eq!(by_git(&commits[1])[0], Some(2));
        assert_eq!(by_git(&commits[2])[1], Some(3));
        // Folders kept, roots not.
        let roots: Vec<String> = commits
            .iter()
            .map(|c| {
                git.text(&["rev-parse", &format!("{c}^{{tree}}")])
                    .expect("tree")
                    .trim()
                    .to_owned()
            })
            .collect();
        let b = git
            .text(&["rev-parse", &format!("{}:b", commits[0])])
            .expect("b");
        assert!(counter.shared.trees.contains_key(b.trim()), "b/ kept");
        assert!(roots.iter().all(|r| !counter.shared.trees.contains_key(r)));
    }

    /// Trees git reads otherwise than a plain lookup by name (a folder's
    /// mode written `040000`, an entry named `d/f.rs`, entries out of
    /// order, the same name twice): each answer is still git's own for
    /// `REV:PATH`.
    #[test]
    fn odd_trees_answer_as_git() {
        let (dir, git) = repo();
        let object = |kind: &str, body: &[u8]| -> Vec<u8> {
            let out = std::process::Command::new("git")
                .args(["hash-object", "-w", "--literally", "-t", kind, "--stdin"])
                .current_dir(dir.path())
                .stdin(std::process::Stdio::piped())
                .stdout(std::process::Stdio::piped())
                .spawn()
                .and_then(|mut child| {
                    use std::io::Write as _;
                    child.stdin.take().expect("stdin").write_all(body)?;
                    child.wait_with_output()
                })
                .expect("hash-object");
            let hex = String::from_utf8(out.stdout).expect("hex");
            (0..40)
                .step_by(2)
                .map(|i| u8::from_str_radix(&hex[i..i + 2], 16).expect("hex"))
                .collect()
        };
        let entry = |mode: &str, name: &str, raw: &[u8]| {
            let mut e = format!("{mode} {name}\0").into_bytes();
            e.extend_from_slice(raw);
            e
        };
        let two = object("blob", b"1\n2\n");
        let three = object("blob", b"1\n2\n3\n");
        let sub = object("tree", &entry("100644", "f.rs", &two));
        let roots = [
            entry("040000", "d", &sub),
            entry("100644", "d/f.rs", &three),
            [
                entry("100644", "z.rs", &two),
                entry("100644", "a.rs", &three),
            ]
            .concat(),
            [
                entry("100644", "a.rs", &two),
                entry("100644", "a.rs", &three),
            ]
            .concat(),
            [entry("100644", "a.rs", &two), entry("40000", "d", &sub)].concat(),
        ];
        let paths = vec!["d/f.rs", "a.rs", "z.rs", "d"];
        let mut counter = git.line_counter();
        let mut seen = Vec::new();
        for root in roots {
            let tree = object("tree", &root);
            let hex: String = tree.iter().map(|b| format!("{b:02x}")).collect();
            let commit = git
                .text(&["commit-tree", &hex, "-m", "odd"])
                .expect("commit-tree");
            let commit = commit.trim();
            let expected = counted_by_git(&git, commit, &paths);
            let got = counter.counts(&[(commit, paths.clone())]).expect("counts");
            assert_eq!(got, std::slice::from_ref(&expected), "tree {root:?}");
            seen.push(expected);
        }
        // Git found files in them, so the comparisons are not of nothing.
        assert_eq!(seen[0][0], Some(2), "through `040000 d`");
        assert_eq!(seen[4][0], Some(2));
        assert!(
            seen.iter().flatten().filter(|c| c.is_some()).count() >= 4,
            "{seen:?}"
        );
    }

    /// Many questions through one counter: 1,500 distinct blobs (answers
    /// far past a pipe's size), a 40 KiB name, names git resolves itself, a line
    /// break, a missing commit. Every answer is the count of the blob git
    /// reads for `REV:PATH`, whether read or kept, and a question after
    /// one git could not answer in step starts a new process.
    #[test]
    fn counts_are_gits_across_many_names_and_questions() {
        let (dir, git) = repo();
        // Distinct blobs.
        for i in 0..1500 {
            let text = format!("{i}\n").repeat(i % 5 + 1);
            write_file(dir.path(), &format!("f{i}.rs"), &text);
        }
        write_file(dir.path(), "d/g.rs", "no line break");
        let commit = commit_all(&git, "many");
        let commit = commit.as_str();
        let long = "x".repeat(40 << 10);
        let mut paths: Vec<String> = (0..1500).map(|i| format!("f{i}.rs")).collect();
        paths.extend(
            [
                "d/g.rs",
                "d",
                "./f1.rs",
                "d/../f2.rs",
                "f1.rs\nf2.rs",
                "none",
                &long,
            ]
            .map(String::from),
        );
        let paths: Vec<&str> = paths.iter().map(String::as_str).collect();
        let by_git = |rev: &str| counted_by_git(&git, rev, &paths);
        let expected = by_git(commit);
        assert_eq!(expected[3], Some(4), "f3.rs holds four lines");
        assert_eq!(expected[1500], Some(1), "an open last line counts");
        let missing = "f".repeat(40);
        let mut counter = git.line_counter();
        let asks = [
            (commit, paths.clone()),
            ("HEAD", paths.clone()),
            (missing.as_str(), paths[..3].to_vec()),
        ];
        let first = counter.counts(&asks).expect("counts");
        assert_eq!(first[0], expected);
        assert_eq!(first[1], expected);
        assert_eq!(first[2], [None, None, None]);
        // Asked again: the counts kept, the same process. A kept count
        // made wrong on purpose comes back, so none was read again.
        let f3 = git
            .text(&["rev-parse", &format!("{commit}:f3.rs")])
            .expect("blob");
        git.counted
            .lock()
            .expect("lock")
            .insert(f3.trim().to_owned(), 99);
        // (Only where the walk named the blob: `HEAD:f3.rs` is git's to
        // resolve, and read.)
        let mut kept = first.clone();
        kept[0][3] = Some(99);
        assert_eq!(counter.counts(&asks).expect("again"), kept);
        git.counted
            .lock()
            .expect("lock")
            .insert(f3.trim().to_owned(), 4);
        assert_eq!(counter.counts(&asks).expect("again"), first);
        // A process that went away: the question fails, the next starts afresh.
        if let Some(p) = counter.process.as_mut() {
            p.child.kill().expect("kill");
            p.child.wait().expect("wait");
        }
        git.counted.lock().expect("lock").clear();
        assert!(counter.counts(&asks).is_err());
        assert_eq!(counter.counts(&asks).expect("afresh"), first);
    }
}
