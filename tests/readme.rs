//! The README's commands run on the shipped testdata: every `evv …` line of its code
//! blocks that names `testdata/` is executed (as the user would, from the repository
//! root) and must not be a usage error or an internal error; the set-up command must
//! print VALID and exit 0.

use std::process::Command;

fn readme_commands() -> Vec<Vec<String>> {
    let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let mut in_block = false;
    let mut out = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            in_block = !in_block;
            continue;
        }
        let cmd = line.trim().trim_start_matches("$ ");
        if !in_block || !cmd.starts_with("evv ") || !cmd.contains("testdata/") {
            continue;
        }
        let cmd = cmd
            .split(" #")
            .next()
            .unwrap()
            .split(" |")
            .next()
            .unwrap()
            .split(" >")
            .next()
            .unwrap();
        if cmd.contains('<') {
            continue; // a placeholder for the reader's own values
        }
        out.push(cmd.split_whitespace().skip(1).map(String::from).collect());
    }
    out
}

#[test]
fn readme_commands_run_on_the_shipped_testdata() {
    let cmds = readme_commands();
    assert!(cmds.len() >= 8, "found only {} README commands", cmds.len());
    let tmp = tempfile::tempdir().unwrap();
    for args in cmds {
        // --junit writes a report: send it to a temporary folder.
        let args: Vec<String> = args
            .into_iter()
            .map(|a| {
                if a.ends_with(".xml") {
                    tmp.path().join(a).to_string_lossy().into_owned()
                } else {
                    a
                }
            })
            .collect();
        let out = Command::new(env!("CARGO_BIN_EXE_evv"))
            .current_dir(env!("CARGO_MANIFEST_DIR"))
            .args(&args)
            .output()
            .unwrap();
        let code = out.status.code().unwrap();
        assert!(
            [0, 1, 3].contains(&code),
            "README command `evv {}` exited {code}: {}",
            args.join(" "),
            String::from_utf8_lossy(&out.stderr)
        );
    }
}

#[test]
fn setup_command_prints_valid() {
    let out = Command::new(env!("CARGO_BIN_EXE_evv"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args([
            "verify",
            "testdata/bundles/accepted.tar.gz",
            "--trust",
            "testdata/bundles/trust.json",
        ])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    assert!(String::from_utf8(out.stdout)
        .unwrap()
        .starts_with("VALID  bundle"));
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    assert!(readme.contains(
        "cargo run --release --locked -- verify testdata/bundles/accepted.tar.gz --trust testdata/bundles/trust.json"
    ));
    assert!(readme.contains("\ncargo test --locked\n"));
}
