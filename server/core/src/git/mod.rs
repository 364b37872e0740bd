//! A small wrapper around the git command line.
//!
//! Every command runs with `LC_ALL=C` and `core.quotepath=off`, lists paths
//! with `-z`, and inherits the environment (`GIT_INDEX_FILE`, `GIT_DIR`, …) so
//! that inside a hook git behaves exactly as the git that called the hook.
//! Many objects are read through one `git cat-file --batch` process.

use std::cmp::Ordering;
use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::path::{Path, PathBuf};
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};
use std::sync::{Arc, Mutex, MutexGuard, OnceLock, PoisonError, mpsc};
use std::thread::JoinHandle;

mod first_parent;
mod line_counts;

pub(crate) use line_counts::LineCounter;

pub(crate) use first_parent::Link;

/// Why a git command failed.
#[derive(Debug, thiserror::Error)]
pub enum GitError {
    #[error("cannot run git: {0}")]
    Spawn(std::io::Error),
    #[error("`git {args}` failed: {message}")]
    Failed { args: String, message: String },
    #[error("`git {args}` printed unexpected output: {detail}")]
    Parse { args: String, detail: String },
}

/// The all-zero object name git uses for "not committed yet".
pub(crate) const NULL_SHA: &str = "0000000000000000000000000000000000000000";

/// A repository's working tree, where git commands run.
#[derive(Clone, Debug)]
pub struct Git {
    dir: PathBuf,
    /// `REV:PATH` names a [`TreeWalk`] resolved, for revisions given by
    /// full object name (whose trees never change): a later batch of the
    /// same process asking them again reads no tree. The gate reads the
    /// same versions of files at other branches' commits twice, and each
    /// read of a large folder's tree can mean rebuilding it from a chain of
    /// deltas. Shared by clones; at most [`MAX_RESOLVED`] names.
    resolved: Arc<Mutex<HashMap<String, String>>>,
    /// `vouch.notesRef` as configured ([`Git::notes_ref_config`]), asked
    /// once per `Git` and shared by its clones (a hook makes one).
    notes_ref: Arc<std::sync::OnceLock<Option<String>>>,
    /// Line counts of blobs a [`LineCounter`] read, by full object name;
    /// shared by clones, at most [`MAX_RESOLVED`].
    counted: Arc<Mutex<HashMap<String, usize>>>,
}

/// `aside()` on another thread while this one runs `here()`; both answers.
/// Where no thread can start, `aside()` runs here after `here()`; a panic
/// on the other thread is this one's. For git processes that can run side
/// by side (each start costs a millisecond or two).
pub(crate) fn side_by_side<A: Send, B>(
    aside: impl FnOnce() -> A + Send,
    here: impl FnOnce() -> B,
) -> (A, B) {
    // Taken by the thread, or here when none could start.
    let slot = Mutex::new(Some(aside));
    let take = || {
        slot.lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .take()
    };
    std::thread::scope(|s| {
        let started = std::thread::Builder::new()
            .spawn_scoped(s, || take().map(|f| f()))
            .ok();
        let b = here();
        let answered = match started.map(std::thread::ScopedJoinHandle::join) {
            Some(Ok(a)) => a,
            Some(Err(panic)) => std::panic::resume_unwind(panic),
            None => None,
        };
        match answered.or_else(|| take().map(|f| f())) {
            Some(a) => (a, b),
            // The closure is taken exactly once, by the thread or here.
            None => unreachable!("side_by_side: the closure ran nowhere"),
        }
    })
}

/// Names [`Git::resolved`] keeps before it starts afresh.
const MAX_RESOLVED: usize = 1 << 16;

/// An object's content, or its size when over the cap it was read with.
pub(crate) type Capped = Result<Vec<u8>, usize>;

impl Git {
    pub fn new(dir: &Path) -> Git {
        Git {
            dir: dir.to_path_buf(),
            resolved: Arc::default(),
            notes_ref: Arc::default(),
            counted: Arc::default(),
        }
    }

    pub fn dir(&self) -> &Path {
        &self.dir
    }

    fn command(&self, args: &[&str]) -> Command {
        let mut c = Command::new(git_program());
        c.args(["-c", "core.quotepath=off"])
            .args(args)
            .current_dir(&self.dir)
            .env("LC_ALL", "C")
            .env("GIT_TERMINAL_PROMPT", "0")
            .env_remove("GIT_PAGER")
            .stdin(Stdio::null());
        c
    }

    /// Starts git with its input and output piped to this process (its
    /// errors discarded): the child and both pipes.
    fn piped(&self, args: &[&str]) -> Result<(Child, ChildStdin, ChildStdout), GitError> {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .map_err(GitError::Spawn)?;
        match (child.stdin.take(), child.stdout.take()) {
            (Some(stdin), Some(stdout)) => Ok((child, stdin, stdout)),
            _ => {
                let _ = child.kill();
                let _ = child.wait();
                Err(GitError::Parse {
                    args: args.join(" "),
                    detail: "no pipes".into(),
                })
            }
        }
    }

    /// Runs git and returns its output whatever the exit status.
    pub(crate) fn output(&self, args: &[&str]) -> Result<Output, GitError> {
        self.command(args).output().map_err(GitError::Spawn)
    }

    /// Runs git, failing unless it exits 0; returns stdout.
    pub(crate) fn run(&self, args: &[&str]) -> Result<Vec<u8>, GitError> {
        let out = self.output(args)?;
        check(args, out)
    }

    /// Like [`Git::run`], stdout as (lossless) UTF-8 text.
    pub(crate) fn text(&self, args: &[&str]) -> Result<String, GitError> {
        let out = self.run(args)?;
        String::from_utf8(out).map_err(|_| GitError::Parse {
            args: args.join(" "),
            detail: "not UTF-8".into(),
        })
    }

    /// Runs git with `input` on stdin; fails unless it exits 0.
    pub(crate) fn run_input(&self, args: &[&str], input: &[u8]) -> Result<Vec<u8>, GitError> {
        let mut child = self
            .command(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .map_err(GitError::Spawn)?;
        let mut stdin = child.stdin.take().ok_or_else(|| GitError::Parse {
            args: args.join(" "),
            detail: "no stdin".into(),
        })?;
        let input = input.to_vec();
        let writer = std::thread::spawn(move || stdin.write_all(&input));
        let out = child.wait_with_output().map_err(GitError::Spawn)?;
        let _ = writer.join();
        check(args, out)
    }

    /// Runs git; `Some(stdout)` when it exits 0, `None` otherwise.
    pub fn try_run(&self, args: &[&str]) -> Result<Option<Vec<u8>>, GitError> {
        let out = self.output(args)?;
        Ok(out.status.success().then_some(out.stdout))
    }

    /// The commit `rev` names, or `None` (unborn branch, unknown name).
    pub(crate) fn commit_id(&self, rev: &str) -> Result<Option<String>, GitError> {
        let spec = format!("{rev}^{{commit}}");
        Ok(self
            .try_run(&["rev-parse", "--verify", "-q", &spec])?
            .map(|o| String::from_utf8_lossy(&o).trim().to_owned())
            .filter(|s| !s.is_empty()))
    }

    /// A path inside the git directory (`git rev-parse --git-path`), absolute.
    /// Honours `core.hooksPath` for `hooks` and worktrees' own files.
    pub fn git_path(&self, name: &str) -> Result<PathBuf, GitError> {
        let out = self.text(&["rev-parse", "--git-path", name])?;
        Ok(self.dir.join(out.trim_end_matches(['\n', '\r'])))
    }

    /// Several paths inside the git directory, in one `git rev-parse`.
    pub(crate) fn git_paths(&self, names: &[&str]) -> Result<Vec<PathBuf>, GitError> {
        let mut args = vec!["rev-parse"];
        for n in names {
            args.push("--git-path");
            args.push(n);
        }
        let out = self.text(&args)?;
        let paths: Vec<PathBuf> = out.lines().map(|l| self.dir.join(l)).collect();
        if paths.len() != names.len() {
            return Err(GitError::Parse {
                args: args.join(" "),
                detail: format!("expected {} paths", names.len()),
            });
        }
        Ok(paths)
    }

    /// The value of a configuration key, if set.
    pub fn config(&self, key: &str) -> Result<Option<String>, GitError> {
        Ok(self
            .try_run(&["config", "--get", key])?
            .map(|o| String::from_utf8_lossy(&o).trim_end().to_owned()))
    }

    /// `vouch.notesRef`, asked of git once per `Git` and its clones: a hook
    /// (one `Git`) reads the notes ref three times or more, and Vouch never
    /// sets it.
    pub(crate) fn notes_ref_config(&self) -> Result<Option<String>, GitError> {
        if let Some(known) = self.notes_ref.get() {
            return Ok(known.clone());
        }
        let configured = self.config("vouch.notesRef")?;
        Ok(self.notes_ref.get_or_init(|| configured).clone())
    }

    /// Every value of a multi-valued configuration key.
    pub(crate) fn config_all(&self, key: &str) -> Result<Vec<String>, GitError> {
        Ok(self
            .try_run(&["config", "--get-all", key])?
            .map(|o| {
                String::from_utf8_lossy(&o)
                    .lines()
                    .map(str::to_owned)
                    .collect()
            })
            .unwrap_or_default())
    }

    /// The person git's configuration names: `user.name <user.email>`, when
    /// both are set and not empty.
    pub fn identity(&self) -> Option<String> {
        let get = |key: &str| -> Option<String> {
            let value = self.config(key).ok()??;
            let value = value.trim();
            (!value.is_empty()).then(|| value.to_owned())
        };
        Some(format!("{} <{}>", get("user.name")?, get("user.email")?))
    }

    /// `git status` of the working tree: `HEAD` and the changed and
    /// untracked files (ignored files excluded, renames as two files). Takes
    /// no optional lock (`GIT_OPTIONAL_LOCKS=0`), so it never competes with
    /// a git command running at the same time.
    pub(crate) fn status(&self) -> Result<Status, GitError> {
        let args = [
            "status",
            "--porcelain=v2",
            "--branch",
            "-z",
            "--untracked-files=all",
            "--no-renames",
        ];
        let out = self
            .command(&args)
            .env("GIT_OPTIONAL_LOCKS", "0")
            .output()
            .map_err(GitError::Spawn)?;
        Ok(parse_status(&check(&args, out)?))
    }

    /// Reads many blobs (`<rev>:<path>`, `:<path>` for the index, object
    /// names) through one `git cat-file --batch`. `None` for missing ones
    /// and for objects that are not blobs (a folder, a commit).
    pub fn read_objects(&self, specs: &[String]) -> Result<Vec<Option<Vec<u8>>>, GitError> {
        self.batch(specs, |r, size| {
            let mut body = vec![0; size];
            r.read_exact(&mut body)?;
            Ok(body)
        })
    }

    /// Like [`Git::read_objects`], but an object over `max` bytes is skipped
    /// unread (streamed past, never held): `Err(size)` in its place.
    pub(crate) fn read_objects_max(
        &self,
        specs: &[String],
        max: usize,
    ) -> Result<Vec<Option<Capped>>, GitError> {
        self.batch(specs, move |r, size| read_capped(r, size, max))
    }

    /// A [`LineCounter`] for many questions, one `git cat-file` for them
    /// all (started at the first).
    pub(crate) fn line_counter(&self) -> LineCounter<'_> {
        LineCounter::new(self)
    }

