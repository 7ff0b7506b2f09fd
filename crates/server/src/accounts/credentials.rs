//! Credentials a widget submits: which connector they are for, as text, checked against
//! the connector's rules (no database).

use std::collections::BTreeMap;

use linkhub_protocol::validate::FieldError;
use serde_json::Value;

use crate::catalog::Connector;
use crate::connectors::connector_for;
use crate::error::{ApiError, ApiResult};
use crate::i18n::Text;
use crate::sessions::store::Session;
use crate::state::AppState;
use linkhub_protocol::hub::CreateAccountRequest;

/// Turns submitted credential values into text, naming the ones that are not scalars.
pub fn credential_text(
    credentials: &BTreeMap<String, Value>,
) -> ApiResult<BTreeMap<String, String>> {
    let mut values = BTreeMap::new();
    let mut errors = BTreeMap::new();
    for (k, v) in credentials {
        match v {
            Value::String(s) => {
                values.insert(k.clone(), s.clone());
            }
            Value::Number(n) => {
                values.insert(k.clone(), n.to_string());
            }
            Value::Bool(b) => {
                values.insert(k.clone(), b.to_string());
            }
            Value::Null => {}
            _ => {
                errors.insert(k.clone(), Text::Key("server_not_text_value"));
            }
        }
    }
    if errors.is_empty() {
        Ok(values)
    } else {
        Err(ApiError::UserFields {
            message: Text::Key("server_invalid_credentials"),
            fields: errors,
        })
    }
}

/// `Ok` when the values keep the connector's rules, else the 400 that names each field.
pub fn check_fields(c: &Connector, values: &BTreeMap<String, String>) -> ApiResult<()> {
    refuse_broken_rules(c.validate(values))
}

/// `Ok` when no field broke a rule, else the 400 that names each one.
pub fn refuse_broken_rules(errors: BTreeMap<String, FieldError>) -> ApiResult<()> {
    if errors.is_empty() {
        return Ok(());
    }
    Err(ApiError::UserFields {
        message: Text::Key("server_invalid_credentials"),
        fields: errors
            .into_iter()
            .map(|(k, e)| (k, Text::Field(e)))
            .collect(),
    })
}

/// The connector a link names, if the session may link it with credentials.
pub fn link_connector<'a>(
    state: &'a AppState,
    session: &Session,
    integration_id: &str,
) -> ApiResult<&'a Connector> {
    let (_, c) =
        connector_for(state, session, integration_id).ok_or_else(|| ApiError::UserFields {
            message: Text::Key("server_unknown_connector"),
            fields: BTreeMap::from([(
                "integration_id".to_string(),
                Text::Key("server_unknown_connector"),
            )]),
        })?;
    if c.is_oauth2 {
        return Err(ApiError::bad_request(
            "This connector links through OAuth: start a connection attempt instead",
        ));
    }
    Ok(c)
}

/// A link request, validated: the connector and the credential values.
pub fn prepare_link<'a>(
    state: &'a AppState,
    session: &Session,
    req: &CreateAccountRequest,
) -> ApiResult<(&'a Connector, BTreeMap<String, String>)> {
    let c = link_connector(state, session, &req.integration_id)?;
    let values = credential_text(&req.credentials)?;
    check_fields(c, &values)?;
    Ok((c, values))
}

/// The credential check of values about to be stored, by the project's policy (see
/// [`crate::verify::gate`]): what to store with the account, or the answer that stores
/// nothing (400 with the per-field messages and the provider's response for a refusal,
/// 502/504 with `provider_unavailable` for a provider that did not answer).
pub async fn check_credentials(
    state: &AppState,
    c: &Connector,
    values: &BTreeMap<String, String>,
) -> ApiResult<super::link::LinkCheck> {
    use crate::verify::gate::{Gate, gate};
    use crate::verify::words::REASON_UNVERIFIED;
    use linkhub_protocol::api::StatusReason;
    match gate(
        &state.checker,
        &c.definition,
        values,
        crate::i18n::current(),
    )
    .await
    {
        Gate::Store {
            unverified,
            outcome,
        } => {
            let at = crate::clock::now();
            Ok(super::link::LinkCheck {
                reasons: unverified
                    .map(|description| StatusReason {
                        code: Some(REASON_UNVERIFIED.to_owned()),
                        description: Some(description),
                        timestamp: Some(crate::clock::rfc3339(at)),
                        extra: BTreeMap::new(),
                    })
                    .into_iter()
                    .collect(),
                result: outcome.map(|o| (o.kind(), at)),
            })
        }
        Gate::Reject(r) => Err(ApiError::Check {
            status: axum::http::StatusCode::from_u16(r.status)
                .unwrap_or(axum::http::StatusCode::BAD_GATEWAY),
            code: r.words.code,
            message: r.words.message,
            fields: r.words.fields,
            provider_response: r
                .provider_response
                .and_then(|p| serde_json::to_value(p).ok()),
        }),
    }
}
