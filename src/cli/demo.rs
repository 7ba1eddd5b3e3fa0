//! `commonroom demo`: the demo organisation, and bulk posts for benchmarks.

use commonroom::config::Settings;
use commonroom::{demo, store};

use super::progress;

pub async fn run(settings: Settings, posts: usize, seed: u64) -> anyhow::Result<()> {
    let db = store::open(&settings).await?;
    if let demo::Outcome::Loaded { .. } = demo::load(&db).await? {
        println!("Loaded the Brackenshire Council demo organisation.");
    }
    if posts > 0 {
        let bar = progress::bar(posts as u64, "posts");
        demo::generate::posts(&db, posts, seed, |done| bar.set_position(done as u64)).await?;
        bar.finish();
    }
    // Closed, the database folds its write-ahead log back in now (some
    // hundreds of megabytes after a million posts), not in the first
    // server's first write.
    db.close().await?;
    Ok(())
}
