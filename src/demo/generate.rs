//! Bulk data for benchmarks: `commonroom demo --posts N` adds N realistic
//! posts (with replies and reactions) spread over two years, written in
//! batches so 100k posts take seconds, not hours.

use chrono::Duration;
use rand::rngs::SmallRng;
use rand::seq::IndexedRandom;
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveValue::Set, ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder, QuerySelect};

use crate::domain::markdown;
use crate::domain::post::PostKind;
use crate::domain::time::now;
use crate::entities::{channel, post, post_reaction, reply, search_outbox, user};

const BATCH: usize = 400;

/// Words to write with, taken from the demo organisation's own posts.
fn vocabulary() -> Vec<String> {
    let text = super::BRACKENSHIRE;
    let mut words: Vec<String> = text
        .split(|c: char| !c.is_alphabetic() && c != '\'')
        .filter(|w| w.len() > 2 && w.chars().all(|c| c.is_lowercase() || c == '\''))
        .map(str::to_owned)
        .collect();
    words.sort();
    words.dedup();
    words
}

fn sentence(rng: &mut SmallRng, vocab: &[String], min: usize, max: usize) -> String {
    let n = rng.random_range(min..=max);
    let mut s = String::new();
    for i in 0..n {
        // A rough Zipf: earlier words in a shuffled list come up far more often.
        let idx = ((rng.random::<f64>().powi(3)) * vocab.len() as f64) as usize;
        let w = &vocab[idx.min(vocab.len() - 1)];
        if i == 0 {
            let mut c = w.chars();
            if let Some(f) = c.next() {
                s.extend(f.to_uppercase());
                s.push_str(c.as_str());
            }
        } else {
            s.push(' ');
            s.push_str(w);
        }
    }
    s
}

fn paragraph(rng: &mut SmallRng, vocab: &[String]) -> String {
    let n = rng.random_range(1..=4);
    (0..n)
        .map(|_| format!("{}.", sentence(rng, vocab, 6, 18)))
        .collect::<Vec<_>>()
        .join(" ")
}

const DOMAINS: [&str; 10] = [
    "gov.uk",
    "local.gov.uk",
    "ncsc.gov.uk",
    "nhs.uk",
    "ico.org.uk",
    "w3.org",
    "gds.blog.gov.uk",
    "ukhsa.blog.gov.uk",
    "lgcplus.com",
    "theguardian.com",
];

