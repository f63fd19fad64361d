//! Writing output files safely.
//!
//! - **What a path leads to decides how it is written.** Absent or a regular
//!   file: a temporary file beside it, then a rename, so a reader never sees a
//!   partial file; an existing file keeps its mode (and, where permitted, its
//!   owner). A character device or a FIFO (`/dev/null`, a named pipe) is
//!   opened and written as it is, never replaced; `/dev/stdout`,
//!   `/dev/stderr` and `/dev/fd/N` write to that descriptor. A symbolic link
//!   is followed deliberately: the file it names is written by the same rules
//!   and the link stays a link. A directory, a block device, a socket or a
//!   dangling link is refused with an error that says so.
//! - **An output set is all or nothing.** While an [`OutputSet`] is open,
//!   [`write_atomic`] only stages: the bytes go to a temporary file beside the
//!   target, and [`OutputSet::commit`] renames them all at the end.
//! - **Interrupted, nothing is left behind.** Every temporary file is
//!   registered while it exists; [`abandon`] (which the signal handler of
//!   [`super::interrupt`] calls) removes them and makes a later commit fail,
//!   and a commit runs under the same lock, so a signal lands either before
//!   the first rename or after the last one.

use std::fs::File;
use std::io::{self, Write};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// A staged output: its temporary file and where it goes.
#[derive(Debug)]
struct Staged {
    tmp: PathBuf,
    target: PathBuf,
    /// The path as the caller gave it (a link's own path).
    given: PathBuf,
}

#[derive(Debug, Default)]
struct Registry {
    /// Temporary files that exist now (written, or being written).
    temps: Vec<PathBuf>,
    /// Whether an output set is open, and what it holds so far.
    set: Option<Vec<Staged>>,
    /// Stream outputs (devices, FIFOs) of the open set, written at commit.
    streams: Vec<(PathBuf, Vec<u8>)>,
    /// Set by [`abandon`]: nothing may be renamed any more.
    abandoned: bool,
    /// Files renamed into place by this process.
    committed: usize,
}

static REGISTRY: Mutex<Registry> = Mutex::new(Registry {
    temps: Vec::new(),
    set: None,
    streams: Vec::new(),
    abandoned: false,
    committed: 0,
});

fn registry() -> std::sync::MutexGuard<'static, Registry> {
    // A panic while holding the lock leaves plain data: still usable.
    REGISTRY.lock().unwrap_or_else(|e| e.into_inner())
}

fn interrupted() -> io::Error {
    io::Error::new(io::ErrorKind::Interrupted, "interrupted")
}

/// Environment variable for tests: when set to a path, a commit creates that
/// file once everything is staged and then waits (for a signal) instead of
/// renaming.
pub const PAUSE_BEFORE_COMMIT_ENV: &str = "AZWARD_TEST_PAUSE_BEFORE_COMMIT";

/// How a path is written.
#[derive(Debug, PartialEq, Eq)]
enum Dest {
    /// A temporary file beside `target`, then a rename; `existing` when a
    /// regular file is there (its metadata is kept).
    Replace { target: PathBuf, existing: bool },
    /// Opened and written as it is (a character device, a FIFO, a path
    /// through `/dev` or `/proc` such as `/dev/stdout` redirected to a file).
    Stream,
    /// The process's own descriptor (1 stdout, 2 stderr).
    Fd(u8),
}

fn refuse(path: &Path, what: &str) -> io::Error {
    io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "{} is {what}: only a regular file (replaced atomically), a character device or a FIFO is written",
            path.display()
        ),
    )
}

