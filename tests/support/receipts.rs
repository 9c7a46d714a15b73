//! Test support for LIVE_HASHED receipts: a deterministic producer (receipts, chain
//! fields, provider exports shaped like OpenAI and OpenRouter ones, thermo ledgers) and
//! the fixture corpus committed under `testdata/receipts/`.
//!
//! Everything is derived from fixed strings through SHA-256: no clock, no randomness.
#![allow(dead_code)]

use std::collections::BTreeMap;

use evv::canon::{self, Dialect, Object, Value};
use evv::crypto::hash::sha256_hex;
use evv::obj;
use evv::receipts::receipt::{self, GENESIS, SCHEMA_ID};

/// 2024-11-22T18:33:20Z: the first call's start.
pub const T0: u64 = 1_732_300_400_000;

pub fn o(v: Value) -> Object {
    match v {
        Value::Object(o) => o,
        _ => unreachable!("not an object"),
    }
}

fn alnum(seed: &str, n: usize) -> String {
    const A: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    let mut out = String::new();
    let mut ctr = 0;
    while out.len() < n {
        let h = evv::crypto::hash::sha256(format!("{seed}/{ctr}").as_bytes());
        for b in h {
            if out.len() < n {
                out.push(A[b as usize % A.len()] as char);
            }
        }
        ctr += 1;
    }
    out
}

fn uuid(seed: &str) -> String {
    let h = sha256_hex(seed.as_bytes());
    format!(
        "{}-{}-4{}-a{}-{}",
        &h[0..8],
        &h[8..12],
        &h[13..16],
        &h[17..20],
        &h[20..32]
    )
}

/// Provider request id of call `i` (shaped like the provider's own ids).
pub fn request_id(provider: &str, i: u64) -> String {
    match provider {
        "openrouter" => format!(
            "gen-{}-{}",
            T0 / 1000 + i * 60,
            alnum(&format!("or{i}"), 20)
        ),
        _ => format!("chatcmpl-{}", alnum(&format!("oa{i}"), 29)),
    }
}

pub fn t_start(i: u64) -> u64 {
    T0 + i * 60_000
}
pub fn latency(i: u64) -> u64 {
    800 + i * 37
}

/// A base receipt (no chain fields) of call `i`.
pub fn base(provider: &str, i: u64, model: &str, usage: Option<(u64, u64)>, status: u64) -> Object {
    let (host, endpoint) = match provider {
        "openrouter" => ("openrouter.ai", "/api/v1/chat/completions"),
        _ => ("api.openai.com", "/v1/chat/completions"),
    };
    let rid = request_id(provider, i);
    let ts = t_start(i);
    let mut r = o(obj! {
        "schema_id" => SCHEMA_ID,
        "schema_version_hash" => receipt::schema_version_hash(),
        "trace_id" => uuid(&format!("trace/{provider}/{i}")),
        "provider_id" => provider,
        "lane" => "LIVE_HASHED",
        "model" => model,
        "endpoint" => endpoint,
        "key_index" => i % 3,
        "key_count" => 3u64,
        "t_start_ms" => ts,
        "t_end_ms" => ts + latency(i),
        "latency_ms" => latency(i),
        "host" => host,
        "http_status" => status,
        "tls_cert_sha256" => sha256_hex(format!("tls-cert:{host}").as_bytes()),
        "request_id" => rid.as_str(),
        "response_bytes_sha256" => sha256_hex(format!("response:{provider}:{i}").as_bytes()),
        "response_bytes_len" => 512 + i * 13,
        "pass" => status == 200,
    });
    if provider == "openai" {
        r.insert("request_id_sha256", sha256_hex(rid.as_bytes()));
    }
    match usage {
        Some((p, c)) => {
            r.insert(
                "usage",
                obj! {"prompt_tokens" => p, "completion_tokens" => c, "total_tokens" => p + c},
            );
        }
        None => {
            r.insert("usage", Value::Null);
        }
    }
    if status != 200 {
        r.insert(
            "fail_reason",
            format!("http {status}: provider refused the call"),
        );
    }
    r
}

/// Adds chain fields in order, starting from GENESIS (exactly as the store does).
pub fn chain(receipts: Vec<Object>) -> Vec<Object> {
    let mut prev = GENESIS.to_string();
    receipts
        .into_iter()
        .map(|mut r| {
            for f in receipt::CHAIN_FIELDS {
                r.remove(f);
            }
            rechain(&mut r, &prev);
            prev = r.get("receipt_hash").unwrap().as_str().unwrap().to_string();
            r
        })
        .collect()
}

/// Recomputes one receipt's chain fields with predecessor `prev`.
pub fn rechain(r: &mut Object, prev: &str) {
    let id = hex::encode(receipt::receipt_id(r).unwrap());
    r.insert("receipt_id", id);
    r.insert("prev_receipt_hash", prev);
    r.remove("receipt_hash");
    let h = hex::encode(receipt::receipt_hash(r).unwrap());
    r.insert("receipt_hash", h);
}

