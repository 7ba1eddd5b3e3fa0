//! Every link post gets its canonical URL (what "already shared" and inbox
//! dedupe compare): posts stored before the column was kept had none, and the
//! server used to fill them in on every start. Data only; cheap when none
//! are missing.
//!
//! The canonical form is worked out here as the app did when this migration
//! was written (no fragment, no tracking parameters, the `url` crate's
//! normal form), not by calling the app: a migration must mean the same
//! thing whenever it runs, whatever the app's code has become since.

use sea_orm_migration::prelude::*;
use sea_orm_migration::sea_orm::{ConnectionTrait, DbBackend, FromQueryResult, Statement};

pub struct Migration;

impl MigrationName for Migration {
    fn name(&self) -> &str {
        "m20261206_000007_canonical_urls"
    }
}

#[derive(FromQueryResult)]
struct Missing {
    id: i64,
    url: String,
}

/// Query parameters that only say where a click came from.
fn is_tracking(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    name.starts_with("utm_")
        || matches!(
            name.as_str(),
            "fbclid" | "gclid" | "dclid" | "msclkid" | "mc_cid" | "mc_eid"
        )
}

/// The address without fragment or tracking parameters; an address that
/// does not parse is kept as it is.
fn canonical(raw: &str) -> String {
    let Ok(mut url) = url::Url::parse(raw.trim()) else {
        return raw.to_owned();
    };
    url.set_fragment(None);
    if url.query().is_some() {
        let kept: Vec<(String, String)> = url
            .query_pairs()
            .filter(|(k, _)| !is_tracking(k))
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            .collect();
        if kept.is_empty() {
            url.set_query(None);
        } else {
            url.query_pairs_mut().clear().extend_pairs(kept);
        }
    }
    url.to_string()
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let db = m.get_connection();
        let backend = db.get_database_backend();
        let missing = Missing::find_by_statement(Statement::from_string(
            backend,
            "SELECT id, url FROM posts WHERE url IS NOT NULL AND canonical_url IS NULL",
        ))
        .all(db)
        .await?;
        let update = match backend {
            DbBackend::Postgres => "UPDATE posts SET canonical_url = $1 WHERE id = $2",
            _ => "UPDATE posts SET canonical_url = ? WHERE id = ?",
        };
        for post in missing {
            db.execute(Statement::from_sql_and_values(
                backend,
                update,
                [canonical(&post.url).into(), post.id.into()],
            ))
            .await?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::canonical;

    #[test]
    fn tracking_and_fragments_go_and_real_parameters_stay() {
        assert_eq!(
            canonical("https://WWW.Example.org:443/news?id=7&utm_source=x&fbclid=y#top"),
            "https://www.example.org/news?id=7"
        );
        assert_eq!(
            canonical("https://example.org/a?utm_medium=email"),
            "https://example.org/a"
        );
        assert_eq!(canonical("not a url"), "not a url");
    }
}
