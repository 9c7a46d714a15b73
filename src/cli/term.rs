//! Terminal manners: colour only on a terminal and never with `NO_COLOR`; a progress
//! bar on stderr for large archives only when stderr is a terminal. Neither ever
//! reaches JSON or GitHub output, nor a pipe.

use std::io::{IsTerminal, Write};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// True when stdout is a terminal and `NO_COLOR` is unset or empty (no-color.org).
pub fn colour_stdout() -> bool {
    std::io::stdout().is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// Colours a text verdict: the status word of the first line, and the `FAIL`/`WARN`
/// tags. Pure, so it is tested without a terminal.
pub fn colourise(text: &str) -> String {
    const RED: &str = "\x1b[1;31m";
    const GREEN: &str = "\x1b[1;32m";
    const YELLOW: &str = "\x1b[1;33m";
    const RESET: &str = "\x1b[0m";
    let mut out = String::with_capacity(text.len() + 64);
    for (i, line) in text.split_inclusive('\n').enumerate() {
        let (word, rest) = line.split_at(line.find(' ').unwrap_or(0));
        let colour = match (i, word) {
            (0, "VALID") => Some(GREEN),
            (0, "TAMPERED" | "INVALID") | (_, "FAIL") => Some(RED),
            (0, "UNVERIFIED") | (_, "WARN") => Some(YELLOW),
            _ => None,
        };
        match colour {
            Some(c) => {
                out.push_str(c);
                out.push_str(word);
                out.push_str(RESET);
                out.push_str(rest);
            }
            None => out.push_str(line),
        }
    }
    out
}

/// A progress bar on stderr while an archive of `total` bytes is read; dropped = gone.
pub struct Progress {
    done: Arc<AtomicBool>,
    thread: Option<std::thread::JoinHandle<()>>,
}

/// Archives smaller than this finish too fast for a bar to help.
const MIN_BYTES: u64 = 64 << 20;

impl Progress {
    /// Starts a bar for reading `total` bytes, if stderr is a terminal and the input is
    /// large; otherwise does nothing.
    pub fn start(total: u64) -> Progress {
        if total < MIN_BYTES || !std::io::stderr().is_terminal() {
            return Progress {
                done: Arc::new(AtomicBool::new(true)),
                thread: None,
            };
        }
        let done = Arc::new(AtomicBool::new(false));
        let flag = done.clone();
        let start = crate::container::BYTES_READ.load(Ordering::Relaxed);
        let thread = std::thread::spawn(move || {
            while !flag.load(Ordering::Relaxed) {
                let n = crate::container::BYTES_READ.load(Ordering::Relaxed) - start;
                let frac = (n as f64 / total as f64).min(1.0);
                let filled = (frac * 30.0) as usize;
                let _ = write!(
                    std::io::stderr(),
                    "\r[{}{}] {:>3}% {} / {} MiB",
                    "#".repeat(filled),
                    " ".repeat(30 - filled),
                    (frac * 100.0) as u32,
                    n >> 20,
                    total >> 20
                );
                std::thread::sleep(Duration::from_millis(200));
            }
            let _ = write!(std::io::stderr(), "\r{}\r", " ".repeat(60));
        });
        Progress {
            done,
            thread: Some(thread),
        }
    }
}

impl Drop for Progress {
    fn drop(&mut self) {
        self.done.store(true, Ordering::Relaxed);
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_only_status_and_tags() {
        let t =
            "TAMPERED  bundle x\n  fact: VALID\nFAIL a.b x: m\nWARN c.d y: m\nchecks: 1 passed\n";
        let c = colourise(t);
        assert!(c.starts_with("\x1b[1;31mTAMPERED\x1b[0m  bundle x\n  fact: VALID\n"));
        assert!(c.contains("\x1b[1;31mFAIL\x1b[0m a.b"));
        assert!(c.contains("\x1b[1;33mWARN\x1b[0m c.d"));
        assert!(c.ends_with("checks: 1 passed\n"));
        let stripped = c
            .replace("\x1b[1;31m", "")
            .replace("\x1b[1;33m", "")
            .replace("\x1b[0m", "");
        assert_eq!(stripped, t);
    }
}
