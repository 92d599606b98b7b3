//! SIGINT, SIGTERM and SIGHUP stop a run cleanly: the pipeline stops
//! reading (it asks [`Signals::received`] before each chunk), temporary
//! files are removed as the run unwinds, and the process exits with 128
//! plus the signal's number (130, 143, 129), saying how far it got.
//!
//! A second signal of the same kind takes the default action at once, for
//! the operator who will not wait; the temporary files it leaves are named
//! by the next run that writes beside them ([`stale_temporaries`]).
//!
//! SIGBUS is contained, not prevented: a memory-mapped input that another
//! process truncates raises SIGBUS at the next read past its new end, and
//! no portable means stops a writer from doing so (Linux leases expire
//! after `lease-break-time`). [`contain_sigbus`] installs a handler that
//! removes the run's temporary files, says what happened and exits with 2,
//! so such a run ends as any failed run does instead of dying with no
//! word and debris. `--no-mmap` reads instead of mapping and needs none of
//! it; either way the change is noticed (`source::SourceError::Changed`).

// The SIGBUS handler and its registry of temporary files need unsafe code
// (a signal handler, raw C strings); each block says why it is sound.
#![allow(unsafe_code)]

use std::io;
use std::path::{Path, PathBuf};
use std::ptr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicPtr, AtomicUsize, Ordering};

use signal_hook::consts::{SIGHUP, SIGINT, SIGTERM};

/// The signals a run stops for.
pub const STOPPING: [i32; 3] = [SIGINT, SIGTERM, SIGHUP];

/// What the process has received.
#[derive(Clone)]
pub struct Signals {
    received: Arc<AtomicUsize>,
}

impl Signals {
    /// Installs the handlers.
    pub fn install() -> io::Result<Signals> {
        let received = Arc::new(AtomicUsize::new(0));
        for signal in STOPPING {
            let again = Arc::new(AtomicBool::new(false));
            // Order matters: the second handler arms the first.
            signal_hook::flag::register_conditional_default(signal, again.clone())?;
            signal_hook::flag::register(signal, again)?;
            signal_hook::flag::register_usize(signal, received.clone(), signal as usize)?;
        }
        Ok(Signals { received })
    }

    /// The stopping signal received, if any.
    pub fn received(&self) -> Option<i32> {
        match self.received.load(Ordering::Relaxed) {
            0 => None,
            n => i32::try_from(n).ok(),
        }
    }
}

/// Temporary files of this run, removed by the SIGBUS handler: slots of
/// leaked C strings, read without locks (a handler may not take one).
static TEMPORARIES: [AtomicPtr<libc::c_char>; 4] = [const { AtomicPtr::new(ptr::null_mut()) }; 4];

/// Registers a temporary file for the SIGBUS handler to remove; returns
/// its slot, for [`forget_temporary`].
pub fn register_temporary(path: &Path) -> Option<usize> {
    use std::os::unix::ffi::OsStrExt;
    let c = std::ffi::CString::new(path.as_os_str().as_bytes()).ok()?;
    let raw = c.into_raw();
    for (i, slot) in TEMPORARIES.iter().enumerate() {
        if slot
            .compare_exchange(ptr::null_mut(), raw, Ordering::SeqCst, Ordering::SeqCst)
            .is_ok()
        {
            return Some(i);
        }
    }
    // SAFETY: `raw` came from `CString::into_raw` just above and was not
    // stored anywhere.
    drop(unsafe { std::ffi::CString::from_raw(raw) });
    None
}

/// Unregisters a temporary file (renamed into place or removed).
pub fn forget_temporary(slot: usize) {
    let raw = TEMPORARIES[slot].swap(ptr::null_mut(), Ordering::SeqCst);
    if !raw.is_null() {
        // SAFETY: only `register_temporary` stores pointers, each from
        // `CString::into_raw`; the swap took this one out, so no one else
        // can free it. A SIGBUS handler running now may still read it: it
        // then exits the process without returning here.
        drop(unsafe { std::ffi::CString::from_raw(raw) });
    }
}

/// What the SIGBUS handler says shrank.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Mapped {
    /// An input of `verify`, which `--no-mmap` reads instead.
    Inputs,
    /// A file of a revalidation index (`recheck`, `expiring`).
    Index,
    /// A part's verdicts or index (`merge`).
    Parts,
}