    /// Like [`Git::read_objects_max`], but the objects are read one at a
    /// time as the caller iterates, in order: one `git cat-file --batch` for
    /// all of them, and only the current object held however many there are.
    pub(crate) fn objects_max(
        &self,
        specs: &[String],
        max: usize,
    ) -> Result<Objects<Capped>, GitError> {
        self.objects(specs, move |r, size| read_capped(r, size, max))
    }

    /// Runs `git cat-file --batch` over `specs`; `each(reader, size)` must
    /// consume exactly `size` bytes of the object's content. A name asked
    /// twice is read once.
    fn batch<T: Clone>(
        &self,
        specs: &[String],
        each: impl FnMut(&mut BufReader<ChildStdout>, usize) -> std::io::Result<T> + 'static,
    ) -> Result<Vec<Option<T>>, GitError> {
        let (mut objects, names) = self.started(specs, each)?;
        let (unique, at) = distinct(&names);
        objects.ask(&unique);
        let answers: Vec<Option<T>> = objects.collect::<Result<_, _>>()?;
        Ok(at.into_iter().map(|i| answers[i].clone()).collect())
    }

    /// The objects of `specs` through one `git cat-file --batch`, read as
    /// the caller iterates (see [`Objects`]).
    fn objects<T>(
        &self,
        specs: &[String],
        each: impl FnMut(&mut BufReader<ChildStdout>, usize) -> std::io::Result<T> + 'static,
    ) -> Result<Objects<T>, GitError> {
        let (mut objects, names) = self.started(specs, each)?;
        objects.ask(&names);
        Ok(objects)
    }

    /// A `git cat-file --batch` for `specs`, none asked yet, and the name
    /// to ask for each of them.
    fn started<T>(
        &self,
        specs: &[String],
        each: impl FnMut(&mut BufReader<ChildStdout>, usize) -> std::io::Result<T> + 'static,
    ) -> Result<(Objects<T>, Vec<String>), GitError> {
        if specs.is_empty() {
            let objects = Objects {
                process: None,
                left: 0,
                each: Box::new(each),
                header: Vec::new(),
            };
            return Ok((objects, Vec::new()));
        }
        let args = ["cat-file", "--batch"];
        let (mut child, mut stdin, stdout) = self.piped(&args)?;
        let mut reader = BufReader::with_capacity(1 << 16, stdout);
        // Many `REV:PATH` names: resolved to object names through the trees,
        // each tree read once, in the same process (see [`TreeWalk`]).
        let resolved = if specs.iter().filter(|s| walkable(s).is_some()).count() >= WALK_FROM {
            let mut shared = SharedTrees::default();
            let mut walk = TreeWalk::new(&mut stdin, &mut reader, &self.resolved, &mut shared);
            // Revision by revision: one revision's trees are held, and the
            // small folders' trees of those before (for this batch only).
            let mut order: Vec<usize> = (0..specs.len()).collect();
            order.sort_by_cached_key(|&i| walkable(&specs[i]).map(|(rev, _)| rev));
            let mut out = vec![String::new(); specs.len()];
            let mut result = Ok(());
            for i in order {
                match walk.resolve(&specs[i]) {
                    Ok(name) => out[i] = name,
                    Err(e) => {
                        result = Err(e);
                        break;
                    }
                }
            }
            match result.map(|()| out) {
                Ok(r) => Some(r),
                Err(e) => {
                    let _ = child.kill();
                    let _ = child.wait();
                    return Err(GitError::Parse {
                        args: args.join(" "),
                        detail: e.to_string(),
                    });
                }
            }
        } else {
            None
        };
        let names: Vec<String> = resolved.unwrap_or_else(|| specs.to_vec());
        Ok((Objects::over(child, stdin, reader, Box::new(each)), names))
    }

    /// [`Git::objects_max`] for a caller that asks for the objects a batch
    /// at a time ([`Objects::ask`]) as it goes: one `git cat-file --batch`
    /// for them all (one process, not one per batch), fed on another
    /// thread while the caller reads.
    pub(crate) fn object_stream(&self, max: usize) -> Result<Objects<Capped>, GitError> {
        let (child, stdin, stdout) = self.piped(&["cat-file", "--batch"])?;
        let reader = BufReader::with_capacity(1 << 16, stdout);
        let each = move |r: &mut BufReader<ChildStdout>, size| read_capped(r, size, max);
        Ok(Objects::over(child, stdin, reader, Box::new(each)))
    }

    /// Files whose staged content differs from `HEAD`, with both blob names
    /// (deletions excluded; a renamed file names its old path). Works on an
    /// unborn branch.
    pub(crate) fn staged_changes(&self) -> Result<Vec<Change>, GitError> {
        Ok(self.staged_changes_and_deletions()?.0)
    }

    /// [`Git::staged_changes`], and the paths the index deletes.
    pub(crate) fn staged_changes_and_deletions(
        &self,
    ) -> Result<(Vec<Change>, Vec<String>), GitError> {
        let out = self.run(&[
            "diff",
            "--cached",
            "--no-color",
            "--raw",
            "-z",
            "--no-abbrev",
            "-M",
            "--no-ext-diff",
            "--ignore-submodules",
        ])?;
        Ok(parse_raw_and_deletions(&out))
    }

    /// Files a commit changed relative to its first parent (all files of a
    /// root commit), with both blob names; deletions excluded, renames named.
    pub(crate) fn commit_changes(&self, commit: &str) -> Result<Vec<Change>, GitError> {
        let changes = self.diff_tree(&[
            "--root",
            "-M",
            "--diff-filter=d",
            "-m",
            "--first-parent",
            commit,
        ])?;
        // For a merge, diff-tree lists the diff against every parent, the
        // first parent's first: keep that one.
        let mut seen = std::collections::HashSet::new();
        Ok(changes
            .into_iter()
            .filter(|c| seen.insert(c.path.clone()))
            .collect())
    }

    /// Files renamed between two commits, as `(old path, new path)`.
    pub(crate) fn renames_between(
        &self,
        from: &str,
        to: &str,
    ) -> Result<Vec<(String, String)>, GitError> {
        Ok(self
            .diff_tree(&["-M", "--diff-filter=R", from, to])?
            .into_iter()
            .filter_map(|c| Some((c.from?, c.path)))
            .collect())
    }
}

