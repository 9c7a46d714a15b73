//! SECURITY.md's claim about `unsafe`: the crate denies it (`#![deny(unsafe_code)]`)
//! and allows it on exactly two functions, each with one `unsafe` block and a SAFETY
//! comment: the call into the two-lane SHA-NI kernel (`crypto::lanes`) and the
//! huge-page advice on a whole-file read buffer (`container::whole`). A new `unsafe`
//! anywhere else fails this test before review has to notice it.

use std::path::Path;

fn sources(dir: &Path, out: &mut Vec<(String, String)>) {
    let mut entries: Vec<_> = std::fs::read_dir(dir)
        .expect("src dir")
        .map(|e| e.expect("entry").path())
        .collect();
    entries.sort();
    for p in entries {
        if p.is_dir() {
            sources(&p, out);
        } else if p.extension().is_some_and(|e| e == "rs") {
            let text = std::fs::read_to_string(&p).expect("read source");
            out.push((p.display().to_string(), text));
        }
    }
}

#[test]
fn unsafe_is_allowed_in_exactly_two_functions() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let lib = std::fs::read_to_string(root.join("src/lib.rs")).expect("lib.rs");
    assert!(
        lib.contains("#![deny(unsafe_code)]"),
        "lib.rs denies unsafe_code"
    );
    let mut files = Vec::new();
    sources(&root.join("src"), &mut files);
    let mut allows = Vec::new();
    let mut blocks = Vec::new();
    for (path, text) in &files {
        for (n, line) in text.lines().enumerate() {
            let code = line.trim_start();
            if code.starts_with("//") {
                continue;
            }
            if code.contains("allow(unsafe_code)") {
                allows.push(format!("{path}:{}", n + 1));
            }
            if code.contains("unsafe {")
                || code.contains("unsafe fn")
                || code.contains("unsafe impl")
            {
                blocks.push(format!("{path}:{}", n + 1));
            }
        }
    }
    let allowed_in = |suffix: &str, list: &[String]| {
        list.iter()
            .filter(|l| l.replace('\\', "/").contains(suffix))
            .count()
    };
    assert_eq!(allows.len(), 2, "allow(unsafe_code) at {allows:?}");
    assert_eq!(allowed_in("src/crypto/lanes.rs:", &allows), 1, "{allows:?}");
    assert_eq!(
        allowed_in("src/container/whole.rs:", &allows),
        1,
        "{allows:?}"
    );
    assert_eq!(blocks.len(), 2, "unsafe blocks at {blocks:?}");
    assert_eq!(allowed_in("src/crypto/lanes.rs:", &blocks), 1, "{blocks:?}");
    assert_eq!(
        allowed_in("src/container/whole.rs:", &blocks),
        1,
        "{blocks:?}"
    );
    // Each block says why it is sound.
    for (path, text) in &files {
        if path.ends_with("lanes.rs") || path.ends_with("whole.rs") {
            assert!(text.contains("// SAFETY:"), "{path} has a SAFETY comment");
        }
    }
}
