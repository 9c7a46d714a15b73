//! The trace id contract: the user-visible output ends with `Trace: <id>`, the
//! recorded response headers carry the id and an app signature over it.

use std::io::Read;

use base64::Engine;

use super::Code;
use crate::canon::Value;
use crate::crypto::sig::Alg;
use crate::crypto::trust::{check_signature, SigCheck, TrustStore};
use crate::verdict::{Report, Subject};

/// Path of the user-visible response.
pub const RESPONSE_PATH: &str = "payload/response.txt";
/// Path of the recorded response headers.
pub const HEADERS_PATH: &str = "payload/response_headers.json";
/// Path of the raw request.
pub const REQUEST_PATH: &str = "payload/request.json";
/// Header carrying the trace id.
pub const TRACE_HEADER: &str = "X-IF-Emotion-Trace";
/// Header carrying the app signature.
pub const SIG_HEADER: &str = "X-IF-Emotion-Trace-Sig";
/// Domain-separation prefix of the trace signature message.
pub const SIG_DOMAIN: &str = "if.emotion.trace-sig.v2";
/// Longest last line kept.
const TAIL_CAP: usize = 4096;

/// The message `X-IF-Emotion-Trace-Sig` signs:
/// `if.emotion.trace-sig.v2 LF trace_id LF hex(SHA-256(response bytes))`.
pub fn sig_message(trace_id: &str, response_sha256: &[u8; 32]) -> Vec<u8> {
    format!("{SIG_DOMAIN}\n{trace_id}\n{}", hex::encode(response_sha256)).into_bytes()
}

/// Streams the response, keeping only its last line (without the final LF), or
/// `None` if that line is longer than 4 KiB.
pub fn stream_last_line(r: &mut dyn Read) -> std::io::Result<Option<Vec<u8>>> {
    let mut cur: Vec<u8> = Vec::new();
    let mut prev: Vec<u8> = Vec::new();
    let mut overflow_cur = false;
    let mut overflow_prev = false;
    let mut ended_with_lf = false;
    let mut buf = [0u8; 64 * 1024];
    loop {
        let n = r.read(&mut buf)?;
        if n == 0 {
            break;
        }
        for &b in &buf[..n] {
            if b == b'\n' {
                std::mem::swap(&mut prev, &mut cur);
                overflow_prev = overflow_cur;
                cur.clear();
                overflow_cur = false;
                ended_with_lf = true;
            } else {
                ended_with_lf = false;
                if cur.len() < TAIL_CAP {
                    cur.push(b);
                } else {
                    overflow_cur = true;
                }
            }
        }
    }
    // "abc\nTrace: x\n": the last line is the one before the final LF.
    let (line, over) = if ended_with_lf {
        (prev, overflow_prev)
    } else {
        (cur, overflow_cur)
    };
    Ok((!over).then_some(line))
}

/// Checks the response's last line.
pub fn check_response_line(last: Option<&[u8]>, trace_id: &str, report: &mut Report) {
    let subj = Subject::file(RESPONSE_PATH);
    let want = format!("Trace: {trace_id}");
    match last {
        Some(l) if l == want.as_bytes() => report.pass(
            Code::ContractResponseLine,
            subj,
            "response ends with the trace line",
        ),
        Some(l) => report.fail(
            Code::ContractResponseLine,
            subj,
            format!(
                "last line is {:?}, expected {want:?}",
                String::from_utf8_lossy(&l[..l.len().min(120)])
            ),
        ),
        None => report.fail(
            Code::ContractResponseLine,
            subj,
            "last line is longer than 4 KiB",
        ),
    }
}