impl Git {
    /// Files that differ between two trees (`from` `None`: the empty tree),
    /// with both blob names; deletions excluded.
    pub(crate) fn tree_changes(
        &self,
        from: Option<&str>,
        to: &str,
    ) -> Result<Vec<Change>, GitError> {
        let empty;
        let from = match from {
            Some(f) => f,
            None => {
                empty = self
                    .run_input(&["hash-object", "-t", "tree", "--stdin"], b"")
                    .map(|o| String::from_utf8_lossy(&o).trim().to_owned())?;
                &empty
            }
        };
        self.diff_tree(&["--no-renames", "--diff-filter=d", from, to, "--"])
    }

    /// For each `(from, to)` of commits named by full object name, the
    /// entries that differ (content, mode or kind), each path with its
    /// object before and after (`None`: absent), from one `git diff-tree
    /// --stdin`: folders whose tree is the same on both sides are not read,
    /// where resolving `REV:PATH` names reads each revision's folders whole.
    /// `None` when the answer cannot be told apart by `to` (a `to` given
    /// twice, or not a full object name) or git refuses one.
    pub(crate) fn changes_between(
        &self,
        pairs: &[(String, String)],
    ) -> Result<Option<Vec<TreeChanges>>, GitError> {
        let mut pair_of: HashMap<&str, usize> = HashMap::new();
        let mut input = String::new();
        for (i, (from, to)) in pairs.iter().enumerate() {
            if !is_object_name(from) || !is_object_name(to) || pair_of.insert(to, i).is_some() {
                return Ok(None);
            }
            // `<commit> <parent>`: the commit against the parent given.
            input.push_str(&format!("{to} {from}\n"));
        }
        let args = [
            "diff-tree",
            "--stdin",
            "-r",
            "--raw",
            "-z",
            "--no-abbrev",
            "--no-renames",
            "--no-color",
        ];
        let Ok(out) = self.run_input(&args, input.as_bytes()) else {
            return Ok(None);
        };
        // `<to>\0` before the entries of each diff that has any, each entry
        // `:<mode> <mode> <object> <object> <status>\0<path>\0`.
        let mut changes = vec![TreeChanges::new(); pairs.len()];
        let mut current: Option<usize> = None;
        let mut tokens = out.split(|b| *b == 0).filter(|t| !t.is_empty());
        let object = |o: Option<&str>| {
            o.filter(|o| !o.bytes().all(|b| b == b'0'))
                .map(str::to_owned)
        };
        while let Some(token) = tokens.next() {
            if let Some(meta) = token.strip_prefix(b":") {
                let (Some(i), Some(path)) = (current, tokens.next()) else {
                    return Ok(None);
                };
                let meta = String::from_utf8_lossy(meta);
                let mut fields = meta.split(' ').skip(2);
                let before = object(fields.next());
                let after = object(fields.next());
                changes[i].insert(String::from_utf8_lossy(path).into_owned(), (before, after));
            } else {
                let header = String::from_utf8_lossy(token);
                let Some(&i) = pair_of.get(header.trim()) else {
                    return Ok(None);
                };
                current = Some(i);
            }
        }
        Ok(Some(changes))
    }

    /// `git diff-tree -r --raw -z --no-abbrev` (no commit ids, no colour)
    /// with `args`, parsed.
    fn diff_tree(&self, args: &[&str]) -> Result<Vec<Change>, GitError> {
        let mut all = vec![
            "diff-tree",
            "-r",
            "--no-commit-id",
            "--no-color",
            "--raw",
            "-z",
            "--no-abbrev",
        ];
        all.extend_from_slice(args);
        Ok(parse_raw(&self.run(&all)?))
    }
}

/// The lines of an object of `size` bytes streaming past in `r` (a last
/// line without a line break counts; an empty object has none).
fn count_lines(r: &mut BufReader<ChildStdout>, size: usize) -> std::io::Result<usize> {
    let mut left = size;
    let mut lines = 0;
    let mut last = b'\n';
    while left > 0 {
        let buf = r.fill_buf()?;
        if buf.is_empty() {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let n = buf.len().min(left);
        lines += buf[..n].iter().filter(|&&b| b == b'\n').count();
        last = buf[n - 1];
        r.consume(n);
        left -= n;
    }
    Ok(lines + usize::from(last != b'\n'))
}

/// The distinct names of `names` in their first order, and where each of
/// `names` is among them.
fn distinct(names: &[String]) -> (Vec<String>, Vec<usize>) {
    let mut unique: Vec<String> = Vec::new();
    let mut seen: HashMap<&str, usize> = HashMap::with_capacity(names.len());
    let at = names
        .iter()
        .map(|n| {
            *seen.entry(n.as_str()).or_insert_with(|| {
                unique.push(n.clone());
                unique.len() - 1
            })
        })
        .collect();
    (unique, at)
}

/// From this many `REV:PATH` names on, a batch resolves them itself.
const WALK_FROM: usize = 8;

/// `(rev, path components)` of a `REV:PATH` name that [`TreeWalk`] can
/// resolve: a revision, then a plain path (no `.`, `..` or empty part, no
/// leading `/`, no line break); other names are left to git as they are.
fn walkable(spec: &str) -> Option<(&str, Vec<&str>)> {
    let (rev, path) = spec.split_once(':')?;
    // A revision with `@{…}` (a time may hold a colon) is left to git.
    if rev.is_empty()
        || rev.contains(['@', '{', '}', ' '])
        || path.is_empty()
        || spec.contains(['\n', '\r'])
    {
        return None;
    }
    walkable_path(path).map(|parts| (rev, parts))
}

/// The components of a plain path a [`TreeWalk`] can follow (no `.`,
/// `..` or empty part, no leading `/`, no line break).
fn walkable_path(path: &str) -> Option<Vec<&str>> {
    if path.is_empty() || path.contains(['\n', '\r']) {
        return None;
    }
    let parts: Vec<&str> = path.split('/').collect();
    parts
        .iter()
        .all(|p| !p.is_empty() && *p != "." && *p != "..")
        .then_some(parts)
}

/// Resolves `REV:PATH` names to object names by reading the trees along
/// each path through the batch process itself (requests answered one at a
/// time; `cat-file --batch` flushes after each object), each tree once.
/// `git cat-file` given `REV:PATH` reads every tree on the path again for
/// each name: on a folder of 3,000 files (a 100 KB tree), a hundred names
/// cost a hundred inflations of it. Same answers: a path through a
/// non-folder, or to nothing, is missing; the entry's object otherwise.
struct TreeWalk<'a> {
    stdin: &'a mut std::process::ChildStdin,
    reader: &'a mut BufReader<ChildStdout>,
    /// The root tree of the revision being resolved (`None`: not a tree-ish).
    roots: HashMap<String, Option<String>>,
    /// Each of its trees read, indexed by entry name.
    trees: HashMap<String, std::rc::Rc<Tree>>,
    /// Small trees of the revisions before (most folders of a commit are
    /// its parent's too): kept by the walk's owner for its next walks.
    shared: &'a mut SharedTrees,
    /// Names resolved before, of revisions given by full object name.
    known: &'a Mutex<HashMap<String, String>>,
}

/// Whether `rev` is a full object name (SHA-1 or SHA-256, in hex), which
/// names the same object for ever, unlike a ref or an abbreviation.
fn is_object_name(rev: &str) -> bool {
    matches!(rev.len(), 40 | 64) && rev.bytes().all(|b| b.is_ascii_hexdigit())
}

/// What a name that cannot exist is asked as (a batch answers `missing`).
pub(crate) const MISSING: &str = "\u{1}missing";

