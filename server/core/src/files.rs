//! Reading workspace files that could be anything: a FIFO, a device, a
//! symlink out of the repository, a file that grows while it is read.
//! Only regular files inside the workspace root are read, never blocking,
//! and never more than a cap counted in bytes actually read.

use std::fs::OpenOptions;
use std::io::{ErrorKind, Read};
use std::path::Path;

/// What [`read_regular`] found.
#[derive(Debug)]
pub(crate) enum Regular {
    Bytes(Vec<u8>),
    /// Nothing there (or a dangling symlink).
    Missing,
    /// A folder, FIFO, socket or device: not read.
    Special,
    /// A symlink (or a symlinked folder on the way) leading out of `root`.
    Outside,
    /// More than the cap: not kept.
    TooLarge,
}

impl Regular {
    /// Why the file was not read, for messages; `None` for bytes or missing.
    pub(crate) fn refusal(&self) -> Option<String> {
        match self {
            Regular::Bytes(_) | Regular::Missing => None,
            Regular::Special => Some("not a regular file".into()),
            Regular::Outside => Some("a symlink out of the workspace".into()),
            Regular::TooLarge => Some("too large".into()),
        }
    }
}

/// Reads `path`, which must resolve inside `root` (canonical) to a regular
/// file of at most `max` bytes. Opened without blocking (`O_NONBLOCK`, so a
/// FIFO swapped in after the check cannot hang), the type checked on the
/// open file, and the read cut at `max + 1` bytes.
pub(crate) fn read_regular(path: &Path, root: &Path, max: u64) -> std::io::Result<Regular> {
    // The common case, a path below `root` without symlinks, costs an
    // `lstat` per folder below the root (the file itself is opened with
    // `O_NOFOLLOW`); anything else is resolved whole (every component of
    // both paths read as a possible link).
    match plainly_inside(path, root) {
        Some(Plain::Missing) => return Ok(Regular::Missing),
        // `None`: a symlink was swapped in after the check.
        Some(Plain::Path) => {
            if let Some(read) = open_and_read(path, max, true)? {
                return Ok(read);
            }
        }
        None => {}
    }
    let root = root.canonicalize().unwrap_or_else(|_| root.to_path_buf());
    let real = match path.canonicalize() {
        Ok(real) => real,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Regular::Missing),
        Err(e) => return Err(e),
    };
    if !real.starts_with(&root) {
        return Ok(Regular::Outside);
    }
    // Opened following links: a link swapped in now is read as a file
    // would be, as it always was (the check above is the guard).
    Ok(open_and_read(&real, max, false)?.unwrap_or(Regular::Special))
}

/// Opens `path` without blocking and reads it as [`read_regular`] says;
/// with `no_follow`, `None` when its last component is a symlink.
fn open_and_read(path: &Path, max: u64, no_follow: bool) -> std::io::Result<Option<Regular>> {
    let mut options = OpenOptions::new();
    options.read(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        let follow = if no_follow { libc::O_NOFOLLOW } else { 0 };
        options.custom_flags(libc::O_NONBLOCK | libc::O_NOCTTY | follow);
    }
    let file = match options.open(path) {
        Ok(f) => f,
        Err(e) if e.kind() == ErrorKind::NotFound => return Ok(Some(Regular::Missing)),
        Err(_) if no_follow && path.is_symlink() => return Ok(None),
        Err(_) if path.is_dir() => return Ok(Some(Regular::Special)),
        Err(e) => return Err(e),
    };
    let meta = file.metadata()?;
    if !meta.is_file() {
        return Ok(Some(Regular::Special));
    }
    // Sized once from the file's length (read in one call, not doubling
    // from 32 bytes); still cut at `max + 1` if it grows meanwhile.
    let cap = meta.len().min(max).saturating_add(1);
    let mut bytes = Vec::with_capacity(usize::try_from(cap).unwrap_or(0));
    file.take(max.saturating_add(1)).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > max {
        return Ok(Some(Regular::TooLarge));
    }
    Ok(Some(Regular::Bytes(bytes)))
}

/// What [`plainly_inside`] found.
enum Plain {
    /// `path` is below the root through folders that are no symlinks (its
    /// last component is checked as it is opened, with `O_NOFOLLOW`).
    Path,
    /// A folder on the way is missing (no symlink before it).
    Missing,
}