pub fn hash_of(r: &Object) -> String {
    r.get("receipt_hash").unwrap().as_str().unwrap().to_string()
}

/// One canonical line per receipt (the Python producer's `json.dumps(sort_keys=True,
/// separators=(",", ":"))`), newline-terminated.
pub fn jsonl(rs: &[Object]) -> Vec<u8> {
    let mut out = Vec::new();
    for r in rs {
        out.extend(canon::to_vec(&Value::Object(r.clone()), Dialect::Python).unwrap());
        out.push(b'\n');
    }
    out
}

/// One call: (index, model, usage as (prompt, completion), HTTP status).
pub type Call = (u64, &'static str, Option<(u64, u64)>, u64);

/// The calls of the OpenAI fixture.
pub fn openai_calls() -> Vec<Call> {
    vec![
        (0, "gpt-4o-mini", Some((412, 96)), 200),
        (1, "gpt-4o-mini", Some((1034, 221)), 200),
        (2, "gpt-4o", None, 429),
        (3, "gpt-4o", Some((87, 15)), 200),
    ]
}

/// The calls of the OpenRouter fixture.
pub fn openrouter_calls() -> Vec<Call> {
    vec![
        (0, "openai/gpt-4o-mini", Some((233, 58)), 200),
        (1, "anthropic/claude-3.5-sonnet", Some((1502, 410)), 200),
        (2, "meta-llama/llama-3.1-70b-instruct", Some((64, 12)), 200),
    ]
}

pub fn openai_bases() -> Vec<Object> {
    openai_calls()
        .into_iter()
        .map(|(i, m, u, s)| base("openai", i, m, u, s))
        .collect()
}
pub fn openrouter_bases() -> Vec<Object> {
    openrouter_calls()
        .into_iter()
        .map(|(i, m, u, s)| base("openrouter", i, m, u, s))
        .collect()
}
pub fn openai_receipts() -> Vec<Object> {
    chain(openai_bases())
}
pub fn openrouter_receipts() -> Vec<Object> {
    chain(openrouter_bases())
}

/// OpenAI reports the dated snapshot of the model that served the call.
pub fn snapshot(model: &str) -> String {
    match model {
        "gpt-4o-mini" => "gpt-4o-mini-2024-07-18".into(),
        "gpt-4o" => "gpt-4o-2024-08-06".into(),
        m => m.into(),
    }
}

/// An export row of one billed call (provider-neutral; rendered per format below).
#[derive(Clone, Debug)]
pub struct Row {
    pub id: String,
    pub model: String,
    pub t_ms: u64,
    pub prompt: u64,
    pub completion: u64,
}

/// Billed rows of a receipt set: every call with usage (failed calls are not billed).
pub fn rows_of(receipts: &[Object], provider: &str) -> Vec<Row> {
    receipts
        .iter()
        .filter_map(|r| {
            let u = r.get("usage")?.as_object()?;
            let model = r.get("model")?.as_str()?;
            Some(Row {
                id: r.get("request_id")?.as_str()?.to_string(),
                model: if provider == "openai" {
                    snapshot(model)
                } else {
                    model.to_string()
                },
                t_ms: r.get("t_start_ms")?.as_u64()? + 120,
                prompt: u.get("prompt_tokens")?.as_u64()?,
                completion: u.get("completion_tokens")?.as_u64()?,
            })
        })
        .collect()
}

fn civil(days: i64) -> (i64, u64, u64) {
    let z = days + 719468;
    let era = if z >= 0 { z } else { z - 146096 } / 146097;
    let doe = (z - era * 146097) as u64;
    let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
    let y = yoe as i64 + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = doy - (153 * mp + 2) / 5 + 1;
    let m = if mp < 10 { mp + 3 } else { mp - 9 };
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// `YYYY-MM-DD{sep}HH:MM:SS.mmm` in UTC.
pub fn iso(ms: u64, sep: char, z: bool) -> String {
    let secs = ms / 1000;
    let (y, mo, d) = civil((secs / 86400) as i64);
    let s = secs % 86400;
    format!(
        "{y:04}-{mo:02}-{d:02}{sep}{:02}:{:02}:{:02}.{:03}{}",
        s / 3600,
        s / 60 % 60,
        s % 60,
        ms % 1000,
        if z { "Z" } else { "" }
    )
}

/// Shaped like OpenAI's stored chat completions list (`GET /v1/chat/completions`).
pub fn openai_json(rows: &[Row]) -> Vec<u8> {
    let data: Vec<Value> = rows
        .iter()
        .map(|r| {
            obj! {
                "id" => r.id.as_str(),
                "object" => "chat.completion",
                "created" => r.t_ms / 1000,
                "model" => r.model.as_str(),
                "service_tier" => "default",
                "system_fingerprint" => "fp_0ba0d124f1",
                "request_id" => Value::Null,
                "usage" => obj!{
                    "prompt_tokens" => r.prompt,
                    "completion_tokens" => r.completion,
                    "total_tokens" => r.prompt + r.completion,
                    "prompt_tokens_details" => obj!{"cached_tokens" => 0u64, "audio_tokens" => 0u64},
                    "completion_tokens_details" => obj!{"reasoning_tokens" => 0u64, "audio_tokens" => 0u64},
                },
            }
        })
        .collect();
    let first = rows.first().map(|r| r.id.clone()).unwrap_or_default();
    let last = rows.last().map(|r| r.id.clone()).unwrap_or_default();
    let doc = obj! {"object" => "list", "data" => data, "first_id" => first, "last_id" => last, "has_more" => false};
    let mut s = canon::to_pretty(&doc).into_bytes();
    s.push(b'\n');
    s
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The OpenAI list flattened to CSV (one row per completion), CRLF line ends.
pub fn openai_csv(rows: &[Row]) -> Vec<u8> {
    let mut s = String::from("id,object,created,model,service_tier,prompt_tokens,completion_tokens,total_tokens,cached_tokens,reasoning_tokens\r\n");
    for r in rows {
        s.push_str(&format!(
            "{},chat.completion,{},{},default,{},{},{},0,0\r\n",
            csv_field(&r.id),
            r.t_ms / 1000,
            csv_field(&r.model),
            r.prompt,
            r.completion,
            r.prompt + r.completion
        ));
    }
    s.into_bytes()
}

fn or_provider(model: &str) -> &'static str {
    match model.split('/').next() {
        Some("openai") => "OpenAI",
        Some("anthropic") => "Anthropic",
        _ => "Together",
    }
}

/// Shaped like an OpenRouter activity export (one generation per row).
pub fn openrouter_csv(rows: &[Row]) -> Vec<u8> {
    let mut s = String::from("generation_id,created_at,cost_total,cost_web_search,cost_cache,tokens_prompt,tokens_completion,tokens_reasoning,tokens_cached,model_permaslug,provider_name,variant,cancelled,streamed,user,finish_reason_raw,finish_reason_normalized,generation_time_ms,time_to_first_token_ms,app_name,api_key_name\n");
    for r in rows {
        s.push_str(&format!(
            "{},{},{:.6},0,0,{},{},0,0,{},{},standard,false,true,,stop,stop,{},{},\"evv fixtures, LIVE_HASHED\",key-{}\n",
            r.id,
            iso(r.t_ms, ' ', false),
            (r.prompt + 4 * r.completion) as f64 * 1e-6,
            r.prompt,
            r.completion,
            r.model,
            or_provider(&r.model),
            700 + r.completion,
            180,
            r.id.len() % 3,
        ));
    }
    s.into_bytes()
}

/// Shaped like OpenRouter's generation metadata (`GET /api/v1/generation`), as a list.
pub fn openrouter_json(rows: &[Row]) -> Vec<u8> {
    let data: Vec<Value> = rows
        .iter()
        .map(|r| {
            obj! {
                "id" => r.id.as_str(),
                "model" => r.model.as_str(),
                "created_at" => iso(r.t_ms, 'T', true),
                "provider_name" => or_provider(&r.model),
                "streamed" => true,
                "cancelled" => false,
                "tokens_prompt" => r.prompt,
                "tokens_completion" => r.completion,
                "native_tokens_prompt" => r.prompt + 3,
                "native_tokens_completion" => r.completion,
                "native_tokens_reasoning" => 0u64,
                "latency" => 180u64,
                "generation_time" => 700 + r.completion,
                "finish_reason" => "stop",
                "origin" => "",
                "usage" => (r.prompt + 4 * r.completion) as f64 * 1e-6,
            }
        })
        .collect();
    let mut s = canon::to_pretty(&obj! {"data" => data}).into_bytes();
    s.push(b'\n');
    s
}

/// A thermo debit for a receipt.
pub fn debit(r: &Object, dt_ms: u64) -> Object {
    let total = r
        .get("usage")
        .and_then(Value::as_object)
        .and_then(|u| u.get("total_tokens"))
        .and_then(Value::as_u64);
    o(obj! {
        "schema_id" => "kt.thermo.debit.v1",
        "timestamp_ms" => r.get("t_end_ms").unwrap().as_u64().unwrap() + dt_ms,
        "receipt_hash" => hash_of(r),
        "model" => r.get("model").unwrap().clone(),
        "total_tokens" => total.map_or(Value::Null, Value::from),
        "lane" => "LIVE_HASHED",
    })
}

pub fn ledger(rs: &[Object]) -> Vec<Object> {
    rs.iter().map(|r| debit(r, 250)).collect()
}

/// How a case is run.
#[derive(Clone, Debug)]
pub enum Cmd {
    /// `evv receipts receipts.jsonl [--thermo thermo.jsonl] [--require-usage] [--allow-host H]...`
    Receipts {
        thermo: bool,
        require_usage: bool,
        allow_hosts: Vec<&'static str>,
    },
    /// `evv reconcile receipts.jsonl --export <export> [--tolerance-tokens N]`
    Reconcile {
        export: &'static str,
        tolerance_tokens: u64,
    },
}

/// One fixture: its files (relative to its directory), how to run it, what it yields.
#[derive(Clone, Debug)]
pub struct Case {
    pub name: &'static str,
    pub cmd: Cmd,
    pub files: Vec<(&'static str, Vec<u8>)>,
    pub status: &'static str,
    pub codes: Vec<&'static str>,
    pub what: &'static str,
}

fn rc(thermo: bool, require_usage: bool) -> Cmd {
    Cmd::Receipts {
        thermo,
        require_usage,
        allow_hosts: vec![],
    }
}

fn rec(export: &'static str) -> Cmd {
    Cmd::Reconcile {
        export,
        tolerance_tokens: 0,
    }
}

fn tamper_content(
    name: &'static str,
    codes: Vec<&'static str>,
    what: &'static str,
    f: impl Fn(&mut Object),
) -> Case {
    let mut bases = openai_bases();
    f(&mut bases[1]);
    Case {
        name,
        cmd: rc(false, false),
        files: vec![("receipts.jsonl", jsonl(&chain(bases)))],
        status: "INVALID",
        codes,
        what,
    }
}

fn set(r: &mut Object, k: &str, v: impl Into<Value>) {
    r.insert(k, v.into());
}

fn chained_case(
    name: &'static str,
    codes: Vec<&'static str>,
    what: &'static str,
    rs: Vec<Object>,
) -> Case {
    Case {
        name,
        cmd: rc(false, false),
        files: vec![("receipts.jsonl", jsonl(&rs))],
        status: "TAMPERED",
        codes,
        what,
    }
}

fn recon_case(
    name: &'static str,
    codes: Vec<&'static str>,
    status: &'static str,
    what: &'static str,
    receipts: &[Object],
    export: Vec<u8>,
) -> Case {
    Case {
        name,
        cmd: rec("export.csv"),
        files: vec![("receipts.jsonl", jsonl(receipts)), ("export.csv", export)],
        status,
        codes,
        what,
    }
}

fn thermo_case(
    name: &'static str,
    codes: Vec<&'static str>,
    status: &'static str,
    what: &'static str,
    receipts: &[Object],
    debits: Vec<Object>,
    require_usage: bool,
) -> Case {
    Case {
        name,
        cmd: rc(true, require_usage),
        files: vec![
            ("receipts.jsonl", jsonl(receipts)),
            ("thermo.jsonl", jsonl(&debits)),
        ],
        status,
        codes,
        what,
    }
}

/// Valid fixtures (status VALID, no failing code).
pub fn valid_cases() -> Vec<Case> {
    let oa = openai_receipts();
    let or = openrouter_receipts();
    let oar = rows_of(&oa, "openai");
    let orr = rows_of(&or, "openrouter");
    let both = |r: &[Object], ename: &'static str, e: Vec<u8>| {
        vec![("receipts.jsonl", jsonl(r)), (ename, e)]
    };
    vec![
        Case {
            name: "openai_chain",
            cmd: rc(true, false),
            files: vec![("receipts.jsonl", jsonl(&oa)), ("thermo.jsonl", jsonl(&ledger(&oa)))],
            status: "VALID",
            codes: vec![],
            what: "four chained OpenAI receipts (one HTTP 429 failure receipt without usage) and a thermo ledger debiting each once",
        },
        Case {
            name: "openai_json",
            cmd: rec("export.json"),
            files: both(&oa, "export.json", openai_json(&oar)),
            status: "VALID",
            codes: vec![],
            what: "reconciliation against an export shaped like OpenAI's stored chat completions list (dated model snapshots, nested usage); the 429 call is not billed",
        },
        Case {
            name: "openai_csv",
            cmd: rec("export.csv"),
            files: both(&oa, "export.csv", openai_csv(&oar)),
            status: "VALID",
            codes: vec![],
            what: "the same export flattened to RFC 4180 CSV with CRLF line ends",
        },
        Case {
            name: "openrouter_csv",
            cmd: rec("export.csv"),
            files: both(&or, "export.csv", openrouter_csv(&orr)),
            status: "VALID",
            codes: vec![],
            what: "OpenRouter receipts (request_id only) against an export shaped like OpenRouter's activity CSV (generation_id, created_at, tokens_prompt, model_permaslug, a quoted app name)",
        },
        Case {
            name: "openrouter_json",
            cmd: rec("export.json"),
            files: both(&or, "export.json", openrouter_json(&orr)),
            status: "VALID",
            codes: vec![],
            what: "OpenRouter receipts against generation metadata shaped like GET /api/v1/generation (RFC 3339 created_at)",
        },
        Case {
            name: "allow_host",
            cmd: Cmd::Receipts {
                thermo: false,
                require_usage: false,
                allow_hosts: vec!["llm-gateway.example.net"],
            },
            files: vec![("receipts.jsonl", {
                let mut b = openai_bases();
                for r in &mut b {
                    set(r, "host", "llm-gateway.example.net");
                }
                jsonl(&chain(b))
            })],
            status: "VALID",
            codes: vec![],
            what: "receipts from a gateway host accepted because the auditor passed --allow-host llm-gateway.example.net",
        },
    ]
}

/// One tamper case per rule.
pub fn tamper_cases() -> Vec<Case> {
    let oa = openai_receipts();
    let oar = rows_of(&oa, "openai");
    let mut v = Vec::new();

    // ---- Chain of custody.
    let mut rs = oa.clone();
    let u = rs[1].get("usage").unwrap().as_object().unwrap().clone();
    let mut u2 = u.clone();
    u2.insert("prompt_tokens", 1);
    u2.insert(
        "total_tokens",
        1 + u.get("completion_tokens").unwrap().as_u64().unwrap(),
    );
    rs[1].insert("usage", Value::Object(u2));
    v.push(chained_case(
        "content_edited",
        vec!["receipts.chain.hash_mismatch", "receipts.chain.id_mismatch"],
        "line 2's usage edited after chaining (kept internally consistent)",
        rs,
    ));

    let mut rs = oa.clone();
    set(&mut rs[3], "receipt_hash", sha256_hex(b"forged"));
    v.push(chained_case(
        "hash_edited",
        vec!["receipts.chain.hash_mismatch"],
        "the last receipt's receipt_hash replaced",
        rs,
    ));

    let mut rs = oa.clone();
    set(&mut rs[1], "receipt_id", sha256_hex(b"forged id"));
    let prev = rs[1]
        .get("prev_receipt_hash")
        .unwrap()
        .as_str()
        .unwrap()
        .to_string();
    rs[1].remove("receipt_hash");
    let h = hex::encode(receipt::receipt_hash(&rs[1]).unwrap());
    rs[1].insert("receipt_hash", h);
    let _ = prev;
    let mut tail = vec![rs[0].clone(), rs[1].clone()];
    tail.extend(chain_from(&rs[1], oa[2..].to_vec()));
    v.push(chained_case("id_forged", vec!["receipts.chain.id_mismatch"], "line 2's receipt_id replaced and the chain re-hashed from there: only the id preimage disagrees", tail));

    let mut rs = oa.clone();
    let mut b = openai_bases()[1].clone();
    set(&mut b, "response_bytes_len", 9999u64);
    let prev = hash_of(&rs[0]);
    rechain(&mut b, &prev);
    rs[1] = b;
    v.push(chained_case("rechained", vec!["receipts.chain.gap"], "line 2 replaced by a different receipt with fresh chain fields: line 3 names a predecessor that is no longer in the file", rs));

    let mut rs = oa.clone();
    rs.insert(2, rs[1].clone());
    v.push(chained_case(
        "duplicate",
        vec!["receipts.chain.duplicate_id"],
        "line 2 appended twice",
        rs,
    ));

    let mut rs = oa.clone();
    let mut alt = openai_bases()[1].clone();
    set(&mut alt, "latency_ms", latency(1) + 1);
    set(&mut alt, "t_end_ms", t_start(1) + latency(1) + 1);
    rechain(&mut alt, &hash_of(&oa[0]));
    rs.insert(2, alt);
    v.push(chained_case(
        "fork",
        vec!["receipts.chain.fork"],
        "a second, different receipt naming line 1 as its predecessor",
        rs,
    ));

    let mut rs = oa.clone();
    rs.remove(1);
    v.push(chained_case(
        "gap",
        vec!["receipts.chain.gap"],
        "line 2 removed",
        rs,
    ));

    let mut rs = oa.clone();
    rs.remove(0);
    v.push(chained_case(
        "gap_head",
        vec!["receipts.chain.gap"],
        "the genesis receipt removed: the file does not start from GENESIS",
        rs,
    ));

    let mut rs = oa.clone();
    rs.swap(1, 2);
    v.push(chained_case(
        "reordered",
        vec!["receipts.chain.reordered"],
        "lines 2 and 3 swapped",
        rs,
    ));

    let mut rs = oa.clone();
    for f in receipt::CHAIN_FIELDS {
        rs[3].remove(f);
    }
    let mut c = chained_case(
        "unpersisted",
        vec!["receipts.chain.unpersisted"],
        "the last line is a base receipt without chain fields",
        rs,
    );
    c.status = "INVALID";
    v.push(c);

    // ---- File-level.
    let mut c = chained_case(
        "empty",
        vec!["receipts.file.empty"],
        "an empty receipts file",
        vec![],
    );
    c.status = "INVALID";
    v.push(c);
    let mut bytes = jsonl(&oa);
    bytes.extend_from_slice(b"{\"schema_id\": \"kt.live_hashed.receipt.v1\",\n");
    v.push(Case {
        name: "parse_error",
        cmd: rc(false, false),
        files: vec![("receipts.jsonl", bytes)],
        status: "INVALID",
        codes: vec!["json.parse"],
        what: "a truncated final line",
    });
    let mut bytes = jsonl(&oa);
    bytes.extend_from_slice(b"[1,2,3]\n");
    v.push(Case {
        name: "not_object",
        cmd: rc(false, false),
        files: vec![("receipts.jsonl", bytes)],
        status: "INVALID",
        codes: vec!["receipts.content.not_object"],
        what: "a line holding an array",
    });

    // ---- Required content (tampered before chaining: only the content rule fails).
    v.push(tamper_content(
        "schema_unknown",
        vec!["receipts.content.schema_unknown"],
        "schema_id of another schema",
        |r| set(r, "schema_id", "kt.live_hashed.receipt.v0"),
    ));
    v.push(tamper_content(
        "schema_version",
        vec!["receipts.content.schema_version_mismatch"],
        "schema_version_hash of another revision",
        |r| {
            set(
                r,
                "schema_version_hash",
                sha256_hex(b"kt.live_hashed.receipt.v2"),
            )
        },
    ));
    v.push(tamper_content(
        "missing_tls",
        vec!["receipts.content.missing_field"],
        "tls_cert_sha256 (mandatory) absent",
        |r| {
            r.remove("tls_cert_sha256");
        },
    ));
    v.push(tamper_content(
        "missing_request_id",
        vec!["receipts.content.missing_field"],
        "neither request_id nor request_id_sha256",
        |r| {
            r.remove("request_id");
            r.remove("request_id_sha256");
        },
    ));
    v.push(tamper_content(
        "field_type",
        vec!["receipts.content.field_type"],
        "response_bytes_sha256 in uppercase hex",
        |r| {
            let s = r
                .get("response_bytes_sha256")
                .unwrap()
                .as_str()
                .unwrap()
                .to_uppercase();
            set(r, "response_bytes_sha256", s)
        },
    ));
    v.push(tamper_content(
        "unknown_field",
        vec!["receipts.content.unknown_field"],
        "an undeclared field region",
        |r| set(r, "region", "us-east-1"),
    ));
    v.push(tamper_content(
        "lane",
        vec!["receipts.content.lane"],
        "lane DRY_RUN",
        |r| set(r, "lane", "DRY_RUN"),
    ));
    v.push(tamper_content(
        "key_index_range",
        vec!["receipts.content.key_index_range"],
        "key_index equal to key_count",
        |r| set(r, "key_index", 3u64),
    ));
    v.push(tamper_content(
        "timing_order",
        vec!["receipts.content.timing"],
        "t_start_ms after t_end_ms",
        |r| {
            let e = r.get("t_end_ms").unwrap().as_u64().unwrap();
            set(r, "t_start_ms", e + 1)
        },
    ));
    v.push(tamper_content(
        "latency",
        vec!["receipts.content.timing"],
        "latency_ms not t_end_ms - t_start_ms",
        |r| set(r, "latency_ms", 1u64),
    ));
    v.push(tamper_content(
        "usage_sum",
        vec!["receipts.content.usage_sum"],
        "total_tokens not prompt + completion",
        |r| {
            let mut u = r.get("usage").unwrap().as_object().unwrap().clone();
            u.insert("total_tokens", 1u64);
            set(r, "usage", u)
        },
    ));
    v.push(tamper_content(
        "request_id_hash",
        vec!["receipts.content.request_id_hash"],
        "request_id_sha256 of another id",
        |r| set(r, "request_id_sha256", sha256_hex(b"chatcmpl-other")),
    ));
    v.push(tamper_content(
        "fail_reason_missing",
        vec!["receipts.content.fail_reason"],
        "pass false without fail_reason",
        |r| set(r, "pass", false),
    ));
    v.push(tamper_content(
        "non200_pass",
        vec!["receipts.content.non200_pass"],
        "http_status 500 recorded as pass",
        |r| set(r, "http_status", 500u64),
    ));
    v.push(tamper_content(
        "host_not_allowed",
        vec!["receipts.content.host_not_allowed"],
        "host api.openai.com.evil.example",
        |r| set(r, "host", "api.openai.com.evil.example"),
    ));
    v.push(tamper_content(
        "forbidden_field",
        vec!["receipts.privacy.forbidden_field"],
        "the prompt persisted in a messages field",
        |r| {
            set(
                r,
                "messages",
                vec![obj! {"role" => "user", "content" => "what is my balance?"}],
            )
        },
    ));
    v.push(tamper_content(
        "key_material",
        vec!["receipts.privacy.key_material"],
        "a key id persisted beside key_index",
        |r| set(r, "key_id", "primary"),
    ));
    v.push(tamper_content(
        "secret_value",
        vec!["receipts.privacy.secret_value"],
        "an API key inside fail_reason",
        |r| {
            set(r, "pass", false);
            set(
                r,
                "fail_reason",
                "401 for Authorization: Bearer sk-proj-4f9aQ2lVn8sXw1TbZ7cK3mR5",
            );
        },
    ));
    v.push(tamper_content(
        "blob",
        vec!["receipts.privacy.blob"],
        "a base64 encoding of the output hidden in trace_id",
        |r| {
            set(
                r,
                "trace_id",
                "WW91ciBiYWxhbmNlIGlzIDQyLjAwIEVVUiBhcyBvZiB0b2RheS4gSGF2ZSBhIG5pY2UgZGF5IQ==",
            )
        },
    ));

    // ---- Reconciliation (receipts valid; the export disagrees).
    let csv = |rows: &[Row]| openai_csv(rows);
    let mut rows = oar.clone();
    rows.remove(1);
    v.push(recon_case(
        "unmatched_receipt",
        vec!["receipts.reconcile.unmatched_receipt"],
        "TAMPERED",
        "the export lacks the row of receipt line 2 (usage the provider never billed)",
        &oa,
        csv(&rows),
    ));
    let mut rows = oar.clone();
    rows.push(Row {
        id: "chatcmpl-UnreceiptedCall0000000000000".into(),
        model: "gpt-4o-2024-08-06".into(),
        t_ms: t_start(5),
        prompt: 5000,
        completion: 900,
    });
    v.push(recon_case(
        "unmatched_export_row",
        vec!["receipts.reconcile.unmatched_export_row"],
        "TAMPERED",
        "the export bills a call no receipt claims",
        &oa,
        csv(&rows),
    ));
    let mut rows = oar.clone();
    rows[0].model = "gpt-4o-2024-08-06".into();
    v.push(recon_case(
        "model_mismatch",
        vec!["receipts.reconcile.model_mismatch"],
        "TAMPERED",
        "the provider served gpt-4o where the receipt says gpt-4o-mini",
        &oa,
        csv(&rows),
    ));
    let mut rows = oar.clone();
    rows[1].t_ms += 3_600_000;
    v.push(recon_case(
        "time_mismatch",
        vec!["receipts.reconcile.time_mismatch"],
        "TAMPERED",
        "the export's time is an hour after the receipt's window",
        &oa,
        csv(&rows),
    ));
    let mut rows = oar.clone();
    rows[1].prompt += 50;
    v.push(recon_case("usage_mismatch", vec!["receipts.reconcile.usage_mismatch"], "TAMPERED", "the provider billed 50 more prompt tokens than receipted (passes with --tolerance-tokens 50)", &oa, csv(&rows)));
    let mut rows = oar.clone();
    rows.push(rows[0].clone());
    v.push(recon_case(
        "export_duplicate",
        vec!["receipts.export.duplicate_request"],
        "INVALID",
        "the export lists one request twice",
        &oa,
        csv(&rows),
    ));
    let mut bad = csv(&oar);
    bad.extend_from_slice(
        b"\"chatcmpl-unterminated,chat.completion,1732301400,gpt-4o,default,1,1,2,0,0\r\n",
    );
    v.push(recon_case(
        "export_malformed",
        vec!["receipts.export.malformed"],
        "INVALID",
        "an unterminated quoted field in the CSV",
        &oa,
        bad,
    ));
    let mut b = openai_bases();
    let mut twin = b[1].clone();
    set(&mut twin, "t_start_ms", t_start(1) + 5);
    set(&mut twin, "t_end_ms", t_start(1) + 5 + latency(1));
    b.push(twin);
    let rs = chain(b);
    v.push(recon_case(
        "duplicate_request",
        vec!["receipts.reconcile.duplicate_request"],
        "TAMPERED",
        "two chained receipts claim the same provider request",
        &rs,
        csv(&oar),
    ));

    // ---- Thermo ledger.
    let l = ledger(&oa);
    let mut d = l.clone();
    set(&mut d[0], "receipt_hash", sha256_hex(b"no such receipt"));
    v.push(thermo_case(
        "thermo_unknown_receipt",
        vec!["receipts.thermo.unknown_receipt"],
        "TAMPERED",
        "a debit naming no receipt",
        &oa,
        d,
        false,
    ));
    let mut bases = openai_bases();
    set(&mut bases[1], "region", "us-east-1");
    let broken = chain(bases);
    v.push(thermo_case(
        "thermo_unverified_receipt",
        vec![
            "receipts.content.unknown_field",
            "receipts.thermo.unverified_receipt",
        ],
        "TAMPERED",
        "a debit of a receipt that fails its own checks",
        &broken,
        ledger(&broken),
        false,
    ));
    let mut d = l.clone();
    set(&mut d[1], "model", "gpt-4o");
    v.push(thermo_case(
        "thermo_model",
        vec!["receipts.thermo.model_mismatch"],
        "TAMPERED",
        "a debit priced for another model",
        &oa,
        d,
        false,
    ));
    let mut d = l.clone();
    set(&mut d[1], "total_tokens", 9999u64);
    v.push(thermo_case(
        "thermo_tokens",
        vec!["receipts.thermo.tokens_mismatch"],
        "TAMPERED",
        "a debit claiming more tokens than the receipt",
        &oa,
        d,
        false,
    ));
    let mut d = l.clone();
    d.push(d[0].clone());
    v.push(thermo_case(
        "thermo_double_debit",
        vec!["receipts.thermo.double_debit"],
        "TAMPERED",
        "one receipt debited twice",
        &oa,
        d,
        false,
    ));
    v.push(thermo_case(
        "thermo_usage_required",
        vec!["receipts.thermo.usage_missing"],
        "INVALID",
        "the valid ledger under --require-usage: the 429 call's debit has no usage",
        &oa,
        l.clone(),
        true,
    ));
    let mut d = l.clone();
    d[3] = debit(&oa[3], 0);
    let ts = d[3].get("timestamp_ms").unwrap().as_u64().unwrap();
    set(&mut d[3], "timestamp_ms", ts - 5000);
    v.push(thermo_case(
        "thermo_before_call",
        vec!["receipts.thermo.debit_before_call"],
        "TAMPERED",
        "a debit stamped before the call ended",
        &oa,
        d,
        false,
    ));
    let mut d = l.clone();
    set(&mut d[0], "lane", "DRY_RUN");
    v.push(thermo_case(
        "thermo_malformed",
        vec!["receipts.thermo.malformed"],
        "INVALID",
        "a debit from the DRY_RUN lane",
        &oa,
        d,
        false,
    ));
    v
}

/// Re-chains `rest` after receipt `prev`.
fn chain_from(prev: &Object, rest: Vec<Object>) -> Vec<Object> {
    let mut p = hash_of(prev);
    rest.into_iter()
        .map(|mut r| {
            for f in receipt::CHAIN_FIELDS {
                r.remove(f);
            }
            rechain(&mut r, &p);
            p = hash_of(&r);
            r
        })
        .collect()
}

pub fn all_cases() -> Vec<(&'static str, Case)> {
    let mut v: Vec<(&'static str, Case)> =
        valid_cases().into_iter().map(|c| ("valid", c)).collect();
    v.extend(tamper_cases().into_iter().map(|c| ("tamper", c)));
    v
}

/// The command line of a case, relative to its directory.
pub fn command_line(c: &Case) -> String {
    match &c.cmd {
        Cmd::Receipts {
            thermo,
            require_usage,
            allow_hosts,
        } => {
            let mut s = "evv receipts receipts.jsonl".to_string();
            for h in allow_hosts {
                s.push_str(&format!(" --allow-host {h}"));
            }
            if *thermo {
                s.push_str(" --thermo thermo.jsonl");
            }
            if *require_usage {
                s.push_str(" --require-usage");
            }
            s
        }
        Cmd::Reconcile {
            export,
            tolerance_tokens,
        } => {
            let mut s = format!("evv reconcile receipts.jsonl --export {export}");
            if *tolerance_tokens > 0 {
                s.push_str(&format!(" --tolerance-tokens {tolerance_tokens}"));
            }
            s
        }
    }
}

/// Every committed file under testdata/receipts/, by relative path.
pub fn fixture_files() -> BTreeMap<String, Vec<u8>> {
    let mut m = BTreeMap::new();
    let mut readme = String::from(
        "# testdata/receipts\n\nGenerated by `tests/support/receipts.rs` (regenerate with `EVV_BLESS=1 cargo test --test receipts`;\n\
         a test fails when these bytes drift). Every fixture is one directory; run the command\n\
         from inside it. Status and failing codes are asserted by `tests/receipts.rs`.\n\n\
         | fixture | command | status | failing codes | what |\n|---|---|---|---|---|\n",
    );
    for (group, c) in all_cases() {
        let dir = format!("{group}/{}", c.name);
        for (f, b) in &c.files {
            m.insert(format!("{dir}/{f}"), b.clone());
        }
        let codes = if c.codes.is_empty() {
            "—".to_string()
        } else {
            c.codes
                .iter()
                .map(|c| format!("`{c}`"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        readme.push_str(&format!(
            "| `{dir}` | `{}` | {} | {codes} | {} |\n",
            command_line(&c),
            c.status,
            c.what
        ));
    }
    readme.push_str("\nThe benchmark (`scripts/bench_receipts.sh`) generates its million-line inputs into /tmp; none are committed.\n");
    m.insert("README.md".into(), readme.into_bytes());
    m
}
