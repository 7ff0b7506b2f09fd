//! Storage of plans' progress: one row per project, owner and plan (with the plan's steps
//! and when it was first completed), and the steps skipped.

use crate::clock::now;
use crate::db::{Db, Write};
use crate::error::{ApiError, ApiResult};
use crate::webhooks::store::{Event, enqueue};
use linkhub_protocol::onboarding::OnboardingStep;

/// A plan's stored progress.
#[derive(Debug, Clone)]
pub struct ProgressRow {
    pub plan_id: String,
    pub steps: Vec<OnboardingStep>,
    pub completed_at: Option<i64>,
}

#[derive(sqlx::FromRow)]
struct ProgressRecord {
    plan_id: String,
    steps: String,
    completed_at: Option<i64>,
}

impl TryFrom<ProgressRecord> for ProgressRow {
    type Error = ApiError;
    fn try_from(r: ProgressRecord) -> ApiResult<ProgressRow> {
        Ok(ProgressRow {
            steps: serde_json::from_str(&r.steps).map_err(|_| {
                ApiError::internal(format!("plan {}: the stored steps are corrupt", r.plan_id))
            })?,
            plan_id: r.plan_id,
            completed_at: r.completed_at,
        })
    }
}

/// The statement that makes the owner's progress row of a plan if there is none yet.
pub fn ensure(project_id: &str, owner_id: &str, plan_id: &str, steps: &[OnboardingStep]) -> Write {
    Write::new()
        .run(
            "INSERT INTO onboarding_progress (project_id, origin_owner_id, plan_id, steps, \
             completed_at, created_at) VALUES (:progress_project_id, :progress_owner_id, \
             :progress_plan_id, :progress_steps, NULL, :progress_created_at) \
             ON CONFLICT DO NOTHING",
        )
        .bind("progress_project_id", project_id)
        .bind("progress_owner_id", owner_id)
        .bind("progress_plan_id", plan_id)
        .bind(
            "progress_steps",
            serde_json::to_string(steps).unwrap_or_default(),
        )
        .bind("progress_created_at", now())
}

/// The owner's progress of one plan.
pub async fn get(
    db: &Db,
    project_id: &str,
    owner_id: &str,
    plan_id: &str,
) -> ApiResult<Option<ProgressRow>> {
    sqlx::query_as::<_, ProgressRecord>(
        "SELECT plan_id, steps, completed_at FROM onboarding_progress \
         WHERE project_id = $1 AND origin_owner_id = $2 AND plan_id = $3",
    )
    .bind(project_id)
    .bind(owner_id)
    .bind(plan_id)
    .fetch_optional(&db.pool)
    .await?
    .map(ProgressRow::try_from)
    .transpose()
}

/// The owner's plans not completed yet.
pub async fn incomplete(db: &Db, project_id: &str, owner_id: &str) -> ApiResult<Vec<ProgressRow>> {
    sqlx::query_as::<_, ProgressRecord>(
        "SELECT plan_id, steps, completed_at FROM onboarding_progress \
         WHERE project_id = $1 AND origin_owner_id = $2 AND completed_at IS NULL \
         ORDER BY created_at, plan_id",
    )
    .bind(project_id)
    .bind(owner_id)
    .fetch_all(&db.pool)
    .await?
    .into_iter()
    .map(ProgressRow::try_from)
    .collect()
}

/// The indexes of the steps the owner skipped in a plan.
pub async fn skipped(
    db: &Db,
    project_id: &str,
    owner_id: &str,
    plan_id: &str,
) -> ApiResult<Vec<i64>> {
    Ok(sqlx::query_scalar(
        "SELECT step_index FROM onboarding_skips \
         WHERE project_id = $1 AND origin_owner_id = $2 AND plan_id = $3 ORDER BY step_index",
    )
    .bind(project_id)
    .bind(owner_id)
    .bind(plan_id)
    .fetch_all(&db.pool)
    .await?)
}

/// Marks a step skipped, or taken up again.
pub fn set_skipped(
    project_id: &str,
    owner_id: &str,
    plan_id: &str,
    index: u32,
    skipped: bool,
) -> Write {
    let sql = if skipped {
        "INSERT INTO onboarding_skips (project_id, origin_owner_id, plan_id, step_index, \
         created_at) VALUES (:project_id, :owner_id, :plan_id, :step_index, :t) \
         ON CONFLICT DO NOTHING"
    } else {
        "DELETE FROM onboarding_skips WHERE project_id = :project_id \
         AND origin_owner_id = :owner_id AND plan_id = :plan_id AND step_index = :step_index"
    };
    let w = Write::new()
        .run(sql)
        .bind("project_id", project_id)
        .bind("owner_id", owner_id)
        .bind("plan_id", plan_id)
        .bind("step_index", i64::from(index));
    if skipped { w.bind("t", now()) } else { w }
}

/// Records that the plan is complete, with its `connect_session.completed` event. Required:
/// refused when another write (of this or another process) recorded it first, so exactly
/// one event is ever queued per owner and plan.
pub fn complete(project_id: &str, owner_id: &str, plan_id: &str, at: i64, event: &Event) -> Write {
    Write::new()
        .require(
            "UPDATE onboarding_progress SET completed_at = :completed_at \
             WHERE project_id = :project_id AND origin_owner_id = :owner_id \
             AND plan_id = :plan_id AND completed_at IS NULL",
        )
        .bind("completed_at", at)
        .bind("project_id", project_id)
        .bind("owner_id", owner_id)
        .bind("plan_id", plan_id)
        .then(enqueue(event))
}