/// Whether `path` lies below `root` through folders that are no symlinks
/// (one `lstat` each); `None` when that is not so or not known.
fn plainly_inside(path: &Path, root: &Path) -> Option<Plain> {
    let rel = path.strip_prefix(root).ok()?;
    let mut names = Vec::new();
    for c in rel.components() {
        let std::path::Component::Normal(name) = c else {
            return None;
        };
        names.push(name);
    }
    names.pop()?;
    let mut at = root.to_path_buf();
    for name in names {
        at.push(name);
        match std::fs::symlink_metadata(&at) {
            Ok(m) if m.file_type().is_symlink() => return None,
            Ok(_) => {}
            Err(e) if e.kind() == ErrorKind::NotFound => return Some(Plain::Missing),
            Err(_) => return None,
        }
    }
    Some(Plain::Path)
}

/// Whether anything (a symlink included, not followed) is at `path`.
pub(crate) fn entry_exists(path: &Path) -> bool {
    std::fs::symlink_metadata(path).is_ok()
}

/// [`read_regular`] for a small configuration file: `None` when missing,
/// an error saying why when it is not read (or not UTF-8).
pub(crate) fn read_config(path: &Path, root: &Path, max: u64) -> std::io::Result<Option<String>> {
    match read_regular(path, root, max)? {
        Regular::Bytes(bytes) => String::from_utf8(bytes)
            .map(Some)
            .map_err(|_| std::io::Error::new(ErrorKind::InvalidData, "not UTF-8 text")),
        Regular::Missing => Ok(None),
        other => Err(std::io::Error::other(other.refusal().unwrap_or_default())),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_regular_files_inside_the_root_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let root = dir.path().canonicalize().unwrap();
        std::fs::write(root.join("a"), "hello").unwrap();
        assert!(
            matches!(read_regular(&root.join("a"), &root, 5).unwrap(), Regular::Bytes(b) if b == b"hello")
        );
        assert!(matches!(
            read_regular(&root.join("a"), &root, 4).unwrap(),
            Regular::TooLarge
        ));
        assert!(matches!(
            read_regular(&root.join("b"), &root, 9).unwrap(),
            Regular::Missing
        ));
        std::os::unix::fs::symlink("/dev/zero", root.join("zero")).unwrap();
        assert!(matches!(
            read_regular(&root.join("zero"), &root, 9).unwrap(),
            Regular::Outside
        ));
        let inner = root.join("inner");
        std::fs::create_dir(&inner).unwrap();
        // A symlinked folder on the way out of the root is caught too.
        std::os::unix::fs::symlink("/etc", inner.join("etc")).unwrap();
        assert!(matches!(
            read_regular(&inner.join("etc/hostname"), &root, 1 << 20).unwrap(),
            Regular::Outside | Regular::Missing
        ));
        // A symlink that stays inside, to a file or through a folder, is
        // followed; a path climbing out and back in is resolved.
        std::os::unix::fs::symlink(root.join("a"), inner.join("to-a")).unwrap();
        std::os::unix::fs::symlink(&inner, root.join("via")).unwrap();
        for p in [
            inner.join("to-a"),
            root.join("via/to-a"),
            inner.join("../a"),
        ] {
            assert!(
                matches!(read_regular(&p, &root, 5).unwrap(), Regular::Bytes(b) if b == b"hello"),
                "{}",
                p.display()
            );
        }
        assert!(matches!(
            read_regular(&root.join("inner/none/x"), &root, 5).unwrap(),
            Regular::Missing
        ));
        // A device inside the root (as far as the path goes) is not read.
        assert!(matches!(
            read_regular(Path::new("/dev/zero"), Path::new("/dev"), 9).unwrap(),
            Regular::Special
        ));
        assert!(matches!(
            read_regular(&inner, &root, 9).unwrap(),
            Regular::Special
        ));
        // A FIFO is not opened for a blocking read.
        let fifo = root.join("fifo");
        let made = std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap();
        assert!(made.success());
        assert!(matches!(
            read_regular(&fifo, &root, 9).unwrap(),
            Regular::Special
        ));
    }
}