/// Decides how `path` is written (see the module's documentation).
fn destination(path: &Path) -> io::Result<Dest> {
    match path.to_str() {
        Some("/dev/stdout" | "/dev/fd/1" | "/proc/self/fd/1") => return Ok(Dest::Fd(1)),
        Some("/dev/stderr" | "/dev/fd/2" | "/proc/self/fd/2") => return Ok(Dest::Fd(2)),
        _ => {}
    }
    let link = match std::fs::symlink_metadata(path) {
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            return Ok(Dest::Replace {
                target: path.to_path_buf(),
                existing: false,
            })
        }
        r => r?,
    };
    let is_link = link.file_type().is_symlink();
    let meta = if is_link {
        match std::fs::metadata(path) {
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                return Err(refuse(path, "a symbolic link to nothing"))
            }
            r => r?,
        }
    } else {
        link
    };
    let ft = meta.file_type();
    if ft.is_dir() {
        return Err(refuse(path, "a directory"));
    }
    if ft.is_file() {
        // `/dev/fd/3` or `/proc/self/fd/N` redirected to a file: write through
        // the descriptor, as a shell does, not over the file it names.
        if path.starts_with("/dev") || path.starts_with("/proc") {
            return Ok(Dest::Stream);
        }
        let target = if is_link {
            std::fs::canonicalize(path)?
        } else {
            path.to_path_buf()
        };
        return Ok(Dest::Replace {
            target,
            existing: true,
        });
    }
    #[cfg(unix)]
    {
        use std::os::unix::fs::FileTypeExt;
        if ft.is_char_device() || ft.is_fifo() {
            return Ok(Dest::Stream);
        }
        if ft.is_block_device() {
            return Err(refuse(path, "a block device"));
        }
        if ft.is_socket() {
            return Err(refuse(path, "a socket"));
        }
    }
    Err(refuse(path, "not a regular file"))
}

/// Writes `bytes` to `path` as the module describes: atomically when it is a
/// regular file or absent, directly when it is a device or a FIFO; while an
/// [`OutputSet`] is open, only staged until its commit.
pub fn write_atomic(path: &Path, bytes: &[u8]) -> io::Result<()> {
    match destination(path)? {
        Dest::Replace { target, existing } => {
            let tmp = stage(&target, existing, |f| f.write_all(bytes))?;
            place(path, tmp, target)
        }
        dest => {
            let mut reg = registry();
            if reg.set.is_some() {
                reg.streams.push((path.to_path_buf(), bytes.to_vec()));
                return Ok(());
            }
            drop(reg);
            write_direct(&dest, path, bytes)
        }
    }
}

/// Puts a staged file in place now, or adds it to the open output set.
fn place(given: &Path, tmp: PathBuf, target: PathBuf) -> io::Result<()> {
    let mut reg = registry();
    match &mut reg.set {
        Some(set) => {
            set.push(Staged {
                tmp,
                target,
                given: given.to_path_buf(),
            });
            Ok(())
        }
        None => rename_registered(&mut reg, &tmp, &target),
    }
}

/// Writes to `path` through `write` as [`write_atomic`] does, streaming (for
/// outputs too large to hold in memory). A device or a FIFO is written at
/// once, even while an [`OutputSet`] is open.
pub fn write_with<T>(
    path: &Path,
    write: impl FnOnce(&mut dyn Write) -> io::Result<T>,
) -> io::Result<T> {
    match destination(path)? {
        Dest::Fd(1) => {
            let mut out = io::stdout().lock();
            let v = write(&mut out)?;
            out.flush()?;
            Ok(v)
        }
        Dest::Fd(_) => {
            let mut out = io::stderr().lock();
            write(&mut out)
        }
        Dest::Stream => {
            let mut f = open_stream(path)?;
            let v = write(&mut f)?;
            f.flush()?;
            Ok(v)
        }
        Dest::Replace { target, existing } => {
            let mut value = None;
            let tmp = stage(&target, existing, |f| {
                value = Some(write(f)?);
                Ok(())
            })?;
            place(path, tmp, target)?;
            Ok(value.expect("written"))
        }
    }
}

/// Writes a device, a FIFO or a descriptor as it is.
fn write_direct(dest: &Dest, path: &Path, bytes: &[u8]) -> io::Result<()> {
    match dest {
        Dest::Fd(fd) => write_fd(*fd, bytes),
        _ => write_stream(path, bytes),
    }
}

fn write_fd(fd: u8, bytes: &[u8]) -> io::Result<()> {
    if fd == 1 {
        let mut out = io::stdout().lock();
        out.write_all(bytes)?;
        out.flush()
    } else {
        io::stderr().lock().write_all(bytes)
    }
}

fn open_stream(path: &Path) -> io::Result<File> {
    // No `create`: the path exists (a device, a FIFO, a descriptor's file);
    // `truncate` is what a shell's `>` does, and means nothing to a device.
    std::fs::OpenOptions::new()
        .write(true)
        .truncate(true)
        .open(path)
}