impl<'a> TreeWalk<'a> {
    fn new(
        stdin: &'a mut std::process::ChildStdin,
        reader: &'a mut BufReader<ChildStdout>,
        known: &'a Mutex<HashMap<String, String>>,
        shared: &'a mut SharedTrees,
    ) -> TreeWalk<'a> {
        TreeWalk {
            stdin,
            reader,
            roots: HashMap::new(),
            trees: HashMap::new(),
            shared,
            known,
        }
    }

    /// The name to ask for in place of `spec`.
    fn resolve(&mut self, spec: &str) -> std::io::Result<String> {
        let Some((rev, parts)) = walkable(spec) else {
            return Ok(spec.to_owned());
        };
        let fixed = is_object_name(rev);
        if fixed && let Some(name) = self.known().get(spec) {
            return Ok(name.clone());
        }
        let Some(name) = self.walk(rev, &parts)? else {
            return Ok(spec.to_owned());
        };
        if fixed {
            let mut known = self.known();
            if known.len() >= MAX_RESOLVED {
                known.clear();
            }
            known.insert(spec.to_owned(), name.clone());
        }
        Ok(name)
    }

    /// The names resolved before (a panic elsewhere leaves them valid).
    fn known(&self) -> MutexGuard<'a, HashMap<String, String>> {
        self.known.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The object `parts` names in `rev`'s tree, through the trees;
    /// `None` where a tree on the way is one git may read otherwise (see
    /// [`Tree::odd`]): the caller asks git for `REV:PATH` itself then.
    fn walk(&mut self, rev: &str, parts: &[&str]) -> std::io::Result<Option<String>> {
        if !self.roots.contains_key(rev) {
            // Another revision: its trees are read afresh, but for the
            // small ones kept from the revisions before.
            self.pass_on();
            // The answer holds the root tree's content: kept, not asked again.
            let root = self.ask(&format!("{rev}^{{tree}}"))?.map(|(oid, body)| {
                let tree = Tree::new(body, oid.len() / 2);
                self.trees.insert(oid.clone(), std::rc::Rc::new(tree));
                oid
            });
            self.roots.insert(rev.to_owned(), root);
        }
        let missing = || Ok(Some(MISSING.to_owned()));
        let Some(mut tree) = self.roots.get(rev).cloned().flatten() else {
            return missing();
        };
        for (i, part) in parts.iter().enumerate() {
            let body = self.tree(&tree)?;
            if body.odd {
                return Ok(None);
            }
            let Some((mode, oid)) = body.entry(part.as_bytes()) else {
                return missing();
            };
            let kind = mode & 0o170000;
            if i + 1 == parts.len() {
                // A submodule's commit is not in this repository.
                return if kind == 0o160000 {
                    missing()
                } else {
                    Ok(Some(oid))
                };
            }
            if kind != 0o040000 {
                return missing();
            }
            tree = oid;
        }
        missing()
    }

    /// Tree `oid`, read and indexed once.
    fn tree(&mut self, oid: &str) -> std::io::Result<std::rc::Rc<Tree>> {
        if let Some(t) = self.trees.get(oid).or_else(|| self.shared.trees.get(oid)) {
            return Ok(t.clone());
        }
        let body = self.ask(oid)?.map(|(_, b)| b).unwrap_or_default();
        let tree = std::rc::Rc::new(Tree::new(body, oid.len() / 2));
        self.trees.insert(oid.to_owned(), tree.clone());
        Ok(tree)
    }

    /// Asks for one object and reads the answer: `(object name, content)`
    /// of a tree, `None` for anything else.
    fn ask(&mut self, name: &str) -> std::io::Result<Option<(String, Vec<u8>)>> {
        self.stdin.write_all(name.as_bytes())?;
        self.stdin.write_all(b"\n")?;
        self.stdin.flush()?;
        let mut header = Vec::new();
        if self.reader.read_until(b'\n', &mut header)? == 0 {
            // git's output ended before it answered: not a missing object.
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
        let line = String::from_utf8_lossy(&header);
        let mut fields = line.trim_end().split(' ');
        let (Some(oid), Some(kind), Some(size)) = (fields.next(), fields.next(), fields.next())
        else {
            return Ok(None); // `<name> missing`, `<name> ambiguous`
        };
        let size: usize = size
            .parse()
            .map_err(|_| std::io::Error::other(format!("bad header `{}`", line.trim_end())))?;
        let mut body = vec![0; size + 1];
        self.reader.read_exact(&mut body)?;
        body.pop(); // the line break after the content
        Ok((kind == "tree").then(|| (oid.to_owned(), body)))
    }
}

impl TreeWalk<'_> {
    /// Done with the revision: its folders' small trees are kept for the
    /// next ones (not its root tree, which is another at every commit).
    fn pass_on(&mut self) {
        let roots: Vec<String> = self.roots.drain().filter_map(|(_, r)| r).collect();
        for (oid, tree) in self.trees.drain() {
            if !roots.contains(&oid) {
                self.shared.keep(oid, tree);
            }
        }
    }
}

impl Drop for TreeWalk<'_> {
    fn drop(&mut self) {
        // The last revision's, for the owner's next walk.
        self.pass_on();
    }
}

/// Trees a [`TreeWalk`] read for earlier revisions, for the walks after:
/// those of at most [`SHARED_TREE_BYTES`] each, [`SHARED_TREES_BYTES`] in
/// all (then it starts afresh). A folder's tree is the same object at
/// every commit that did not change the folder, so walking a range's
/// commits one after another reads each folder again only where it
/// changed.
#[derive(Default)]
pub(crate) struct SharedTrees {
    trees: HashMap<String, std::rc::Rc<Tree>>,
    bytes: usize,
}

/// A tree kept across revisions is at most this large (a folder of a few
/// hundred files; a larger one changes at most commits).
const SHARED_TREE_BYTES: usize = 16 << 10;
/// The trees kept across revisions, in all.
const SHARED_TREES_BYTES: usize = 2 << 20;

impl SharedTrees {
    fn keep(&mut self, oid: String, tree: std::rc::Rc<Tree>) {
        let size = tree.body.len()
            + tree.entries.len() * std::mem::size_of::<TreeEntry>()
            + std::mem::size_of::<Tree>()
            + oid.len();
        if size > SHARED_TREE_BYTES || self.trees.contains_key(&oid) {
            return;
        }
        if self.bytes + size > SHARED_TREES_BYTES {
            self.trees.clear();
            self.bytes = 0;
        }
        self.bytes += size;
        self.trees.insert(oid, tree);
    }
}

/// A tree object (`<mode> <name>\0<raw object name>` per entry) with its
/// entries listed, so finding one costs a binary search: a
/// revision's folder of 3,000 files is asked for a hundred names per note,
/// and scanning its 100 KB for each made reading a range's notes grow with
/// notes times files.
struct Tree {
    body: Vec<u8>,
    /// Each entry's mode and where its name is in `body` (its raw object
    /// name follows the name's `\0`), in the tree's order. A malformed
    /// entry ends the list.
    entries: Vec<TreeEntry>,
    /// Bytes of a raw object name (20 for SHA-1, 32 for SHA-256).
    raw_len: usize,
    /// A tree git may read otherwise than a lookup by name here: entries
    /// out of git's order or named twice (git's own lookup stops at the
    /// first name past the one it seeks), a name that is empty or holds a
    /// `/` (git matches such a name against the rest of the path), a mode
    /// that is not octal, or bytes after the last whole entry. Paths
    /// through it are left to git.
    odd: bool,
}

struct TreeEntry {
    /// The mode's bits (git writes it in octal, a folder as `40000`).
    mode: u32,
    name: std::ops::Range<usize>,
}

impl Tree {
    fn new(body: Vec<u8>, raw_len: usize) -> Tree {
        let mut entries: Vec<TreeEntry> = Vec::new();
        let mut odd = false;
        let mut at = 0;
        while let Some(space) = body[at..].iter().position(|b| *b == b' ') {
            let name_at = at + space + 1;
            let Some(nul) = body[name_at..].iter().position(|b| *b == 0) else {
                break;
            };
            let name_end = name_at + nul;
            let next = name_end + 1 + raw_len;
            if next > body.len() {
                break;
            }
            let mode = octal(&body[at..at + space]);
            let name = &body[name_at..name_end];
            odd |= mode.is_none() || name.is_empty() || name.contains(&b'/');
            let entry = TreeEntry {
                mode: mode.unwrap_or(0),
                name: name_at..name_end,
            };
            if let Some(last) = entries.last() {
                let name = &body[entry.name.clone()];
                odd |= git_order(&body, last, name, is_folder(entry.mode)) != Ordering::Less;
            }
            entries.push(entry);
            at = next;
        }
        odd |= at != body.len();
        Tree {
            body,
            entries,
            raw_len,
            odd,
        }
    }

    /// The entry called `name` (in a tree that is not [`Tree::odd`]): its
    /// mode's bits and object name (hex). The entries are in git's order,
    /// where a folder sorts as its name and `/`: looked for as a file,
    /// then as a folder.
    fn entry(&self, name: &[u8]) -> Option<(u32, String)> {
        [false, true].into_iter().find_map(|folder| {
            let at = self
                .entries
                .partition_point(|e| git_order(&self.body, e, name, folder) == Ordering::Less);
            let e = self.entries.get(at)?;
            (&self.body[e.name.clone()] == name && is_folder(e.mode) == folder).then(|| {
                let raw = &self.body[e.name.end + 1..e.name.end + 1 + self.raw_len];
                (e.mode, base16ct::lower::encode_string(raw))
            })
        })
    }
}

/// Whether a tree entry's mode is a folder's.
fn is_folder(mode: u32) -> bool {
    mode & 0o170000 == 0o040000
}

/// A mode as git writes it (octal digits), `None` for anything else.
fn octal(digits: &[u8]) -> Option<u32> {
    if digits.is_empty() || digits.len() > 7 {
        return None;
    }
    digits.iter().try_fold(0u32, |m, d| match d {
        b'0'..=b'7' => Some(m * 8 + u32::from(d - b'0')),
        _ => None,
    })
}

