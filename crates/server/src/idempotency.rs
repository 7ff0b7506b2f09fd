//! `Idempotency-Key`s of `POST /hub/accounts`: a key is claimed together with its final
//! answer, in the same write as what the request changed (or alone, for a refusal), so a
//! retry with the same key and body gets that answer again, and another body under the key
//! is refused.

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::Response;
use serde_json::Value;

use crate::clock::now;
use crate::crypto;
use crate::db::{Db, Write};
use crate::error::{ApiError, ApiResult, json_response};

/// An `Idempotency-Key` and the hash of the request it came with.
#[derive(Debug, Clone)]
pub struct IdemKey {
    pub session_id: String,
    pub key: String,
    pub request_hash: String,
}

impl IdemKey {
    /// The request's key, if it sent one; `request` is what identifies the request's body.
    pub fn from_headers(
        headers: &HeaderMap,
        session_id: &str,
        request: &str,
    ) -> ApiResult<Option<IdemKey>> {
        let Some(value) = headers.get("idempotency-key") else {
            return Ok(None);
        };
        let key = value
            .to_str()
            .ok()
            .filter(|k| !k.is_empty() && k.len() <= 255)
            .ok_or_else(|| {
                ApiError::bad_request("Idempotency-Key must be 1 to 255 visible characters")
            })?;
        Ok(Some(IdemKey {
            session_id: session_id.to_string(),
            key: key.to_string(),
            request_hash: crypto::sha256_hex(request),
        }))
    }

    /// Where this process remembers the answer.
    pub fn memo_key(&self) -> String {
        format!("{}\n{}", self.session_id, self.key)
    }

    /// The statement that claims the key with its answer (parameters `:idem_…`), to put
    /// first in the request's write: required, so a key claimed already stops the write.
    pub fn claim(&self, status: StatusCode, body: &Value) -> Write {
        Write::new()
            .require(
                "INSERT INTO idempotency_keys (session_id, idem_key, request_hash, created_at, \
                 status_code, response) VALUES (:idem_session_id, :idem_key, :idem_request_hash, \
                 :idem_created_at, :idem_status, :idem_response) ON CONFLICT DO NOTHING",
            )
            .bind("idem_session_id", &self.session_id)
            .bind("idem_key", &self.key)
            .bind("idem_request_hash", &self.request_hash)
            .bind("idem_created_at", now())
            .bind("idem_status", i64::from(status.as_u16()))
            .bind("idem_response", body.to_string())
    }
}

fn key_reused() -> ApiError {
    ApiError::new(
        StatusCode::UNPROCESSABLE_ENTITY,
        "Idempotency-Key was already used with a different request",
    )
}

/// An answer given under a key.
#[derive(Debug, Clone)]
pub struct StoredAnswer {
    pub request_hash: String,
    pub status: StatusCode,
    pub body: Value,
}

impl StoredAnswer {
    /// The answer again for a retry, or the error for a different request under the key.
    pub fn answer(&self, idem: &IdemKey) -> ApiResult<Response> {
        if self.request_hash != idem.request_hash {
            return Err(key_reused());
        }
        Ok(json_response(self.status, &self.body))
    }
}

/// An `idempotency_keys` row.
#[derive(sqlx::FromRow)]
struct KeyRecord {
    request_hash: String,
    status_code: Option<i64>,
    response: Option<String>,
}

/// What the database holds under a key.
#[derive(Debug)]
pub enum Stored {
    Unknown,
    /// Claimed by a request still running (rows of older versions claimed keys first).
    InProgress,
    /// Answered: the answer as a replay.
    Answered(Response),
}

/// The stored answer under a key; an error when it was used with another request.
pub async fn stored(db: &Db, idem: &IdemKey) -> ApiResult<Stored> {
    let row = sqlx::query_as::<_, KeyRecord>(
        "SELECT request_hash, status_code, response FROM idempotency_keys \
         WHERE session_id = $1 AND idem_key = $2",
    )
    .bind(&idem.session_id)
    .bind(&idem.key)
    .fetch_optional(&db.pool)
    .await?;
    let Some(row) = row else {
        return Ok(Stored::Unknown);
    };
    if row.request_hash != idem.request_hash {
        return Err(key_reused());
    }
    let (Some(status), Some(response)) = (row.status_code, row.response) else {
        return Ok(Stored::InProgress);
    };
    let status = u16::try_from(status)
        .ok()
        .and_then(|s| StatusCode::from_u16(s).ok())
        .unwrap_or(StatusCode::OK);
    let value: Value = serde_json::from_str(&response).unwrap_or(Value::Null);
    let mut response = json_response(status, &value);
    response
        .headers_mut()
        .insert("idempotent-replayed", HeaderValue::from_static("true"));
    Ok(Stored::Answered(response))
}
