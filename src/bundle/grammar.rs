//! The event types of the IF.emotion trace protocol v2 and the order they may appear in.

/// A trace event type. Anything else fails closed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventType {
    /// Witness snapshot: this request's REQ_SEEN entry and inclusion proof.
    ReqSeen,
    /// The request was accepted for processing.
    RequestReceived,
    /// The request was denied (missing login, quota, invalid input).
    RequestDenied,
    /// Retrieval finished.
    RetrievalDone,
    /// The prompt was assembled.
    PromptBuilt,
    /// The model answered.
    ModelDone,
    /// Citations were normalised.
    ReplacementApplied,
    /// The output guard transformed the answer.
    GuardApplied,
    /// The trace is closed; binds the response.
    TraceFinalizing,
}

impl EventType {
    /// Every type, in pipeline order.
    pub const ALL: [EventType; 9] = [
        EventType::ReqSeen,
        EventType::RequestReceived,
        EventType::RequestDenied,
        EventType::RetrievalDone,
        EventType::PromptBuilt,
        EventType::ModelDone,
        EventType::ReplacementApplied,
        EventType::GuardApplied,
        EventType::TraceFinalizing,
    ];

    /// The wire name.
    pub const fn name(self) -> &'static str {
        match self {
            EventType::ReqSeen => "req_seen",
            EventType::RequestReceived => "request_received",
            EventType::RequestDenied => "request_denied",
            EventType::RetrievalDone => "retrieval_done",
            EventType::PromptBuilt => "prompt_built",
            EventType::ModelDone => "model_done",
            EventType::ReplacementApplied => "replacement_applied",
            EventType::GuardApplied => "guard_applied",
            EventType::TraceFinalizing => "trace_finalizing",
        }
    }

    /// Parses a wire name (exact, case-sensitive).
    pub fn from_name(s: &str) -> Option<EventType> {
        Self::from_name_bytes(s.as_bytes())
    }

    /// [`EventType::from_name`] on bytes.
    pub fn from_name_bytes(s: &[u8]) -> Option<EventType> {
        Self::ALL.into_iter().find(|t| t.name().as_bytes() == s)
    }

    /// Pipeline phase of a processing event (1..=5), `None` for the others.
    fn phase(self) -> Option<u8> {
        Some(match self {
            EventType::RetrievalDone => 1,
            EventType::PromptBuilt => 2,
            EventType::ModelDone => 3,
            EventType::ReplacementApplied => 4,
            EventType::GuardApplied => 5,
            _ => return None,
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum State {
    Start,
    Witnessed,
    Received { phase: u8, last: EventType },
    Denied,
    Finalized,
}

/// The grammar as a state machine:
///
/// ```text
/// trace     = req_seen decision
/// decision  = request_denied trace_finalizing
///           | request_received processing* trace_finalizing
/// processing: retrieval_done, prompt_built, model_done, replacement_applied,
///             guard_applied, each optional and repeatable, in that (non-decreasing) order
/// ```
#[derive(Clone, Debug)]
pub struct Grammar {
    state: State,
}

impl Default for Grammar {
    fn default() -> Self {
        Grammar {
            state: State::Start,
        }
    }
}

impl Grammar {
    /// A grammar at the start of a trace.
    pub fn new() -> Self {
        Self::default()
    }

    /// Feeds the next event; `Err` explains the violation (the state is kept, so one
    /// misplaced event yields one finding).
    pub fn step(&mut self, t: EventType) -> Result<(), String> {
        use EventType as E;
        let next = match (self.state, t) {
            (State::Start, E::ReqSeen) => State::Witnessed,
            (State::Start, _) => {
                return Err(format!(
                    "trace starts with {} instead of req_seen",
                    t.name()
                ))
            }
            (State::Witnessed, E::RequestReceived) => State::Received { phase: 0, last: t },
            (State::Witnessed, E::RequestDenied) => State::Denied,
            (State::Witnessed, _) => {
                return Err(format!(
                    "{} where request_received or request_denied must follow req_seen",
                    t.name()
                ))
            }
            (State::Denied, E::TraceFinalizing) => State::Finalized,
            (State::Denied, _) => {
                return Err(format!(
                    "{} after request_denied: a denied request goes straight to trace_finalizing",
                    t.name()
                ))
            }
            (State::Received { .. }, E::TraceFinalizing) => State::Finalized,
            (State::Received { phase, last }, _) => match t.phase() {
                Some(p) if p >= phase => State::Received { phase: p, last: t },
                Some(_) => {
                    return Err(format!(
                        "{} after {}: processing events out of pipeline order",
                        t.name(),
                        last.name()
                    ))
                }
                None => {
                    return Err(format!(
                        "second {} in one trace: a trace has one req_seen and one decision",
                        t.name()
                    ))
                }
            },
            (State::Finalized, _) => {
                return Err(format!("{} after trace_finalizing", t.name()));
            }
        };
        self.state = next;
        Ok(())
    }

    /// Checks the trace ended properly (`Err` explains what is missing).
    pub fn finish(&self) -> Result<(), String> {
        match self.state {
            State::Finalized => Ok(()),
            State::Start => Err("trace has no events".into()),
            _ => Err("trace does not end with trace_finalizing".into()),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use EventType as E;

    fn run(ts: &[E]) -> Result<(), String> {
        let mut g = Grammar::new();
        for t in ts {
            g.step(*t)?;
        }
        g.finish()
    }

    #[test]
    fn accepts_protocol_traces() {
        run(&[E::ReqSeen, E::RequestDenied, E::TraceFinalizing]).unwrap();
        run(&[E::ReqSeen, E::RequestReceived, E::TraceFinalizing]).unwrap();
        run(&[
            E::ReqSeen,
            E::RequestReceived,
            E::RetrievalDone,
            E::RetrievalDone,
            E::PromptBuilt,
            E::ModelDone,
            E::ReplacementApplied,
            E::GuardApplied,
            E::TraceFinalizing,
        ])
        .unwrap();
    }

    #[test]
    fn rejects_violations() {
        for bad in [
            &[][..],
            &[E::RequestReceived, E::TraceFinalizing],
            &[E::ReqSeen, E::TraceFinalizing],
            &[
                E::ReqSeen,
                E::RequestDenied,
                E::ModelDone,
                E::TraceFinalizing,
            ],
            &[
                E::ReqSeen,
                E::RequestReceived,
                E::RequestDenied,
                E::TraceFinalizing,
            ],
            &[
                E::ReqSeen,
                E::RequestReceived,
                E::ModelDone,
                E::PromptBuilt,
                E::TraceFinalizing,
            ],
            &[
                E::ReqSeen,
                E::RequestReceived,
                E::TraceFinalizing,
                E::GuardApplied,
            ],
            &[E::ReqSeen, E::RequestReceived, E::ModelDone],
            &[
                E::ReqSeen,
                E::ReqSeen,
                E::RequestReceived,
                E::TraceFinalizing,
            ],
        ] {
            assert!(run(bad).is_err(), "{bad:?}");
        }
        assert_eq!(E::from_name("model_done"), Some(E::ModelDone));
        assert_eq!(E::from_name("Model_done"), None);
    }
}
