//! The weekly digest for one reader, as the sender, the preview command and
//! (later) the preview page put it together: their preferences, what they
//! may read now, the week's span in the organisation's zone.

use crate::domain::digest::{DigestContents, DigestWeek, Frequency};
use crate::domain::policy::Actor;
use crate::domain::time::now;
use crate::email::digest as compose;
use crate::state::AppState;
use crate::store::{digest, users};

/// One reader's digest for a week, and whether they would be sent it.
pub struct Preview {
    pub contents: DigestContents,
    pub subject: String,
    pub text: String,
    /// They chose not to get the digest at all.
    pub switched_off: bool,
}

#[derive(Debug, thiserror::Error)]
pub enum PreviewError {
    #[error("nobody has the address {0}")]
    NoSuchPerson(String),
    #[error("{0}'s account is suspended, so they get no digest")]
    Suspended(String),
    #[error(transparent)]
    Db(#[from] sea_orm::DbErr),
}

/// The week a digest sent now would report on: the last whole week.
pub fn last_week(state: &AppState) -> DigestWeek {
    state.settings.digest.schedule().reports_on(now())
}

/// The week the next digest to go out will report on (the one an editor's
/// note written now is for).
pub fn next_week(state: &AppState) -> DigestWeek {
    let schedule = state.settings.digest.schedule();
    let at = now();
    schedule.reports_on(schedule.next_after(at).unwrap_or(at))
}

/// What `email` would get for `week`, under what they may read now.
pub async fn preview(state: &AppState, email: &str, week: DigestWeek) -> Result<Preview, PreviewError> {
    let email = email.trim().to_lowercase();
    let account = users::account_by_email(&state.db, &email)
        .await?
        .ok_or_else(|| PreviewError::NoSuchPerson(email.clone()))?;
    if !account.active {
        return Err(PreviewError::Suspended(email));
    }
    let reader = Actor {
        user_id: account.id,
        roles: account.roles,
        channels: account.channels,
    };
    let prefs = digest::preferences(&state.db, reader.user_id).await?;
    let span = week.span(state.settings.digest.timezone);
    let contents = digest::contents(&state.db, &reader, &prefs, week, span).await?;
    let base = state.settings.public_base();
    // The sender gives each reader their own unsubscribe link; a preview
    // points at the settings page both for choosing and for stopping.
    let links = compose::Links {
        view_in_browser: format!("{base}/digest/{week}"),
        preferences: format!("{base}/settings/email"),
        unsubscribe: format!("{base}/settings/email"),
        base,
    };
    Ok(Preview {
        subject: compose::subject(&contents),
        text: compose::text(&contents, &links),
        switched_off: prefs.frequency == Frequency::Never,
        contents,
    })
}