/// How git orders entry `a` of a tree against an entry called `name`
/// (a folder or not): by name, a folder's read as if it ended with `/`.
fn git_order(body: &[u8], a: &TreeEntry, name: &[u8], folder: bool) -> Ordering {
    let x = &body[a.name.clone()];
    let n = x.len().min(name.len());
    let end = |folder: bool| if folder { b'/' } else { 0 };
    x[..n].cmp(&name[..n]).then_with(|| {
        let c1 = x.get(n).copied().unwrap_or_else(|| end(is_folder(a.mode)));
        let c2 = name.get(n).copied().unwrap_or_else(|| end(folder));
        c1.cmp(&c2)
    })
}

/// Objects read one at a time from a `git cat-file --batch` ([`Git::objects_max`]):
/// each item is `None` for a missing object. Dropped before the end, it
/// stops git.
pub(crate) struct Objects<T> {
    process: Option<BatchProcess>,
    /// Objects not read yet.
    left: usize,
    each: ReadObject<T>,
    header: Vec<u8>,
}

/// Reads one object's content of the given size from git's output.
type ReadObject<T> = Box<dyn FnMut(&mut BufReader<ChildStdout>, usize) -> std::io::Result<T>>;

struct BatchProcess {
    child: Child,
    reader: BufReader<ChildStdout>,
    /// Requests for the writer ([`Objects::ask`]); dropped to end git's input.
    asks: Option<mpsc::Sender<String>>,
    writer: Option<JoinHandle<std::io::Result<()>>>,
}

impl<T> Objects<T> {
    /// Objects read from `child`, a `git cat-file --batch` whose input a
    /// thread writes as they are asked for; none asked yet.
    fn over(
        child: Child,
        mut stdin: ChildStdin,
        reader: BufReader<ChildStdout>,
        each: ReadObject<T>,
    ) -> Objects<T> {
        let (asks, requests) = mpsc::channel::<String>();
        let writer = std::thread::spawn(move || {
            for request in requests {
                stdin.write_all(request.as_bytes())?;
            }
            Ok(())
        });
        Objects {
            process: Some(BatchProcess {
                child,
                reader,
                asks: Some(asks),
                writer: Some(writer),
            }),
            left: 0,
            each,
            header: Vec::new(),
        }
    }

    /// Asks git for `specs` too: the iterator then reads them, in order,
    /// after the objects asked before.
    pub(crate) fn ask(&mut self, specs: &[String]) {
        if specs.is_empty() {
            return;
        }
        // A name with a line break cannot be asked for; ask for an impossible one instead.
        let mut request = String::with_capacity(specs.len() * 41);
        for s in specs {
            let s = if s.contains(['\n', '\r']) { MISSING } else { s };
            request.push_str(s);
            request.push('\n');
        }
        // Not sent (its writer failed: git stopped): reading them then
        // meets the end of git's output, an error.
        if let Some(asks) = self.process.as_ref().and_then(|p| p.asks.as_ref()) {
            let _ = asks.send(request);
        }
        self.left += specs.len();
    }

    fn read_one(&mut self) -> Result<Option<T>, GitError> {
        let Some(p) = self.process.as_mut() else {
            return Err(GitError::Parse {
                args: "cat-file --batch".into(),
                detail: "no process".into(),
            });
        };
        read_answer(&mut p.reader, &mut self.header, &mut self.each)
    }
}

/// Reads the next answer of a `git cat-file --batch`: `None` for a missing
/// (or ambiguous) object and for one that is not a blob (a tree or a
/// commit holds no file's text: streamed past); else `each(reader, size)`,
/// which consumes the content. `header` is a buffer to reuse.
fn read_answer<T>(
    reader: &mut BufReader<ChildStdout>,
    header: &mut Vec<u8>,
    each: &mut dyn FnMut(&mut BufReader<ChildStdout>, usize) -> std::io::Result<T>,
) -> Result<Option<T>, GitError> {
    let parse_err = |detail: String| GitError::Parse {
        args: "cat-file --batch".into(),
        detail,
    };
    header.clear();
    let read = reader
        .read_until(b'\n', header)
        .map_err(|e| parse_err(e.to_string()))?;
    // git's output ended with objects still asked for: it stopped
    // (killed, or a broken repository), and what it did not answer is
    // not "missing".
    if read == 0 {
        return Err(parse_err("git stopped before answering".into()));
    }
    let line = String::from_utf8_lossy(header);
    let line = line.trim_end();
    if line.ends_with(" missing") || line.ends_with(" ambiguous") || line.is_empty() {
        return Ok(None);
    }
    // `<oid> <type> <size>`
    let mut fields = line.rsplit(' ');
    let size: usize = fields
        .next()
        .and_then(|s| s.parse().ok())
        .ok_or_else(|| parse_err(format!("bad header `{line}`")))?;
    let object = if fields.next() == Some("blob") {
        Some(each(reader, size).map_err(|e| parse_err(e.to_string()))?)
    } else {
        std::io::copy(&mut reader.take(size as u64), &mut std::io::sink())
            .map_err(|e| parse_err(e.to_string()))?;
        None
    };
    // The line break after the content.
    let mut lf = [0u8; 1];
    reader
        .read_exact(&mut lf)
        .map_err(|e| parse_err(e.to_string()))?;
    Ok(object)
}

impl<T> Iterator for Objects<T> {
    type Item = Result<Option<T>, GitError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.left == 0 {
            return None;
        }
        let item = self.read_one();
        // After an error the stream is out of step: nothing more is read.
        self.left = if item.is_ok() { self.left - 1 } else { 0 };
        Some(item)
    }
}

impl<T> Drop for Objects<T> {
    fn drop(&mut self) {
        let Some(mut p) = self.process.take() else {
            return;
        };
        if self.left > 0 {
            // Stopped early: git would wait on a full pipe, the writer on git.
            let _ = p.child.kill();
        }
        // The end of git's input: the writer, then git, finish.
        drop(p.asks.take());
        drop(p.reader);
        if let Some(w) = p.writer.take() {
            let _ = w.join();
        }
        let _ = p.child.wait();
    }
}

fn check(args: &[&str], out: Output) -> Result<Vec<u8>, GitError> {
    if out.status.success() {
        Ok(out.stdout)
    } else {
        let stderr = String::from_utf8_lossy(&out.stderr);
        let message = stderr.trim();
        Err(GitError::Failed {
            args: args.join(" "),
            message: if message.is_empty() {
                format!("exit status {}", out.status)
            } else {
                message.replace('\n', " ")
            },
        })
    }
}

/// `git status` of a working tree.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct Status {
    /// The commit `HEAD` names, `None` before the first commit.
    pub(crate) head: Option<String>,
    /// Changed or untracked files (repository-relative, `/`-separated).
    pub(crate) changed: Vec<String>,
}

/// Parses `git status --porcelain=v2 --branch -z`.
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

/// Entries that differ between two trees: path -> (object before, object
/// after), `None` where the path is absent.
pub(crate) type TreeChanges = HashMap<String, (Option<String>, Option<String>)>;

/// One changed file of a `--raw` diff.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Change {
    pub(crate) path: String,
    /// The path the file had before, when git found it renamed.
    pub(crate) from: Option<String>,
    /// The blob before (`None` for an added file).
    pub(crate) old: Option<String>,
    /// The blob after.
    pub(crate) new: String,
}

/// Parses `--raw -z` output: `:m1 m2 sha1 sha2 S\0path\0` per file, and
/// `:m1 m2 sha1 sha2 R<score>\0old\0new\0` for a rename or copy.
/// Deletions (no new file) are left out, as are symlinks and submodules.
pub(crate) fn parse_raw(out: &[u8]) -> Vec<Change> {
    parse_raw_and_deletions(out).0
}

/// [`parse_raw`], and the paths the diff deletes.
fn parse_raw_and_deletions(out: &[u8]) -> (Vec<Change>, Vec<String>) {
    let mut parts = out.split(|b| *b == 0);
    let mut changes = Vec::new();
    let mut deleted = Vec::new();
    while let (Some(meta), Some(first)) = (parts.next(), parts.next()) {
        let meta = String::from_utf8_lossy(meta);
        let fields: Vec<&str> = meta.trim_start_matches(':').split(' ').collect();
        let two_paths = fields
            .get(4)
            .is_some_and(|s| s.starts_with('R') || s.starts_with('C'));
        let (from, path) = if two_paths {
            let Some(second) = parts.next() else { break };
            (Some(String::from_utf8_lossy(first).into_owned()), second)
        } else {
            (None, first)
        };
        let (Some(old), Some(new)) = (fields.get(2), fields.get(3)) else {
            continue;
        };
        if fields.get(4).is_some_and(|s| s.starts_with('D')) {
            deleted.push(String::from_utf8_lossy(path).into_owned());
            continue;
        }
        // Submodules (mode 160000) and symlinks (120000) hold no text to attribute.
        if fields
            .get(1)
            .is_some_and(|m| *m != "100644" && *m != "100755")
        {
            continue;
        }
        let is_null = |s: &str| s.bytes().all(|b| b == b'0');
        changes.push(Change {
            path: String::from_utf8_lossy(path).into_owned(),
            from,
            old: (!is_null(old)).then(|| (*old).to_owned()),
            new: (*new).to_owned(),
        });
    }
    (changes, deleted)
}

