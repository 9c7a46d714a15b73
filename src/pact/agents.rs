//! PACT agent key files (`_*_pubkeys.json`): a JSON object mapping each agent id to its
//! Ed25519 public key in base58. Passed with `--agents FILE`, each entry pins that key
//! for that agent only (trust-store role `pact_agent:{agent_id}`).

use crate::canon::Value;
use crate::crypto::sig::Alg;
use crate::crypto::trust::PinnedKey;

/// Reads an agent key file. `source` names the file in key ids and errors. Errors are
/// for the auditor's own input (a usage error), never a verdict on evidence.
pub fn parse_agents(doc: &Value, source: &str) -> Result<Vec<PinnedKey>, String> {
    let o = doc.as_object().ok_or_else(|| {
        format!("{source}: an agent key file is a JSON object mapping agent id to base58 key")
    })?;
    if o.is_empty() {
        return Err(format!("{source}: no agents listed"));
    }
    let mut keys = Vec::new();
    for (agent, v) in o.iter() {
        let b58 = v
            .as_str()
            .ok_or_else(|| format!("{source}: key of agent {agent:?} is not a string"))?;
        let raw = bs58::decode(b58)
            .into_vec()
            .map_err(|e| format!("{source}: key of agent {agent:?} is not base58: {e}"))?;
        if raw.len() != Alg::Ed25519.public_key_len() {
            return Err(format!(
                "{source}: key of agent {agent:?} is {} bytes, an Ed25519 key is 32",
                raw.len()
            ));
        }
        keys.push(PinnedKey {
            id: format!("{source}#{agent}"),
            alg: Alg::Ed25519,
            public_key: raw,
            roles: vec![super::agent_role(agent)],
        });
    }
    Ok(keys)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_and_refuses() {
        let ok =
            crate::canon::parse_str(r#"{"buyer":"21wxunPRWgrzXqK48yeE1aEZtfpFU2AwY8odDiGgBT4J"}"#)
                .unwrap();
        let k = parse_agents(&ok, "a.json").unwrap();
        assert_eq!(k.len(), 1);
        assert_eq!(k[0].roles, vec!["pact_agent:buyer".to_string()]);
        assert_eq!(k[0].id, "a.json#buyer");
        for bad in [
            r#"[]"#,
            r#"{}"#,
            r#"{"b":1}"#,
            r#"{"b":"0OIl"}"#,
            r#"{"b":"abc"}"#,
        ] {
            assert!(
                parse_agents(&crate::canon::parse_str(bad).unwrap(), "x").is_err(),
                "{bad}"
            );
        }
    }
}