/// Checks the recorded headers: names compared ASCII-case-insensitively, each at most
/// once; the trace header equals the trace id; the signature header verifies under
/// the app key.
pub fn check_headers(
    v: &Value,
    trace_id: &str,
    response_sha256: Option<&[u8; 32]>,
    app_key: Option<&[u8]>,
    trust: &TrustStore,
    report: &mut Report,
) {
    let subj = Subject::file(HEADERS_PATH);
    let Some(o) = v.as_object() else {
        report.fail(Code::DocumentInvalid, subj, "headers are not an object");
        return;
    };
    let find = |name: &str| -> Result<Option<&str>, String> {
        let mut hits = o.iter().filter(|(k, _)| k.eq_ignore_ascii_case(name));
        match (hits.next(), hits.next()) {
            (None, _) => Ok(None),
            (Some(_), Some(_)) => Err(format!("header {name} recorded twice")),
            (Some((_, Value::String(s))), None) => Ok(Some(s)),
            (Some(_), None) => Err(format!("header {name} is not a string")),
        }
    };
    match find(TRACE_HEADER) {
        Err(m) => report.fail(Code::DocumentInvalid, subj.clone().field(TRACE_HEADER), m),
        Ok(Some(t)) if t == trace_id => report.pass(
            Code::ContractHeader,
            subj.clone().field(TRACE_HEADER),
            "header carries the trace id",
        ),
        Ok(got) => report.fail(
            Code::ContractHeader,
            subj.clone().field(TRACE_HEADER),
            format!("header is {got:?}, expected {trace_id:?}"),
        ),
    }
    let sig = match find(SIG_HEADER) {
        Err(m) => {
            report.fail(Code::DocumentInvalid, subj.clone().field(SIG_HEADER), m);
            return;
        }
        Ok(None) => {
            report.fail(
                Code::ContractSig,
                subj.clone().field(SIG_HEADER),
                "no trace signature header recorded",
            );
            return;
        }
        Ok(Some(s)) => s,
    };
    let sig = match base64::engine::general_purpose::STANDARD.decode(sig) {
        Ok(s) => s,
        Err(e) => {
            report.fail(
                Code::DocumentInvalid,
                subj.clone().field(SIG_HEADER),
                format!("not padded standard base64: {e}"),
            );
            return;
        }
    };
    let (Some(key), Some(rsha)) = (app_key, response_sha256) else {
        report.fail(
            Code::ContractSig,
            subj.field(SIG_HEADER),
            "no app key (REQ_SEEN head) or no response to verify the trace signature against",
        );
        return;
    };
    check_signature(
        report,
        trust,
        SigCheck {
            invalid_code: Code::ContractSig.into(),
            subject: subj.field(SIG_HEADER),
            alg: Alg::Ed25519,
            public_key: key,
            message: &sig_message(trace_id, rsha),
            signature: &sig,
            context: b"",
            role: Some("trace"),
        },
    );
}

/// Checks that `trace_finalizing` (its `data`, at `line` of the chain) binds the
/// SHA-256 of `response.txt`.
pub fn check_response_binding(
    data: &crate::canon::Object,
    line: u64,
    response_sha: Option<&[u8; 32]>,
    report: &mut Report,
) {
    let subj = Subject::file(super::chain::TRACE_PATH)
        .line(line)
        .field("data.response_sha256");
    match (
        super::fields::hex32_field(data, "response_sha256"),
        response_sha,
    ) {
        (Err(m), _) => report.fail(Code::TraceLineInvalid, subj, m),
        (Ok(want), Some(got)) if want == *got => report.pass(
            Code::ArtifactHash,
            Subject::file(RESPONSE_PATH),
            "response bytes are the ones the trace finalized",
        ),
        (Ok(want), Some(got)) => report.fail(
            Code::ArtifactHash,
            Subject::file(RESPONSE_PATH),
            format!(
                "response hashes to {}, trace_finalizing binds {}",
                hex::encode(got),
                hex::encode(want)
            ),
        ),
        (Ok(_), None) => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn last_line() {
        let f = |s: &[u8]| stream_last_line(&mut &s[..]).unwrap();
        assert_eq!(f(b"hello\nTrace: x\n"), Some(b"Trace: x".to_vec()));
        assert_eq!(f(b"hello\nTrace: x"), Some(b"Trace: x".to_vec()));
        assert_eq!(f(b"Trace: x\n\n"), Some(b"".to_vec()));
        assert_eq!(f(b""), Some(vec![]));
        let long = [b"Trace: x\n".to_vec(), vec![b'a'; 5000]].concat();
        assert_eq!(f(&long), None);
    }
}