fn write_stream(path: &Path, bytes: &[u8]) -> io::Result<()> {
    let mut f = open_stream(path)?;
    f.write_all(bytes)?;
    f.flush()
}

/// Writes a temporary file beside `target` (registered while it exists) and
/// returns its path.
fn stage(
    target: &Path,
    existing: bool,
    write: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<PathBuf> {
    let dir = match target.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let mut builder = tempfile::Builder::new();
    builder.prefix(".azward-").suffix(".tmp");
    // A new file gets 0666 less the umask, as any program's output does (the
    // temporary file would otherwise be 0600).
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        builder.permissions(std::fs::Permissions::from_mode(0o666));
    }
    let (mut file, tmp) = {
        // Created and registered under the lock: a signal finds it listed.
        let mut reg = registry();
        if reg.abandoned {
            return Err(interrupted());
        }
        let named = builder.tempfile_in(dir)?;
        let (file, tmp) = named.keep().map_err(|e| e.error)?;
        reg.temps.push(tmp.clone());
        (file, tmp)
    };
    let written = (|| {
        write(&mut file)?;
        if existing {
            keep_metadata(&file, target)?;
        }
        file.sync_all()
    })();
    if let Err(e) = written {
        let mut reg = registry();
        let _ = std::fs::remove_file(&tmp);
        reg.temps.retain(|t| t != &tmp);
        return Err(e);
    }
    Ok(tmp)
}

/// Gives the temporary file the mode (and, where permitted, the owner) of
/// the file it replaces.
fn keep_metadata(file: &File, target: &Path) -> io::Result<()> {
    let meta = std::fs::metadata(target)?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::MetadataExt;
        // Only root may give a file away; anyone else keeps their own.
        let _ = std::os::unix::fs::fchown(file, Some(meta.uid()), Some(meta.gid()));
    }
    // After the owner: changing it clears set-id bits.
    file.set_permissions(meta.permissions())
}

fn rename_registered(reg: &mut Registry, tmp: &Path, target: &Path) -> io::Result<()> {
    if reg.abandoned {
        return Err(interrupted());
    }
    let r = std::fs::rename(tmp, target);
    if r.is_err() {
        let _ = std::fs::remove_file(tmp);
    } else {
        reg.committed += 1;
    }
    reg.temps.retain(|t| t != tmp);
    r
}

/// Removes every temporary file this process has staged and makes any later
/// rename fail. Returns how many files had been renamed into place before
/// (0: nothing of this run's output was written). Called on a signal.
pub fn abandon() -> usize {
    let mut reg = registry();
    reg.abandoned = true;
    for t in reg.temps.drain(..) {
        let _ = std::fs::remove_file(t);
    }
    reg.set = None;
    reg.streams.clear();
    reg.committed
}

/// An output set: while it is open, [`write_atomic`] stages, and
/// [`OutputSet::commit`] puts every staged file in place at once. Dropped
/// without a commit, it removes what it staged.
#[derive(Debug)]
pub struct OutputSet {
    _private: (),
}

impl OutputSet {
    /// Opens the set (one per process at a time).
    pub fn open() -> OutputSet {
        let mut reg = registry();
        debug_assert!(reg.set.is_none(), "one output set at a time");
        reg.set = Some(Vec::new());
        OutputSet { _private: () }
    }

    /// Writes the streams (devices, FIFOs), then renames every staged file,
    /// in the order they were written; returns the paths written, as given.
    pub fn commit(self) -> io::Result<Vec<PathBuf>> {
        if let Some(marker) = std::env::var_os(PAUSE_BEFORE_COMMIT_ENV) {
            let _ = File::create(marker);
            loop {
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
        }
        let streams = std::mem::take(&mut registry().streams);
        let mut written = Vec::new();
        // Outside the lock: a FIFO without a reader may block, and a signal
        // must still be able to clean up.
        for (path, bytes) in streams {
            write_direct(&destination(&path)?, &path, &bytes)?;
            written.push(path);
        }
        let mut reg = registry();
        let staged = reg.set.take().unwrap_or_default();
        let mut result = Ok(());
        for s in &staged {
            if result.is_ok() {
                result = rename_registered(&mut reg, &s.tmp, &s.target);
                if result.is_ok() {
                    written.push(s.given.clone());
                }
            } else {
                let _ = std::fs::remove_file(&s.tmp);
                reg.temps.retain(|t| t != &s.tmp);
            }
        }
        result.map(|_| written)
    }
}

impl Drop for OutputSet {
    fn drop(&mut self) {
        let mut reg = registry();
        if let Some(staged) = reg.set.take() {
            for s in staged {
                let _ = std::fs::remove_file(&s.tmp);
                reg.temps.retain(|t| t != &s.tmp);
            }
        }
        reg.streams.clear();
    }
}

#[cfg(all(test, unix))]
mod tests {
    use super::*;
    use std::os::unix::fs::{FileTypeExt, PermissionsExt};

