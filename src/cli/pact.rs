//! `evv replay` and `evv gate`.

use std::path::{Path, PathBuf};

use clap::Args;
use rayon::prelude::*;

use super::{CliError, OutputFormat, TrustArgs};
use crate::crypto::trust::TrustStore;
use crate::pact::gate::{self, CaseResult, Expectations};
use crate::pact::{self as pactmod, ReplayOptions};
use crate::verdict::Report;

/// `evv replay`.
#[derive(Args, Debug)]
pub struct ReplayArgs {
    /// The transcript JSON file.
    pub transcript: PathBuf,
    /// Exit 0 when the only failure is a container-level hash mismatch.
    #[arg(long)]
    pub allow_compromised: bool,
    /// A PACT agent key file (`{"agent_id": "base58 key", ...}`), repeatable: pins each
    /// key for its agent.
    #[arg(long = "agents", value_name = "FILE")]
    pub agents: Vec<PathBuf>,
    /// Pinned keys.
    #[command(flatten)]
    pub trust: TrustArgs,
}

/// `evv gate`.
#[derive(Args, Debug)]
pub struct GateArgs {
    /// The fixture tree.
    pub dir: PathBuf,
    /// Expectations file (schemas/gate-expectations.schema.json). Without it every JSON
    /// file (except `_*` files) must verify VALID with exit 0.
    #[arg(long)]
    pub expect: Option<PathBuf>,
    /// Write JUnit XML here.
    #[arg(long)]
    pub junit: Option<PathBuf>,
}

/// Builds the trust store from the shared `--trust`, `--key` and
/// `--expect-fingerprint` handling (SPEC 5) plus PACT agent key files (`--agents`).
fn trust_store(t: &TrustArgs, agents: &[PathBuf]) -> Result<TrustStore, CliError> {
    let mut store = super::verify::trust_from_args(t)?;
    for a in agents {
        let bytes = super::read_file(a)?;
        let doc = crate::canon::parse(&bytes)
            .map_err(|e| CliError::Usage(format!("{}: {e}", a.display())))?;
        let keys = pactmod::agents::parse_agents(&doc, &super::display_name(a))
            .map_err(CliError::Usage)?;
        for k in keys {
            store.add_key(k).map_err(CliError::Usage)?;
        }
    }
    Ok(store)
}

/// Runs `evv replay`.
pub fn replay(a: ReplayArgs, fmt: OutputFormat) -> Result<i32, CliError> {
    let trust = trust_store(&a.trust, &a.agents)?;
    let bytes = super::read_file(&a.transcript)?;
    let name = super::display_name(&a.transcript);
    let mut report = pactmod::replay_bytes(
        &bytes,
        &name,
        &ReplayOptions {
            trust: trust.clone(),
        },
    );
    trust.record_warnings(&mut report);
    report.allow_compromised = a.allow_compromised;
    super::emit(&report, fmt)
}

/// Verifies one evidence item for the gate: a file or a bundle directory, recognised
/// from its content by [`crate::evidence::recognise`] like `evv verify` does. Returns
/// `None` when the item is of no kind evv verifies.
pub(crate) fn verify_evidence_file(
    path: &Path,
    display: &str,
    trust: &TrustStore,
) -> Option<Report> {
    use crate::evidence::{recognise, verify_as, Kind, Options};
    let opts = Options {
        trust: trust.clone(),
        display_name: Some(display.to_string()),
        ..Options::default()
    };
    match recognise(path) {
        Ok((kind, bytes)) => verify_as(kind, path, bytes, &opts).ok(),
        // Unparseable JSON is still gated: the PACT verifier reports json.parse.
        Err(_)
            if display.ends_with(".json")
                && std::fs::read(path).is_ok_and(|b| crate::canon::parse(&b).is_err()) =>
        {
            verify_as(Kind::Pact, path, None, &opts).ok()
        }
        Err(_) => None,
    }
}

/// Items the gate considers: bundle directories, archives, JSON and JSON Lines files.
/// Whether one is evidence is decided from its content; one that is not fails its case
/// ("not evidence of a kind evv gate verifies") unless the expectations ignore it.
fn is_candidate(path: &Path, rel: &str) -> bool {
    path.is_dir()
        || [".json", ".jsonl", ".tar.gz", ".tgz", ".tar"]
            .iter()
            .any(|e| rel.ends_with(e))
}

/// Every regular file under `dir`, and every bundle directory (one holding
/// `payload/`, not descended into), as sorted `/`-separated relative paths.
fn walk(dir: &Path) -> Result<Vec<String>, CliError> {
    fn rel(base: &Path, p: &Path) -> String {
        let rel = p.strip_prefix(base).unwrap_or(p);
        let parts: Vec<String> = rel
            .components()
            .map(|c| c.as_os_str().to_string_lossy().into_owned())
            .collect();
        parts.join("/")
    }
    fn rec(base: &Path, d: &Path, out: &mut Vec<String>) -> std::io::Result<()> {
        for e in std::fs::read_dir(d)? {
            let e = e?;
            let t = e.file_type()?;
            let p = e.path();
            let bundle_dir = t.is_dir() && p.join("payload").is_dir();
            if t.is_dir() && !bundle_dir {
                rec(base, &p, out)?;
            } else if bundle_dir || t.is_file() {
                out.push(rel(base, &p));
            }
        }
        Ok(())
    }
    let mut out = Vec::new();
    rec(dir, dir, &mut out)
        .map_err(|e| CliError::Usage(format!("cannot read {}: {e}", dir.display())))?;
    out.sort();
    Ok(out)
}

