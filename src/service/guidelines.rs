//! The community guidelines: a moderator publishes a new version, and
//! everyone accepts the version in force before their next post or reply.

use sea_orm::{DbErr, TransactionTrait};

use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::guidelines::Draft;
use crate::domain::markdown;
use crate::domain::policy::{self, Actor, Refusal};
use crate::store::{self, audit, guidelines};

#[derive(Debug, thiserror::Error)]
pub enum GuidelinesError {
    #[error("not allowed")]
    Refused(Refusal),
    /// A newer version came out since the page was read.
    #[error("the guidelines changed since you opened them")]
    Changed,
    #[error("no guidelines have been published")]
    NoneYet,
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Publish the next version; everyone else will be asked to accept it.
/// Its author accepts it by writing it. Returns the version.
pub async fn publish(db: &impl TransactionTrait, actor: &Actor, draft: &Draft) -> Result<i32, GuidelinesError> {
    if !policy::can_moderate(actor) {
        return Err(GuidelinesError::Refused(Refusal::ModeratorsOnly));
    }
    let html = markdown::render(&draft.body_md, |_| false);
    let txn = store::begin_write(db).await?;
    let version = guidelines::publish(&txn, Some(actor.user_id), &draft.body_md, &html, &draft.summary).await?;
    guidelines::accept(&txn, actor.user_id, version).await?;
    audit::record(
        &txn,
        Some(actor.user_id),
        AuditAction::GuidelinesPublish,
        &AuditTarget::Guidelines(version),
        &draft.summary,
    )
    .await?;
    txn.commit().await?;
    Ok(version)
}

/// Accept `version`, which must be the one in force.
pub async fn accept(db: &impl TransactionTrait, user_id: i64, version: i32) -> Result<(), GuidelinesError> {
    let txn = store::begin_write(db).await?;
    let current = guidelines::current(&txn).await?.ok_or(GuidelinesError::NoneYet)?;
    if current.version != version {
        return Err(GuidelinesError::Changed);
    }
    guidelines::accept(&txn, user_id, version).await?;
    txn.commit().await?;
    Ok(())
}
