//! evv is offline and read-only, proven: every testdata input is verified under
//! `strace -f`, and any socket-family call or any open for writing fails the test.
//! (Skipped, with a message, where strace is not installed.)

use std::path::{Path, PathBuf};
use std::process::Command;

fn strace_available() -> bool {
    Command::new("strace")
        .arg("-V")
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false)
}

/// Every verifiable input under testdata/: directories holding `payload/`, and files
/// with a JSON, JSONL or archive extension (evv recognises them by content).
fn inputs(dir: &Path, out: &mut Vec<PathBuf>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            if p.join("payload").is_dir() {
                out.push(p.clone());
            } else {
                inputs(&p, out);
            }
        } else if let Some(ext) = p.extension().and_then(|e| e.to_str()) {
            if ["json", "jsonl", "gz", "tar", "tgz"].contains(&ext) {
                out.push(p);
            }
        }
    }
}

#[test]
fn no_socket_and_no_write_under_strace() {
    if !strace_available() {
        eprintln!("SKIP: strace not installed");
        return;
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("testdata");
    let mut all = Vec::new();
    if root.is_dir() {
        inputs(&root, &mut all);
    }
    let dir = tempfile::tempdir().unwrap();
    let log = dir.path().join("strace.log");
    let mut checked = 0;
    for input in &all {
        let out = Command::new("strace")
            .args(["-f", "-qq", "-o"])
            .arg(&log)
            .args(["-e", "trace=%network,open,openat,openat2,creat,truncate,ftruncate,rename,renameat,renameat2,unlink,unlinkat,mkdir,mkdirat,execve"])
            .arg(env!("CARGO_BIN_EXE_evv"))
            .args(["--format", "json", "verify"])
            .arg(input)
            .output()
            .unwrap();
        let code = out.status.code().unwrap_or(-1);
        assert!(
            [0, 1, 2, 3].contains(&code),
            "{}: exit {code}",
            input.display()
        );
        let trace = std::fs::read_to_string(&log).unwrap();
        let mut execs = 0;
        for line in trace.lines() {
            let call = line
                .split_once(' ')
                .map_or(line, |(_, rest)| rest.trim_start());
            if call.starts_with("execve(") {
                execs += 1;
                assert_eq!(
                    execs,
                    1,
                    "{}: evv executed something: {line}",
                    input.display()
                );
                continue;
            }
            for net in [
                "socket(", "connect(", "bind(", "sendto(", "sendmsg(", "listen(", "accept(",
            ] {
                assert!(
                    !call.starts_with(net),
                    "{}: network call: {line}",
                    input.display()
                );
            }
            for w in [
                "creat(",
                "truncate(",
                "ftruncate(",
                "rename",
                "unlink",
                "mkdir",
            ] {
                assert!(
                    !call.starts_with(w),
                    "{}: write call: {line}",
                    input.display()
                );
            }
            if call.starts_with("open") {
                for flag in ["O_WRONLY", "O_RDWR", "O_CREAT", "O_TRUNC", "O_APPEND"] {
                    assert!(
                        !call.contains(flag),
                        "{}: open for writing: {line}",
                        input.display()
                    );
                }
            }
        }
        checked += 1;
    }
    eprintln!("offline/read-only: {checked} testdata inputs verified under strace");
    assert!(
        checked >= 10,
        "only {checked} testdata inputs were run under strace: the walk of testdata/ is broken"
    );
}