/// Runs the gate and returns its results in deterministic order.
pub(crate) fn run_gate(dir: &Path, expect: Option<&Path>) -> Result<Vec<CaseResult>, CliError> {
    if !dir.is_dir() {
        return Err(CliError::Usage(format!(
            "{} is not a directory",
            dir.display()
        )));
    }
    let exp = match expect {
        Some(p) => {
            let bytes = super::read_file(p)?;
            let doc = crate::canon::parse(&bytes)
                .map_err(|e| CliError::Usage(format!("{}: {e}", p.display())))?;
            gate::parse_expectations(&doc)
                .map_err(|e| CliError::Usage(format!("{}: {e}", p.display())))?
        }
        None => Expectations::all_valid(),
    };
    let exp_dir = expect
        .and_then(Path::parent)
        .map(Path::to_path_buf)
        .unwrap_or_default();
    // Trust store per case (agents resolved once).
    let stores = exp
        .cases
        .iter()
        .map(|c| {
            let resolve = |a: &String| match a.strip_prefix("{dir}/") {
                Some(rest) => dir.join(rest),
                None => exp_dir.join(a),
            };
            let files: Vec<PathBuf> = c.agents.iter().map(resolve).collect();
            let mut store = trust_store(&TrustArgs::default(), &files)?;
            for t in &c.trust {
                let p = resolve(t);
                let bytes = super::read_file(&p)?;
                store
                    .load_trust_file(&super::display_name(&p), &bytes)
                    .map_err(CliError::Usage)?;
            }
            Ok::<_, CliError>(store)
        })
        .collect::<Result<Vec<_>, _>>()?;

    let files: Vec<String> = walk(dir)?
        .into_iter()
        .filter(|f| !exp.ignored(f) && is_candidate(&dir.join(f), f))
        .collect();
    // Work items: (file, Some(case)) or (file, None) for "no expectation".
    let mut work: Vec<(String, Option<usize>)> = Vec::new();
    let mut used = vec![false; exp.cases.len()];
    for f in &files {
        let m = exp.matching(f);
        if m.is_empty() {
            work.push((f.clone(), None));
        }
        for i in m {
            used[i] = true;
            work.push((f.clone(), Some(i)));
        }
    }
    let mut results: Vec<CaseResult> = work
        .par_iter()
        .flat_map_iter(|(f, case)| {
            let Some(ci) = case else {
                return vec![CaseResult {
                    name: f.clone(),
                    mode: "expectations".into(),
                    label: None,
                    observed: "no expectation".into(),
                    problems: vec!["no case glob matches this file".into()],
                }];
            };
            let c = &exp.cases[*ci];
            let report = verify_evidence_file(&dir.join(f), f, &stores[*ci]);
            [(false, &c.expect), (true, &c.expect_allow_compromised)]
                .into_iter()
                .map(|(allow, e)| {
                    let mode = if allow {
                        "allow-compromised"
                    } else {
                        "default"
                    };
                    match &report {
                        Some(r) => CaseResult {
                            name: f.clone(),
                            mode: mode.into(),
                            label: c.label.clone(),
                            observed: gate::Observed::of(r, allow).summary(),
                            problems: gate::check(r, allow, e),
                        },
                        None => CaseResult {
                            name: f.clone(),
                            mode: mode.into(),
                            label: c.label.clone(),
                            observed: "unrecognised".into(),
                            problems: vec!["not evidence of a kind evv gate verifies".into()],
                        },
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect();
    for (i, u) in used.iter().enumerate() {
        if !u {
            results.push(CaseResult {
                name: exp.cases[i].glob.clone(),
                mode: "expectations".into(),
                label: exp.cases[i].label.clone(),
                observed: "no file".into(),
                problems: vec!["this case glob matches no file".into()],
            });
        }
    }
    Ok(results)
}

/// Runs `evv gate`.
pub fn gate(a: GateArgs, _fmt: OutputFormat) -> Result<i32, CliError> {
    let results = run_gate(&a.dir, a.expect.as_deref())?;
    if let Some(out) = &a.junit {
        std::fs::write(out, gate::render_junit(&results))
            .map_err(|e| CliError::Usage(format!("cannot write {}: {e}", out.display())))?;
    }
    print!("{}", gate::render_text(&results));
    Ok(if results.iter().all(CaseResult::passed) {
        crate::verdict::exit::VALID
    } else {
        crate::verdict::exit::FAILED
    })
}