/// The messages the SIGBUS handler writes, by [`Mapped`].
const SIGBUS_INPUT: &[u8] = b"credverify: error: an input file shrank while it was read (SIGBUS on its memory map); the run is void, its temporary files were removed (use --no-mmap to read instead of mapping)\n";
const SIGBUS_INDEX: &[u8] = b"credverify: error: records.bin of the index shrank while it was read (SIGBUS on its memory map); the run is void, its temporary files were removed\n";

const SIGBUS_PARTS: &[u8] = b"credverify: error: a part's file shrank while merge read it (SIGBUS on its memory map); the merge is void, its temporary files were removed\n";

/// What the handler speaks of: [`Mapped`] as a number.
static SIGBUS_ON: AtomicUsize = AtomicUsize::new(0);

/// Installs the SIGBUS handler (see the module's documentation); its
/// message names what `mapped` says the run maps.
pub fn contain_sigbus(mapped: Mapped) -> io::Result<()> {
    SIGBUS_ON.store(mapped as usize, Ordering::SeqCst);
    // SAFETY: the action is async-signal-safe: atomic loads, unlink(2),
    // write(2) and _exit(2) only; it allocates nothing and takes no lock,
    // and it never returns (returning would fault again at once).
    let registered = unsafe {
        signal_hook::low_level::register(signal_hook::consts::SIGBUS, || {
            for slot in &TEMPORARIES {
                let p = slot.load(Ordering::SeqCst);
                if !p.is_null() {
                    libc::unlink(p);
                }
            }
            let message = match SIGBUS_ON.load(Ordering::SeqCst) {
                1 => SIGBUS_INDEX,
                2 => SIGBUS_PARTS,
                _ => SIGBUS_INPUT,
            };
            libc::write(2, message.as_ptr().cast(), message.len());
            signal_hook::low_level::exit(2);
        })
    };
    registered.map(|_| ())
}

/// The conventional name of a stopping signal.
pub fn name(signal: i32) -> &'static str {
    match signal {
        SIGINT => "SIGINT",
        SIGTERM => "SIGTERM",
        SIGHUP => "SIGHUP",
        _ => "a signal",
    }
}

/// The name of the temporary file written beside `dest` by process `pid`.
pub fn temporary_name(dest: &Path, pid: u32) -> PathBuf {
    let name = dest
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_else(|| "out".into());
    dest.with_file_name(format!(".{name}.credverify-{pid}.tmp"))
}

/// Temporary files beside `dest` left by runs that were killed: named as
/// [`temporary_name`] names them, by a process that no longer runs (on
/// Linux, one without `/proc/PID`; elsewhere, any process but this one).
pub fn stale_temporaries(dest: &Path) -> Vec<PathBuf> {
    let Some(name) = dest.file_name().map(|n| n.to_string_lossy().into_owned()) else {
        return Vec::new();
    };
    let dir = match dest.parent() {
        Some(p) if !p.as_os_str().is_empty() => p,
        _ => Path::new("."),
    };
    let prefix = format!(".{name}.credverify-");
    let Ok(entries) = std::fs::read_dir(dir) else {
        return Vec::new();
    };
    let mut stale: Vec<PathBuf> = entries
        .filter_map(Result::ok)
        .filter_map(|e| {
            let file = e.file_name().to_string_lossy().into_owned();
            let pid: u32 = file
                .strip_prefix(&prefix)?
                .strip_suffix(".tmp")?
                .parse()
                .ok()?;
            let alive = pid == std::process::id()
                || (Path::new("/proc/self").exists()
                    && Path::new(&format!("/proc/{pid}")).exists());
            (!alive).then(|| e.path())
        })
        .collect();
    stale.sort();
    stale
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stale_temporaries_are_those_of_dead_processes() {
        let dir = std::env::temp_dir().join(format!("credverify-stale-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("dir");
        let dest = dir.join("out.jsonl");
        // A pid above Linux's maximum (2^22) never runs.
        let dead = temporary_name(&dest, 4_999_999);
        let mine = temporary_name(&dest, std::process::id());
        let other = dir.join(".other.jsonl.credverify-4999999.tmp");
        for p in [&dead, &mine, &other] {
            std::fs::write(p, b"x").expect("write");
        }
        assert_eq!(stale_temporaries(&dest), [dead]);
        std::fs::remove_dir_all(&dir).expect("clean");
    }
}