/// Whether `text`, a file's content on disk that git lists as changed
/// against `blob` (its blob at `HEAD`, or in the index), is that very blob:
/// git compared stat data only (the file was copied or touched). A text
/// holding a carriage return never is: git may convert its line ends when
/// it stages it.
pub(crate) fn listed_but_unchanged(text: &str, blob: &str) -> bool {
    !text.contains('\r') && sha1_blob_id(text.as_bytes()) == blob
}

/// The object name git gives a blob holding `content` in a SHA-1
/// repository (`git hash-object`), so unchanged text need not be read back.
pub fn sha1_blob_id(content: &[u8]) -> String {
    use sha1::{Digest, Sha1};
    let mut hasher = Sha1::new();
    hasher.update(format!("blob {}\0", content.len()));
    hasher.update(content);
    base16ct::lower::encode_string(&hasher.finalize())
}

/// The git executable: the first `git` on `PATH` in an absolute folder,
/// looked up once per process (a spawn by name tries each folder before
/// it in turn: a hook starting twenty git processes paid that twenty
/// times). A relative `PATH` entry is skipped, so that no `git` in the
/// repository is ever run; with none found, `git` is left to the system.
fn git_program() -> &'static Path {
    static PROGRAM: OnceLock<PathBuf> = OnceLock::new();
    PROGRAM.get_or_init(|| {
        std::env::var_os("PATH")
            .and_then(|paths| on_path(&paths, "git"))
            .unwrap_or_else(|| PathBuf::from("git"))
    })
}

/// The first executable `name` in the absolute folders of `paths` (a
/// `PATH` value).
fn on_path(paths: &std::ffi::OsStr, name: &str) -> Option<PathBuf> {
    std::env::split_paths(paths)
        .filter(|dir| dir.is_absolute())
        .map(|dir| dir.join(name))
        .find(|path| is_executable(path))
}

/// Whether `path` is a file someone may run.
fn is_executable(path: &Path) -> bool {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        std::fs::metadata(path).is_ok_and(|m| m.is_file() && m.permissions().mode() & 0o111 != 0)
    }
    #[cfg(not(unix))]
    {
        path.is_file()
    }
}

/// Splits NUL-terminated output into strings (lossy UTF-8).
pub(crate) fn split_z(bytes: &[u8]) -> Vec<String> {
    bytes
        .split(|b| *b == 0)
        .filter(|s| !s.is_empty())
        .map(|s| String::from_utf8_lossy(s).into_owned())
        .collect()
}

/// Reads a file in the git directory (e.g. `CHERRY_PICK_HEAD`), trimmed.
pub(crate) fn read_git_file(path: &Path) -> Option<String> {
    std::fs::read_to_string(path)
        .ok()
        .map(|s| s.trim().to_owned())
        .filter(|s| !s.is_empty())
}

/// One line of `git blame --porcelain`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct BlameLine {
    /// The commit that last changed the line ([`NULL_SHA`] when uncommitted).
    pub(crate) commit: String,
    /// 1-based line number in that commit's version of the file.
    pub(crate) orig_line: usize,
    /// The file's path in that commit.
    pub(crate) orig_path: String,
    /// The line's text, without its line break.
    pub(crate) text: String,
}

impl Git {
    /// `git blame --porcelain` of the working-tree file `path`.
    pub(crate) fn blame(&self, path: &str) -> Result<Vec<BlameLine>, GitError> {
        let args = ["blame", "--porcelain", "--", path];
        let out = self.run(&args)?;
        parse_porcelain(&out).map_err(|detail| GitError::Parse {
            args: args.join(" "),
            detail,
        })
    }
}

fn parse_porcelain(out: &[u8]) -> Result<Vec<BlameLine>, String> {
    let mut lines = Vec::new();
    let mut paths: HashMap<String, String> = HashMap::new();
    let mut current: Option<(String, usize)> = None;
    for raw in out.split(|b| *b == b'\n') {
        if let Some(text) = raw.strip_prefix(b"\t") {
            let (commit, orig_line) = current
                .take()
                .ok_or_else(|| "content line without a header".to_owned())?;
            let orig_path = paths.get(&commit).cloned().unwrap_or_default();
            let text = String::from_utf8_lossy(text);
            lines.push(BlameLine {
                commit,
                orig_line,
                orig_path,
                text: text.trim_end_matches('\r').to_owned(),
            });
            continue;
        }
        let line = String::from_utf8_lossy(raw);
        if let Some(name) = line.strip_prefix("filename ") {
            if let Some((commit, _)) = &current {
                paths.insert(commit.clone(), name.to_owned());
            }
            continue;
        }
        if current.is_none() {
            let mut parts = line.split(' ');
            if let (Some(sha), Some(orig)) = (parts.next(), parts.next())
                && sha.len() >= 40
                && sha.bytes().all(|b| b.is_ascii_hexdigit())
            {
                let orig = orig.parse().map_err(|_| format!("bad header `{line}`"))?;
                current = Some((sha.to_owned(), orig));
            }
        }
    }
    Ok(lines)
}

/// One object's `size` bytes from `r`: its content, or `Err(size)` when it is
/// over `max` bytes (streamed past, never held).
fn read_capped(r: &mut impl BufRead, size: usize, max: usize) -> std::io::Result<Capped> {
    if size > max {
        std::io::copy(&mut r.take(size as u64), &mut std::io::sink())?;
        return Ok(Err(size));
    }
    let mut body = vec![0; size];
    r.read_exact(&mut body)?;
    Ok(Ok(body))
}

