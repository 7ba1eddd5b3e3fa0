//! The admins' site lists: blocked domains (links to them cannot be shared)
//! and approved ones (marked as trusted sources). A listing covers subdomains;
//! the most specific listing wins.

use sea_orm::sea_query::OnConflict;
use sea_orm::{ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, TransactionTrait};

use super::{audit, begin_write};
use crate::domain::audit::{AuditAction, AuditTarget};
use crate::domain::site::{SiteDomain, covering_domains};
use crate::domain::time::{When, now};
use crate::entities::site_rule;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SiteKind {
    Blocked,
    Approved,
}

impl SiteKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SiteKind::Blocked => "blocked",
            SiteKind::Approved => "approved",
        }
    }

    pub fn parse(raw: &str) -> Option<Self> {
        match raw {
            "blocked" => Some(SiteKind::Blocked),
            "approved" => Some(SiteKind::Approved),
            _ => None,
        }
    }
}

/// A listed site, as the admin page and the share form show it.
#[derive(Debug, Clone)]
pub struct SiteRule {
    pub id: i64,
    pub domain: String,
    pub kind: SiteKind,
    pub note: String,
    pub added: When,
}

impl SiteRule {
    /// Why a link to this (blocked) site cannot be shared, for the form.
    pub fn blocked_message(&self) -> String {
        let why = if self.note.is_empty() {
            String::new()
        } else {
            format!(" ({})", self.note)
        };
        format!(
            "Links to {} cannot be shared here: the site is on the blocked list{why}.",
            self.domain
        )
    }
}

impl From<site_rule::Model> for SiteRule {
    fn from(m: site_rule::Model) -> Self {
        Self {
            id: m.id,
            domain: m.domain,
            kind: SiteKind::parse(&m.kind).unwrap_or(SiteKind::Blocked),
            note: m.note,
            added: When::new(m.created_at),
        }
    }
}

pub async fn list(db: &impl ConnectionTrait) -> Result<Vec<SiteRule>, sea_orm::DbErr> {
    Ok(site_rule::Entity::find()
        .order_by_asc(site_rule::Column::Domain)
        .all(db)
        .await?
        .into_iter()
        .map(SiteRule::from)
        .collect())
}

/// The listing that applies to a host, if any (the most specific one).
pub async fn rule_for(db: &impl ConnectionTrait, host: &str) -> Result<Option<SiteRule>, sea_orm::DbErr> {
    let candidates = covering_domains(host);
    let rules = site_rule::Entity::find()
        .filter(site_rule::Column::Domain.is_in(candidates.clone()))
        .all(db)
        .await?;
    Ok(candidates
        .iter()
        .find_map(|d| rules.iter().find(|r| &r.domain == d).cloned())
        .map(SiteRule::from))
}

/// List a domain (or move it to the other list), with a note on why.
pub async fn put(
    db: &impl TransactionTrait,
    actor_id: i64,
    domain: &SiteDomain,
    kind: SiteKind,
    note: &str,
) -> Result<(), sea_orm::DbErr> {
    let txn = begin_write(db).await?;
    site_rule::Entity::insert(site_rule::ActiveModel {
        domain: Set(domain.as_str().to_owned()),
        kind: Set(kind.as_str().to_owned()),
        note: Set(note.trim().to_owned()),
        created_by: Set(Some(actor_id)),
        created_at: Set(now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(site_rule::Column::Domain)
            .update_columns([
                site_rule::Column::Kind,
                site_rule::Column::Note,
                site_rule::Column::CreatedBy,
                site_rule::Column::CreatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(&txn)
    .await?;
    audit::record(
        &txn,
        Some(actor_id),
        match kind {
            SiteKind::Blocked => AuditAction::SiteBlock,
            SiteKind::Approved => AuditAction::SiteApprove,
        },
        &AuditTarget::Site(domain.as_str().to_owned()),
        note.trim(),
    )
    .await?;
    txn.commit().await
}

pub async fn remove(db: &impl TransactionTrait, actor_id: i64, id: i64) -> Result<Option<String>, sea_orm::DbErr> {
    let txn = begin_write(db).await?;
    let Some(rule) = site_rule::Entity::find_by_id(id).one(&txn).await? else {
        return Ok(None);
    };
    site_rule::Entity::delete_by_id(id).exec(&txn).await?;
    audit::record(
        &txn,
        Some(actor_id),
        AuditAction::SiteUnlist,
        &AuditTarget::Site(rule.domain.clone()),
        "",
    )
    .await?;
    txn.commit().await?;
    Ok(Some(rule.domain))
}