    fn leftovers(dir: &Path) -> Vec<String> {
        std::fs::read_dir(dir)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .filter(|n| n.starts_with(".azward-"))
            .collect()
    }

    #[test]
    fn a_fifo_is_written_not_replaced() {
        let dir = tempfile::tempdir().unwrap();
        let fifo = dir.path().join("pipe");
        assert!(std::process::Command::new("mkfifo")
            .arg(&fifo)
            .status()
            .unwrap()
            .success());
        let reader = {
            let fifo = fifo.clone();
            std::thread::spawn(move || std::fs::read(fifo).unwrap())
        };
        write_atomic(&fifo, b"report\n").unwrap();
        assert_eq!(reader.join().unwrap(), b"report\n");
        let ft = std::fs::symlink_metadata(&fifo).unwrap().file_type();
        assert!(ft.is_fifo(), "still a FIFO");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_character_device_is_written_not_replaced() {
        // A private null device (needs CAP_MKNOD; skipped without it), so
        // the test never risks the system's /dev/null.
        let dir = tempfile::tempdir().unwrap();
        let dev = dir.path().join("null");
        let made = std::process::Command::new("mknod")
            .arg(&dev)
            .args(["c", "1", "3"])
            .stderr(std::process::Stdio::null())
            .status()
            .is_ok_and(|s| s.success());
        if !made {
            eprintln!("skipped: mknod is not permitted here");
            return;
        }
        write_atomic(&dev, b"report\n").unwrap();
        let ft = std::fs::symlink_metadata(&dev).unwrap().file_type();
        assert!(ft.is_char_device(), "still a device");
        assert!(leftovers(dir.path()).is_empty());
        // And the system's own, which is safe to try now.
        write_atomic(Path::new("/dev/null"), b"x").unwrap();
        assert!(std::fs::metadata("/dev/null")
            .unwrap()
            .file_type()
            .is_char_device());
    }

    #[test]
    fn an_existing_file_keeps_its_mode() {
        let dir = tempfile::tempdir().unwrap();
        let p = dir.path().join("report.json");
        std::fs::write(&p, "old").unwrap();
        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o640)).unwrap();
        write_atomic(&p, b"new").unwrap();
        assert_eq!(std::fs::read_to_string(&p).unwrap(), "new");
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o7777;
        assert_eq!(mode, 0o640);
        // A new file is an ordinary file, not the temporary file's 0600.
        let q = dir.path().join("new.json");
        write_atomic(&q, b"new").unwrap();
        let mode = std::fs::metadata(&q).unwrap().permissions().mode() & 0o7777;
        assert_ne!(mode, 0o600);
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn a_symlink_is_followed_and_stays_a_link() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real.json");
        std::fs::write(&real, "old").unwrap();
        let link = dir.path().join("link.json");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        write_atomic(&link, b"new").unwrap();
        assert!(std::fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(std::fs::read_to_string(&real).unwrap(), "new");

        let dangling = dir.path().join("dangling.json");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &dangling).unwrap();
        let e = write_atomic(&dangling, b"x").unwrap_err().to_string();
        assert!(e.contains("symbolic link to nothing"), "{e}");
        let e = write_atomic(dir.path(), b"x").unwrap_err().to_string();
        assert!(e.contains("is a directory"), "{e}");
        assert!(leftovers(dir.path()).is_empty());
    }

    #[test]
    fn paths_through_dev_and_proc_are_streams() {
        assert_eq!(destination(Path::new("/dev/stdout")).unwrap(), Dest::Fd(1));
        assert_eq!(destination(Path::new("/dev/stderr")).unwrap(), Dest::Fd(2));
        assert_eq!(destination(Path::new("/dev/null")).unwrap(), Dest::Stream);
    }
}
