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

/// Bytes of requests written to git before their answers are read. Git
/// has answered (and we read) everything before a window, so a window's
/// requests fit in the pipe's 64 KiB even while git waits for us to read
/// its answers: writing never waits on git while git waits on us. A longer
/// name goes alone, and git reads all of it before it answers.
const WINDOW_BYTES: usize = 32 << 10;

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
                // Out of step with git: this process is done with.
                self.process = None;
                return Err(e);
            }
        };
        let mut counted = counted.into_iter();
        Ok(asks
            .iter()
            .map(|(_, paths)| counted.by_ref().take(paths.len()).collect())
            .collect())
    }

    fn process(&mut self) -> Result<&mut CatFile, GitError> {
        if self.process.is_none() {
            let (child, stdin, stdout) = self.git.piped(&["cat-file", "--batch"])?;
            let reader = BufReader::with_capacity(1 << 16, stdout);
            self.process = Some(CatFile {
                child,
                stdin,
                reader,
            });
        }
        self.process
            .as_mut()
            .ok_or_else(|| parse_error("no process"))
    }

    /// The object name to ask for each path of `asks`, in order: found
    /// through the trees, or `REV:PATH` for git to resolve where the walk
    /// cannot (a revision that is not a full object name, a path with `.`
    /// or `..` parts).
    fn names(&mut self, asks: &[(&str, Vec<&str>)], total: usize) -> Result<Vec<String>, GitError> {
        let resolved = &self.git.resolved;
        self.process()?;
        let Some(p) = self.process.as_mut() else {
            return Err(parse_error("no process"));
        };
        let mut walk = TreeWalk::new(&mut p.stdin, &mut p.reader, resolved, &mut self.shared);
        let mut names = Vec::with_capacity(total);
        for (commit, paths) in asks {
            for path in paths {
                let name = match walkable_path(path) {
                    Some(parts) if is_object_name(commit) => walk
                        .walk(commit, &parts)
                        .map_err(|e| parse_error(&e.to_string()))?,
                    _ => format!("{commit}:{path}"),
                };
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
        let p = self.process()?;
        let mut answers: Vec<Option<usize>> = Vec::with_capacity(unique.len());
        let mut header = Vec::new();
        let mut request = String::new();
        let mut next = 0;
        while next < unique.len() {
            // A window of names, their requests at most WINDOW_BYTES
            // (a longer name alone).
            request.clear();
            let start = next;
            while let Some(name) = unique.get(next) {
                // A name with a line break cannot be asked for.
                let name = if name.contains(['\n', '\r']) {
                    MISSING
                } else {
                    name.as_str()
                };
                if next > start && request.len() + name.len() + 1 > WINDOW_BYTES {
                    break;
                }
                request.push_str(name);
                request.push('\n');
                next += 1;
            }
            p.stdin
                .write_all(request.as_bytes())
                .and_then(|()| p.stdin.flush())
                .map_err(|e| parse_error(&e.to_string()))?;
            for _ in start..next {
                answers.push(read_answer(&mut p.reader, &mut header, &mut count_lines)?);
            }
        }
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
        let dir = tempfile::tempdir().expect("tempdir");
        let git = Git::new(dir.path());
        git.run_as_tester(&["init", "-q"]);
        let write = |p: &str, t: &str| {
            let path = dir.path().join(p);
            std::fs::create_dir_all(path.parent().expect("parent")).expect("mkdir");
            std::fs::write(path, t).expect("write");
        };
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
            git.run_as_tester(&["add", "-A"]);
            git.run_as_tester(&["commit", "-qm", &format!("c{i}")]);
            commits.push(
                git.text(&["rev-parse", "HEAD"])
                    .expect("head")
                    .trim()
                    .to_owned(),
            );
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

    /// Many questions through one counter: names over several windows,
    /// a name longer than a window, names git resolves itself, a line
    /// break, a missing commit. Every answer is the count of the blob git
    /// reads for `REV:PATH`, whether read or kept, and a question after
    /// one git could not answer in step starts a new process.
    #[test]
    fn counts_are_gits_across_windows_and_questions() {
        let dir = tempfile::tempdir().expect("tempdir");
        let git = Git::new(dir.path());
        git.run_as_tester(&["init", "-q"]);
        // Distinct blobs: 1,500 names of 41 bytes are two windows.
        for i in 0..1500 {
            let text = format!("{i}\n").repeat(i % 5 + 1);
            std::fs::write(dir.path().join(format!("f{i}.rs")), text).expect("write");
        }
        std::fs::create_dir(dir.path().join("d")).expect("mkdir");
        std::fs::write(dir.path().join("d/g.rs"), "no line break").expect("write");
        git.run_as_tester(&["add", "-A"]);
        git.run_as_tester(&["commit", "-qm", "many"]);
        let commit = git.text(&["rev-parse", "HEAD"]).expect("head");
        let commit = commit.trim();
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
        // Asked again: the counts kept, the same process.
        assert!(!git.counted.lock().expect("lock").is_empty());
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