#[cfg(test)]
impl Git {
    /// For tests across the core: runs git as a fixed committer (commits
    /// unsigned), asserting it succeeds; returns stdout.
    pub(crate) fn run_as_tester(&self, args: &[&str]) -> Vec<u8> {
        let who = [
            "-c",
            "user.name=T",
            "-c",
            "user.email=t@x",
            "-c",
            "commit.gpgsign=false",
        ];
        match self.run(&[&who[..], args].concat()) {
            Ok(out) => out,
            Err(e) => panic!("git {args:?}: {e}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both answers come back, the aside one from another thread; a panic
    /// there is the caller's.
    #[test]
    fn side_by_side_answers_both_and_passes_a_panic_on() {
        let here = std::thread::current().id();
        let (a, b) = side_by_side(|| (std::thread::current().id(), 1), || 2);
        assert_eq!((a.1, b), (1, 2));
        assert_ne!(a.0, here, "asked on another thread");
        let caught = std::panic::catch_unwind(|| side_by_side(|| panic!("aside"), || 3));
        assert!(caught.is_err());
    }

    /// The notes ref's configuration is asked once per `Git`, shared by its
    /// clones (threads of one hook); another `Git` (another command) asks
    /// again.
    #[test]
    fn the_notes_ref_is_asked_once_per_git() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let git = Git::new(tmp.path());
        git.run_as_tester(&["init", "-q"]);
        assert_eq!(git.notes_ref_config().expect("config"), None);
        git.run_as_tester(&["config", "vouch.notesRef", "provenance"]);
        let clone = git.clone();
        assert_eq!(clone.notes_ref_config().expect("config"), None);
        let next = Git::new(tmp.path());
        assert_eq!(
            next.notes_ref_config().expect("config").as_deref(),
            Some("provenance")
        );
    }

    /// A stream asked a batch at a time answers each batch in order, a
    /// missing object or one over the cap among them, and can be dropped
    /// with answers still unread (git is stopped, nothing hangs).
    #[test]
    fn an_object_stream_answers_batches_in_order() {
        let tmp = tempfile::tempdir().expect("temp dir");
        let git = Git::new(tmp.path());
        git.run_as_tester(&["init", "-q"]);
        let blob = |text: &str| {
            let out = git.run_input(&["hash-object", "-w", "--stdin"], text.as_bytes());
            String::from_utf8_lossy(&out.expect("hash-object"))
                .trim()
                .to_owned()
        };
        let (a, b, long) = (blob("a\n"), blob("b\n"), blob(&"x".repeat(100)));
        let mut stream = git.object_stream(10).expect("stream");
        assert!(stream.next().is_none(), "nothing asked yet");
        stream.ask(&[a.clone(), MISSING.to_owned()]);
        stream.ask(&[long.clone(), "not\nasked".to_owned(), b.clone()]);
        let read: Vec<Option<Capped>> = stream.by_ref().collect::<Result<_, _>>().expect("read");
        assert_eq!(
            read,
            vec![
                Some(Ok(b"a\n".to_vec())),
                None,
                Some(Err(100)),
                None,
                Some(Ok(b"b\n".to_vec())),
            ]
        );
        // Asked again after everything was read; then dropped unread.
        stream.ask(std::slice::from_ref(&b));
        assert_eq!(
            stream.next().map(|r| r.expect("read")),
            Some(Some(Ok(b"b\n".to_vec())))
        );
        stream.ask(&vec![a; 10_000]);
        assert!(stream.next().is_some());
        drop(stream);
        // An object git stops on (it dies after its header) ends the
        // stream with an error, not with "missing".
        let c = blob("hello\n");
        let loose = tmp.path().join(".git/objects").join(&c[..2]).join(&c[2..]);
        let bytes = std::fs::read(&loose).expect("loose object");
        let mut perms = std::fs::metadata(&loose).expect("meta").permissions();
        #[allow(clippy::permissions_set_readonly_false)]
        perms.set_readonly(false);
        std::fs::set_permissions(&loose, perms).expect("writable");
        std::fs::write(&loose, &bytes[..10]).expect("truncate");
        let mut stream = git.object_stream(10).expect("stream");
        stream.ask(&[b.clone(), c, b]);
        assert_eq!(
            stream.next().map(|r| r.expect("read")),
            Some(Some(Ok(b"b\n".to_vec())))
        );
        let broken = stream.next();
        assert!(
            broken.as_ref().is_some_and(|r| r.is_err()),
            "a broken object: {broken:?}"
        );
        assert!(stream.next().is_none(), "nothing read after an error");
    }

    #[test]
    fn porcelain_parses_headers_and_repeats() {
        let a = "a".repeat(40);
        let b = "b".repeat(40);
        let text = format!(
            "{a} 1 1 2\nauthor X\nfilename old.rs\n\tfirst\n{a} 2 2\nfilename old.rs\n\tsecond\n{b} 5 3 1\nauthor Y\nfilename new.rs\n\tthird\r\n"
        );
        let lines = parse_porcelain(text.as_bytes()).unwrap();
        assert_eq!(lines.len(), 3);
        assert_eq!(
            (lines[1].commit.as_str(), lines[1].orig_line),
            (a.as_str(), 2)
        );
        assert_eq!(lines[1].orig_path, "old.rs");
        assert_eq!(lines[2].orig_path, "new.rs");
        assert_eq!(lines[2].orig_line, 5);
        assert_eq!(lines[2].text, "third");
    }

    /// The staged changes (a rename named by both paths, a modification)
    /// and, apart, the staged deletions, whatever order git lists them in.
    #[test]
    fn staged_changes_and_deletions_are_told_apart() {
        let (tmp, git) = repo();
        let dir = tmp.path();
        for (name, text) in [
            ("a.rs", "fn a() { 1 }\nfn a2() { 2 }\nfn a3() { 3 }\n"),
            ("b.rs", "fn b() {}\n"),
            ("c.rs", "fn c() {}\n"),
            ("d.rs", "fn d() {}\n"),
        ] {
            write_file(dir, name, text);
        }
        commit_all(&git, "one");
        git.run_as_tester(&["mv", "a.rs", "z.rs"]);
        git.run_as_tester(&["rm", "-q", "b.rs", "d.rs"]);
        write_file(dir, "c.rs", "fn c() { 2 }\n");
        git.run_as_tester(&["add", "c.rs"]);
        let (changes, deleted) = git.staged_changes_and_deletions().expect("diff");
        let named: Vec<(Option<&str>, &str)> = changes
            .iter()
            .map(|c| (c.from.as_deref(), c.path.as_str()))
            .collect();
        assert_eq!(named, vec![(None, "c.rs"), (Some("a.rs"), "z.rs")]);
        assert_eq!(deleted, vec!["b.rs".to_owned(), "d.rs".to_owned()]);
        assert_eq!(git.staged_changes().expect("diff").len(), 2);
    }

    #[test]
    fn raw_diff_entries() {
        let a = "a".repeat(40);
        let z = "0".repeat(40);
        let b = "b".repeat(40);
        let out = format!(
            ":100644 100644 {a} {b} M\0src/x y.rs\0:000000 100644 {z} {b} A\0new.rs\0:160000 160000 {a} {b} M\0sub\0"
        );
        let c = parse_raw(out.as_bytes());
        assert_eq!(c.len(), 2);
        assert_eq!(c[0].path, "src/x y.rs");
        assert_eq!(c[0].old.as_deref(), Some(a.as_str()));
        assert_eq!(c[1].old, None);
        assert_eq!(c[1].new, b);
        let out = format!(
            ":100644 100644 {a} {b} R087\0old.rs\0new.rs\0:000000 100644 {z} {b} A\0x.rs\0"
        );
        let c = parse_raw(out.as_bytes());
        assert_eq!(c.len(), 2);
        assert_eq!(
            (c[0].from.as_deref(), c[0].path.as_str()),
            (Some("old.rs"), "new.rs")
        );
        assert_eq!((c[1].from.as_deref(), c[1].path.as_str()), (None, "x.rs"));
    }

    #[test]
    fn blob_ids_match_git() {
        assert_eq!(
            sha1_blob_id(b""),
            "e69de29bb2d1d6434b8b29ae775ad8c2e48c5391"
        );
        assert_eq!(
            sha1_blob_id(b"hello\n"),
            "ce013625030ba8dba906f756967f9e9ca394464a"
        );
        let long = "x".repeat(1000);
        let out = std::process::Command::new("git")
            .args(["hash-object", "--stdin"])
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .spawn()
            .and_then(|mut c| {
                use std::io::Write;
                c.stdin.take().unwrap().write_all(long.as_bytes())?;
                c.wait_with_output()
            })
            .unwrap();
        assert_eq!(
            sha1_blob_id(long.as_bytes()),
            String::from_utf8_lossy(&out.stdout).trim()
        );
    }

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

    pub(super) fn repo() -> (tempfile::TempDir, Git) {
        let dir = tempfile::tempdir().unwrap();
        let git = Git::new(dir.path());
        git.run(&["init", "-q"]).unwrap();
        (dir, git)
    }

    /// Writes `text` at `rel` below `root`, making its folders.
    pub(super) fn write_file(root: &Path, rel: &str, text: &str) {
        let path = root.join(rel);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(path, text).unwrap();
    }

    /// Commits everything in the work tree; returns the commit.
    pub(super) fn commit_all(git: &Git, message: &str) -> String {
        git.run(&["add", "-A"]).unwrap();
        git.run_as_tester(&["commit", "-q", "-m", message]);
        git.text(&["rev-parse", "HEAD"]).unwrap().trim().to_owned()
    }

    /// A folder or a commit named where a file's text is asked for is no
    /// text: `None`, like a missing file, and the objects after it still read.
    #[test]
    fn only_blobs_are_read() {
        let (dir, git) = repo();
        std::fs::create_dir(dir.path().join("d")).unwrap();
        std::fs::write(dir.path().join("d/f.txt"), "text\n").unwrap();
        commit_all(&git, "m");
        let specs = ["HEAD:d", "HEAD", ":d/f.txt", ":nothing", "HEAD:d/f.txt"].map(String::from);
        let got = git.read_objects(&specs).unwrap();
        assert_eq!(got[0], None);
        assert_eq!(got[1], None);
        assert_eq!(got[2].as_deref(), Some(&b"text\n"[..]));
        assert_eq!(got[3], None);
        assert_eq!(got[4].as_deref(), Some(&b"text\n"[..]));
        assert_eq!(
            git.line_counter()
                .counts(&[("HEAD", vec!["d", "d/f.txt", "nothing"])])
                .unwrap(),
            [[None, Some(1), None]]
        );
    }

    /// Many `REV:PATH` names are resolved through the trees by the batch
    /// itself: every answer is the one `git cat-file` gives for the name as
    /// it is (nested folders, a path through a file or a symlink, a folder,
    /// a submodule, missing paths and revisions, spaces and non-ASCII names,
    /// two revisions, names git resolves itself mixed in).
    #[test]
    fn resolved_names_read_what_git_reads() {
        let (dir, git) = repo();
        let write = |p: &str, t: &str| write_file(dir.path(), p, t);
        write("a/b/c.rs", "c\n");
        write("a/b/d e.rs", "d\n");
        write("a/é.rs", "é\n");
        write("top.rs", "top\n");
        #[cfg(unix)]
        std::os::unix::fs::symlink("a", dir.path().join("link")).unwrap();
        let first = commit_all(&git, "one");
        write("a/b/c.rs", "c2\n");
        let second = commit_all(&git, "two");
        // A submodule entry (a commit this repository does not hold).
        git.run(&[
            "update-index",
            "--add",
            "--cacheinfo",
            &format!("160000,{},sub", "1".repeat(40)),
        ])
        .unwrap();
        let paths = [
            "a/b/c.rs",
            "a/b/d e.rs",
            "a/é.rs",
            "top.rs",
            "a/b",
            "a",
            "link",
            "link/b/c.rs",
            "top.rs/x",
            "nothing",
            "a/nothing",
            "a//b/c.rs",
            "./top.rs",
            "sub",
        ];
        let mut specs: Vec<String> = Vec::new();
        for rev in [
            first.as_str(),
            second.as_str(),
            "HEAD",
            "no-such-rev",
            &"f".repeat(40),
        ] {
            specs.extend(paths.iter().map(|p| format!("{rev}:{p}")));
        }
        specs.extend([":top.rs".to_owned(), second.clone(), ":sub".to_owned()]);
        let expected: Vec<Option<Vec<u8>>> = specs
            .iter()
            .map(|s| {
                git.read_objects(std::slice::from_ref(s))
                    .unwrap()
                    .pop()
                    .unwrap()
            })
            .collect();
        assert!(specs.iter().filter(|s| walkable(s).is_some()).count() >= WALK_FROM);
        assert_eq!(git.read_objects(&specs).unwrap(), expected);
        // Line counts, asked revision by revision: twice (the second time
        // from the counts kept).
        let revs = [
            first.as_str(),
            second.as_str(),
            "HEAD",
            "no-such-rev",
            &"f".repeat(40),
        ];
        let asks: Vec<(&str, Vec<&str>)> = revs.iter().map(|r| (*r, paths.to_vec())).collect();
        let lines: Vec<Vec<Option<usize>>> = expected
            .chunks(paths.len())
            .take(revs.len())
            .map(|c| {
                c.iter()
                    .map(|b| {
                        b.as_ref()
                            .map(|b| b.split_inclusive(|c| *c == b'\n').count())
                    })
                    .collect()
            })
            .collect();
        assert_eq!(git.line_counter().counts(&asks).unwrap(), lines);
        assert!(!git.counted.lock().unwrap().is_empty());
        assert_eq!(git.line_counter().counts(&asks).unwrap(), lines);
        // Texts, so the comparison above is not of nothing.
        assert_eq!(expected[0].as_deref(), Some(&b"c\n"[..]));
        assert_eq!(expected[paths.len()].as_deref(), Some(&b"c2\n"[..]));
        // Again: the names of full object names now come from what the
        // first walk kept, and read the same.
        assert!(
            git.resolved
                .lock()
                .unwrap()
                .keys()
                .any(|k| k.starts_with(&first))
        );
        assert_eq!(git.read_objects(&specs).unwrap(), expected);
    }

    /// A folder's entries are found by name whatever git's order puts
    /// around them (`d` as a folder sorts as `d/`, after `d.rs` and `d-e`),
    /// in a folder of many files: each answer is git's own.
    #[test]
    fn names_in_a_large_folder_read_what_git_reads() {
        let (dir, git) = repo();
        let mut names: Vec<String> = (0..300).map(|i| format!("f{i}.rs")).collect();
        names.extend(["d.rs", "d-e", "d0", "D", "ä", "d/e", "d/e.rs", "z z"].map(String::from));
        for (i, n) in names.iter().enumerate() {
            write_file(dir.path(), n, &"x\n".repeat(i % 7));
        }
        let commit = commit_all(&git, "many");
        let mut paths: Vec<&str> = names.iter().map(String::as_str).collect();
        paths.extend(["d", "f300.rs", "e", "d/x", "d.r", "F0.rs"]);
        let counted = git
            .line_counter()
            .counts(&[(commit.as_str(), paths.clone())])
            .unwrap();
        let by_git: Vec<Option<usize>> = paths
            .iter()
            .map(|p| {
                let spec = format!("{commit}:{p}");
                let blob = git.read_objects(&[spec]).unwrap().pop().unwrap();
                blob.map(|b| b.split_inclusive(|c| *c == b'\n').count())
            })
            .collect();
        assert_eq!(counted, std::slice::from_ref(&by_git));
        assert_eq!(by_git[3], Some(3), "f3.rs holds three lines");
        assert_eq!(
            by_git.iter().filter(|c| c.is_none()).count(),
            6,
            "{by_git:?}"
        );
    }

    /// One `diff-tree` tells, per pair, the paths whose entries differ;
    /// pairs its answer cannot tell apart are refused.
    #[test]
    fn changes_between_name_each_version() {
        let (dir, git) = repo();
        let write = |p: &str, t: &str| write_file(dir.path(), p, t);
        write("a/x.rs", "x\n");
        write("a/y.rs", "y\n");
        write("b.rs", "b\n");
        let first = commit_all(&git, "one");
        write("a/x.rs", "x2\n");
        write("c.rs", "c\n");
        std::fs::remove_file(dir.path().join("b.rs")).unwrap();
        let second = commit_all(&git, "two");
        git.run_as_tester(&["commit", "-q", "--allow-empty", "-m", "3"]);
        let third = git.text(&["rev-parse", "HEAD"]).unwrap().trim().to_owned();
        let blob = |spec: &str| Some(git.text(&["rev-parse", spec]).unwrap().trim().to_owned());
        let sorted = |c: &TreeChanges| {
            let mut v: Vec<_> = c.iter().map(|(p, o)| (p.clone(), o.clone())).collect();
            v.sort();
            v
        };
        let pairs = [
            (first.clone(), second.clone()),
            (second.clone(), third.clone()),
        ];
        let got = git.changes_between(&pairs).unwrap().unwrap();
        let x = |rev: &str| blob(&format!("{rev}:a/x.rs"));
        assert_eq!(
            sorted(&got[0]),
            [
                ("a/x.rs".to_owned(), (x(&first), x(&second))),
                ("b.rs".to_owned(), (blob(&format!("{first}:b.rs")), None)),
                ("c.rs".to_owned(), (None, blob(&format!("{second}:c.rs")))),
            ]
        );
        assert!(got[1].is_empty(), "{:?}", got[1]);
        // Backwards: before and after swap.
        let back = git
            .changes_between(&[(second.clone(), first.clone())])
            .unwrap()
            .unwrap();
        assert_eq!(back[0]["b.rs"], (None, blob(&format!("{first}:b.rs"))));
        // Answers that could not be told apart, or names git might read otherwise.
        let twice = [
            (first.clone(), third.clone()),
            (second.clone(), third.clone()),
        ];
        assert!(git.changes_between(&twice).unwrap().is_none());
        let short = [(first.clone(), second[..12].to_owned())];
        assert!(git.changes_between(&short).unwrap().is_none());
    }

    /// git is found on `PATH` as a spawn by name would find it, except in
    /// a relative folder (the repository's own `git` is never run).
    #[cfg(unix)]
    #[test]
    fn git_is_found_in_absolute_folders_of_path() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let make = |folder: &str, mode: u32| {
            let path = dir.path().join(folder).join("git");
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(&path, "#!/bin/sh\n").unwrap();
            std::fs::set_permissions(&path, std::fs::Permissions::from_mode(mode)).unwrap();
            path
        };
        make("not-run", 0o644);
        let second = make("second", 0o755);
        let third = make("third", 0o755);
        let join = |parts: &[std::path::PathBuf]| std::env::join_paths(parts).unwrap();
        let abs = |f: &str| dir.path().join(f);
        let paths = join(&[
            "relative".into(),
            abs("missing"),
            abs("not-run"),
            abs("second"),
            abs("third"),
        ]);
        assert_eq!(on_path(&paths, "git"), Some(second));
        // A relative folder naming `second` from here: skipped.
        let up = std::env::current_dir().unwrap().components().count() - 1;
        let relative = std::path::PathBuf::from("../".repeat(up))
            .join(abs("second").strip_prefix("/").unwrap());
        assert!(relative.join("git").is_file());
        assert_eq!(
            on_path(&join(&[relative, abs("third")]), "git"),
            Some(third)
        );
        assert_eq!(on_path(&join(&[abs("missing")]), "git"), None);
        assert!(git_program().is_absolute(), "{}", git_program().display());
    }

    /// The identity is both names of the repository's configuration, or
    /// nothing when either is empty.
    #[test]
    fn identity_needs_name_and_email() {
        let (_dir, git) = repo();
        git.run(&["config", "user.name", " Ada Lovelace "]).unwrap();
        git.run(&["config", "user.email", "ada@example.com"])
            .unwrap();
        assert_eq!(
            git.identity().as_deref(),
            Some("Ada Lovelace <ada@example.com>")
        );
        git.run(&["config", "user.email", ""]).unwrap();
        assert_eq!(git.identity(), None);
    }

    #[test]
    fn status_lists_changed_and_untracked_files() {
        let (dir, git) = repo();
        std::fs::write(dir.path().join("a b.txt"), "x").unwrap();
        let st = git.status().unwrap();
        assert_eq!((st.head, st.changed), (None, vec!["a b.txt".to_owned()]));
    }

    #[test]
    fn split_z_drops_the_terminator() {
        assert_eq!(split_z(b"a\0b c\0"), vec!["a", "b c"]);
        assert!(split_z(b"").is_empty());
    }
}