/// Add `count` generated posts to a database that already has people and
/// channels, telling `progress` how many are done after each batch.
pub async fn posts(
    db: &DatabaseConnection,
    count: usize,
    seed: u64,
    mut progress: impl FnMut(usize),
) -> anyhow::Result<()> {
    let users: Vec<i64> = user::Entity::find().all(db).await?.into_iter().map(|u| u.id).collect();
    let channels: Vec<i64> = channel::Entity::find()
        .all(db)
        .await?
        .into_iter()
        .map(|c| c.id)
        .collect();
    anyhow::ensure!(
        !users.is_empty() && !channels.is_empty(),
        "load the demo organisation first (it has no people or channels)"
    );
    let vocab = vocabulary();
    anyhow::ensure!(vocab.len() > 50, "the demo vocabulary is too small");
    let mut rng = SmallRng::seed_from_u64(seed);
    let end = now();
    let span_secs = 730 * 86_400_i64;
    let mut offsets: Vec<i64> = (0..count).map(|_| rng.random_range(0..span_secs)).collect();
    offsets.sort_unstable_by(|a, b| b.cmp(a));

    let mut done = 0;
    for chunk in offsets.chunks(BATCH) {
        let txn = crate::store::begin_write(db).await?;
        let mut post_rows = Vec::with_capacity(chunk.len());
        let mut plans = Vec::with_capacity(chunk.len());
        for &offset in chunk {
            let published = end - Duration::seconds(offset);
            let is_link = rng.random_bool(0.6);
            let title = sentence(&mut rng, &vocab, 4, 11);
            let body_md = (0..rng.random_range(1..=3))
                .map(|_| paragraph(&mut rng, &vocab))
                .collect::<Vec<_>>()
                .join("\n\n");
            let domain = DOMAINS.choose(&mut rng).copied().unwrap_or("gov.uk");
            let url = is_link.then(|| format!("https://www.{domain}/{}", title.to_lowercase().replace(' ', "-")));
            let n_replies = [0, 0, 1, 1, 2, 3, 5].choose(&mut rng).copied().unwrap_or(0);
            let reply_times: Vec<_> = (0..n_replies)
                .map(|i| (published + Duration::minutes(15 * (i + 1) + rng.random_range(0..120))).min(end))
                .collect();
            let last = reply_times.last().copied().unwrap_or(published);
            let author = *users.choose(&mut rng).unwrap_or(&users[0]);
            post_rows.push(post::ActiveModel {
                channel_id: Set(*channels.choose(&mut rng).unwrap_or(&channels[0])),
                author_id: Set(author),
                kind: Set(if is_link { PostKind::Link } else { PostKind::Discussion }
                    .as_str()
                    .into()),
                title: Set(title),
                canonical_url: Set(url.clone()),
                url: Set(url),
                url_domain: Set(is_link.then(|| domain.to_owned())),
                body_html: Set(markdown::render(&body_md, |_| false)),
                body_md: Set(body_md),
                created_at: Set(published),
                published_at: Set(published),
                edited_at: Set(None),
                deleted_at: Set(None),
                deleted_by: Set(None),
                hidden_at: Set(None),
                reply_count: Set(n_replies as i32),
                last_activity_at: Set(last),
                ..Default::default()
            });
            let n_likers = rng.random_range(0..4);
            let likers: Vec<i64> = users.choose_multiple(&mut rng, n_likers).copied().collect();
            plans.push((reply_times, likers));
        }
        let before: Option<i64> = post::Entity::find()
            .select_only()
            .column_as(post::Column::Id.max(), "max")
            .into_tuple()
            .one(&txn)
            .await?
            .flatten();
        post::Entity::insert_many(post_rows)
            .exec_without_returning(&txn)
            .await?;
        // Rows of one insert get ascending ids in the order given.
        let new_ids: Vec<i64> = post::Entity::find()
            .select_only()
            .column(post::Column::Id)
            .filter(post::Column::Id.gt(before.unwrap_or(0)))
            .order_by_asc(post::Column::Id)
            .into_tuple()
            .all(&txn)
            .await?;
        anyhow::ensure!(
            new_ids.len() == chunk.len(),
            "another writer added posts during generation"
        );
        let mut reply_rows = Vec::new();
        let mut reaction_rows = Vec::new();
        let mut outbox_rows = Vec::new();
        for (i, (reply_times, likers)) in plans.into_iter().enumerate() {
            let post_id = new_ids[i];
            outbox_rows.push(search_outbox::ActiveModel {
                entity: Set("post".into()),
                entity_id: Set(post_id),
                created_at: Set(end),
                ..Default::default()
            });
            for at in reply_times {
                let body_md = paragraph(&mut rng, &vocab);
                reply_rows.push(reply::ActiveModel {
                    post_id: Set(post_id),
                    author_id: Set(*users.choose(&mut rng).unwrap_or(&users[0])),
                    quote_of: Set(None),
                    body_html: Set(markdown::render(&body_md, |_| false)),
                    body_md: Set(body_md),
                    created_at: Set(at),
                    ..Default::default()
                });
            }
            for user_id in likers {
                reaction_rows.push(post_reaction::ActiveModel {
                    post_id: Set(post_id),
                    user_id: Set(user_id),
                    kind: Set("like".into()),
                    created_at: Set(end),
                });
            }
        }
        for rows in reply_rows.chunks(BATCH) {
            reply::Entity::insert_many(rows.to_vec())
                .exec_without_returning(&txn)
                .await?;
        }
        if !reaction_rows.is_empty() {
            post_reaction::Entity::insert_many(reaction_rows)
                .exec_without_returning(&txn)
                .await?;
        }
        search_outbox::Entity::insert_many(outbox_rows)
            .exec_without_returning(&txn)
            .await?;
        txn.commit().await?;
        done += chunk.len();
        progress(done);
    }
    Ok(())
}
