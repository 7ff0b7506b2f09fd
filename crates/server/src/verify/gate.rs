//! The check of a link or an edit, decided by the project's [`Policy`]: whether the
//! account may be stored (and whether as unverified), or what to answer instead.

use std::collections::BTreeMap;

use linkhub_protocol::catalog::ConnectorDefinition;

use super::words::{Words, unverified_reason};
use super::{Checker, Failure, Outcome, Policy, ProviderResponse, Values, Verdict};
use crate::i18n::Lang;

/// What to do with submitted credentials.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Gate {
    /// Store the account; `unverified` holds its status reason when the provider could not
    /// be reached (best-effort).
    Store {
        unverified: Option<String>,
        /// The check's outcome, when one was made.
        outcome: Option<Outcome>,
    },
    /// Store nothing; answer this.
    Reject(Rejection),
}

/// The answer to credentials that may not be stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Rejection {
    /// 400 for a refusal (the user can fix a field), 504 for a provider that did not
    /// answer in time, 502 for one that could not be reached or answered with an error
    /// (the user can only retry).
    pub status: u16,
    pub words: Words,
    pub provider_response: Option<ProviderResponse>,
    pub outcome: Outcome,
}

/// Checks `values` with the connector's check, unless the policy is `off` or the connector
/// declares none, and decides.
pub async fn gate(
    checker: &Checker,
    connector: &ConnectorDefinition,
    values: &BTreeMap<String, String>,
    lang: Lang,
) -> Gate {
    let policy = checker.settings.policy;
    let Some(check) = connector.check.as_ref().filter(|_| policy != Policy::Off) else {
        return Gate::Store {
            unverified: None,
            outcome: None,
        };
    };
    let values = Values::new(&connector.fields, values.clone());
    let outcome = checker.check(&connector.key, check, &values).await;
    match policy.verdict(&outcome) {
        Verdict::Store { unverified } => Gate::Store {
            unverified: unverified.then(|| unverified_reason(connector, lang)),
            outcome: Some(outcome),
        },
        Verdict::Reject => {
            let Some(words) = outcome.words(connector, lang) else {
                // `words` is only `None` for a success, which is never rejected.
                return Gate::Store {
                    unverified: None,
                    outcome: Some(outcome),
                };
            };
            let status = match &outcome {
                _ if words.code != super::words::CODE_UNAVAILABLE => 400,
                Outcome::Failed {
                    reason: Failure::Timeout,
                } => 504,
                _ => 502,
            };
            Gate::Reject(Rejection {
                status,
                words,
                provider_response: outcome.provider_response(),
                outcome,
            })
        }
    }
}
