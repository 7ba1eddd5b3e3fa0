//! Search benchmark (not a test): a generated corpus of posts and replies
//! (Zipf-distributed English-like vocabulary, realistic lengths) in a fresh
//! SQLite database, indexed through the app's own rebuild path, then 1,000
//! two-term queries (half AND, half OR; top 10 plus the total count) timed
//! through the app's search function, through raw tantivy on the same index,
//! through `/search` over HTTP, and on the same documents in SQLite FTS5 and
//! PostgreSQL full-text search (tsvector + GIN + ts_rank). Then the
//! publish-to-searchable latency under a trickle of posts. Used by
//! `scripts/bench-search`; not part of the product.
//!
//! `cargo bench --bench search -- [--docs 200000] [--queries 1000] [--seed 7]
//!  [--trickle-secs 30] [--rate 20] [--no-postgres] [--no-fts5] [--no-http] [--profile N]`
//!
//! `--profile N` runs the app's query set N more times, untimed, before the
//! timed runs, printing the process id, so a profiler can be attached.
//!
//! Query terms are drawn log-uniformly from vocabulary ranks 30–10,000 (the
//! very commonest words are left out, as people rarely search for them), so
//! the set mixes frequent and rare words. Latencies are wall-clock per query,
//! measured after a warm-up pass; p50/p99 over the 1,000 queries, AND and OR
//! reported apart. PostgreSQL is reached over loopback, so its figures
//! include one round trip per statement, as an app using it would pay.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::Context;
use chrono::Utc;
use commonroom::config::Settings;
use commonroom::domain::email::EmailAddress;
use commonroom::domain::person::{PersonName, Work};
use commonroom::domain::policy::Visibility;
use commonroom::domain::post::PostDraft;
use commonroom::domain::role::Role;
use commonroom::domain::slug::ChannelSlug;
use commonroom::entities::{post, reply};
use commonroom::search::query;
use commonroom::search::schema;
use commonroom::search::searcher::{self, AccessCheck, Request, Sort};
use commonroom::startup::Application;
use commonroom::store::channels::{self, NewChannel};
use commonroom::store::users::{self, NewUser};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sea_orm::{ActiveValue::Set, ConnectionTrait, Database, DbBackend, EntityTrait, Statement};
use tantivy::collector::{Count, TopDocs};
use tantivy::query::{BooleanQuery, Occur, Query, TermQuery};
use tantivy::schema::IndexRecordOption;
use tantivy::tokenizer::{AsciiFoldingFilter, LowerCaser, RemoveLongFilter, SimpleTokenizer, Stemmer, TextAnalyzer};

/// The allocator the `commonroom` binary uses, so figures are the app's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod corpus {
    //! The generated corpus: a vocabulary whose first few hundred words are
    //! real English (the ones council posts use most), the rest pronounceable
    //! made-up words, drawn with Zipf's law (exponent 1.07) so a few words are
    //! everywhere and most are rare, as in real text.

    use rand::Rng;
    use rand::rngs::SmallRng;

    const COMMON: &str = "the of and to a in for is on that with as be are this by it at from or we our will have \
        not you your can an all more about their which has they was been new people council services service \
        community local support public health staff residents work help information plan year years time \
        day week team use need make also one two first any other how what when where who why there these \
        those some many most each every into over under after before between during through without within \
        housing care social children young adults older families schools library libraries roads bins waste \
        recycling parking planning budget consultation survey report data digital website online email phone \
        contact centre customer complaint feedback meeting board cabinet councillor ward borough county city \
        town village street park green climate energy carbon flood floods weather winter summer snow ice \
        gritting travel transport bus train cycle walking safety police fire ambulance hospital nhs gp \
        vaccination flu covid mental wellbeing campaign message messages social media post posts video \
        photo news press release statement launch event events volunteer volunteers charity partners \
        partnership funding grant money cost costs savings pay council tax benefits advice debt jobs job \
        apprenticeship training skills learning accessibility accessible plain english content design user \
        users research testing policy guidance law rules decision decisions approved agreed draft review \
        update updates change changes improve improvement performance measure measures evaluation results \
        outcome outcomes strategy priority priorities engagement involve listen listening voice share shared \
        sharing link links read blog article guide checklist template example examples case study lessons";

    const ONSETS: [&str; 20] = [
        "b", "br", "c", "ch", "d", "f", "g", "gr", "h", "l", "m", "n", "p", "pl", "r", "s", "st", "t", "tr", "w",
    ];
    const VOWELS: [&str; 8] = ["a", "e", "i", "o", "u", "ai", "ea", "ou"];
    const CODAS: [&str; 12] = ["", "n", "r", "s", "t", "l", "nd", "rk", "st", "m", "ng", "x"];

    pub struct Vocabulary {
        pub words: Vec<String>,
        cdf: Vec<f64>,
    }

    impl Vocabulary {
        pub fn new(size: usize, exponent: f64, rng: &mut SmallRng) -> Self {
            let mut words: Vec<String> = COMMON.split_whitespace().map(str::to_owned).collect();
            words.dedup();
            let mut seen: std::collections::HashSet<String> = words.iter().cloned().collect();
            while words.len() < size {
                let syllables = rng.random_range(2..=4);
                let mut w = String::new();
                for _ in 0..syllables {
                    w.push_str(ONSETS[rng.random_range(0..ONSETS.len())]);
                    w.push_str(VOWELS[rng.random_range(0..VOWELS.len())]);
                }
                w.push_str(CODAS[rng.random_range(0..CODAS.len())]);
                if seen.insert(w.clone()) {
                    words.push(w);
                }
            }
            let mut cdf = Vec::with_capacity(size);
            let mut sum = 0.0;
            for rank in 1..=size {
                sum += 1.0 / (rank as f64).powf(exponent);
                cdf.push(sum);
            }
            for c in &mut cdf {
                *c /= sum;
            }
            Self { words, cdf }
        }

        pub fn draw(&self, rng: &mut SmallRng) -> &str {
            let u: f64 = rng.random();
            let i = self.cdf.partition_point(|&c| c < u).min(self.words.len() - 1);
            &self.words[i]
        }

        /// `n` words as a sentence-like run, with a capital and full stops.
        pub fn text(&self, rng: &mut SmallRng, n: usize) -> String {
            let mut s = String::with_capacity(n * 7);
            let mut since_stop = 0;
            for i in 0..n {
                let w = self.draw(rng);
                if i == 0 || since_stop == 0 {
                    let mut c = w.chars();
                    if let Some(f) = c.next() {
                        s.extend(f.to_uppercase());
                        s.push_str(c.as_str());
                    }
                } else {
                    s.push_str(w);
                }
                since_stop += 1;
                if i + 1 < n {
                    if since_stop >= 8 && rng.random_bool(0.25) {
                        s.push_str(". ");
                        since_stop = 0;
                    } else {
                        s.push(' ');
                    }
                }
            }
            s.push('.');
            s
        }
    }

    /// A length from a log-normal distribution around `median`, within bounds.
    pub fn length(rng: &mut SmallRng, median: f64, sigma: f64, min: usize, max: usize) -> usize {
        // Box–Muller for one normal draw.
        let u1: f64 = rng.random::<f64>().max(1e-12);
        let u2: f64 = rng.random();
        let z = (-2.0 * u1.ln()).sqrt() * (2.0 * std::f64::consts::PI * u2).cos();
        ((median.ln() + sigma * z).exp().round() as usize).clamp(min, max)
    }
}

struct Args {
    docs: usize,
    queries: usize,
    seed: u64,
    trickle_secs: u64,
    rate: u64,
    postgres: bool,
    fts5: bool,
    http: bool,
    /// The app's own database on a fresh PostgreSQL database instead of SQLite.
    app_on_postgres: bool,
    /// Run the app's query set this many more times first, untimed, for a profiler.
    profile: usize,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        docs: 200_000,
        queries: 1_000,
        seed: 7,
        trickle_secs: 30,
        rate: 20,
        postgres: true,
        fts5: true,
        http: true,
        app_on_postgres: false,
        profile: 0,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().context("flag needs a value");
        match flag.as_str() {
            "--docs" => a.docs = value()?.parse()?,
            "--queries" => a.queries = value()?.parse()?,
            "--seed" => a.seed = value()?.parse()?,
            "--trickle-secs" => a.trickle_secs = value()?.parse()?,
            "--rate" => a.rate = value()?.parse()?,
            "--no-postgres" => a.postgres = false,
            "--no-fts5" => a.fts5 = false,
            "--no-http" => a.http = false,
            "--app-on-postgres" => a.app_on_postgres = true,
            "--profile" => a.profile = value()?.parse()?,
            other => anyhow::bail!("unknown flag {other}"),
        }
    }
    Ok(a)
}

/// One generated document, as the comparators see it too.
struct Doc {
    title: String,
    body: String,
}

struct Stats {
    p50: f64,
    p99: f64,
    mean: f64,
}

fn stats(mut micros: Vec<f64>) -> Stats {
    if micros.is_empty() {
        return Stats {
            p50: 0.0,
            p99: 0.0,
            mean: 0.0,
        };
    }
    micros.sort_by(|a, b| a.total_cmp(b));
    let at = |q: f64| micros[((micros.len() as f64 - 1.0) * q).round() as usize];
    Stats {
        p50: at(0.50),
        p99: at(0.99),
        mean: micros.iter().sum::<f64>() / micros.len() as f64,
    }
}

fn show(label: &str, s: &Stats) -> String {
    format!(
        "{label:<44} p50 {:>8.3} ms   p99 {:>8.3} ms   mean {:>8.3} ms",
        s.p50 / 1000.0,
        s.p99 / 1000.0,
        s.mean / 1000.0
    )
}

/// A two-term query: the words, and whether either may match (OR) or both must (AND).
#[derive(Clone)]
struct TwoTerms {
    a: String,
    b: String,
    or: bool,
}

impl TwoTerms {
    fn app(&self) -> String {
        if self.or {
            format!("{} OR {}", self.a, self.b)
        } else {
            format!("{} {}", self.a, self.b)
        }
    }
}

/// The first page of ten, best first, as the benchmark asks for it.
fn top_ten<'a>(query: &'a query::SearchQuery, access: &'a AccessCheck, snippets: bool) -> Request<'a> {
    Request {
        query,
        channels: &[],
        authors: &[],
        access,
        sort: Sort::Relevance,
        offset: 0,
        limit: 10,
        snippets,
    }
}

/// Time `f` once per query after one warm-up pass; AND and OR apart.
async fn time_each<F, Fut>(queries: &[TwoTerms], mut f: F) -> anyhow::Result<(Stats, Stats, u64)>
where
    F: FnMut(usize, &TwoTerms) -> Fut,
    Fut: std::future::Future<Output = anyhow::Result<u64>>,
{
    for (i, q) in queries.iter().enumerate().take(200) {
        f(i, q).await?;
    }
    let (mut and, mut or) = (Vec::new(), Vec::new());
    let mut matched = 0;
    for (i, q) in queries.iter().enumerate() {
        let t = Instant::now();
        matched += f(i, q).await?;
        let us = t.elapsed().as_secs_f64() * 1e6;
        if q.or { or.push(us) } else { and.push(us) }
    }
    Ok((stats(and), stats(or), matched))
}

/// Time `f` and `g` over the queries in turns (all of `f`, all of `g`,
/// three times over, each pass after a warm-up), pooling each side's
/// samples: both see the shared machine in the same states, so their ratio
/// holds steadier than from one pass of each minutes apart, and neither warms
/// the other's caches query by query.
async fn time_pair<F, FFut, G, GFut>(
    queries: &[TwoTerms],
    mut f: F,
    mut g: G,
) -> anyhow::Result<((Stats, Stats, u64), (Stats, Stats, u64))>
where
    F: FnMut(usize, &TwoTerms) -> FFut,
    FFut: std::future::Future<Output = anyhow::Result<u64>>,
    G: FnMut(usize, &TwoTerms) -> GFut,
    GFut: std::future::Future<Output = anyhow::Result<u64>>,
{
    const TURNS: usize = 3;
    let mut pooled = [(Vec::new(), Vec::new(), 0u64), (Vec::new(), Vec::new(), 0u64)];
    for _ in 0..TURNS {
        for (side, pool) in pooled.iter_mut().enumerate() {
            for (i, q) in queries.iter().enumerate().take(200) {
                if side == 0 {
                    f(i, q).await?
                } else {
                    g(i, q).await?
                };
            }
            for (i, q) in queries.iter().enumerate() {
                let t = Instant::now();
                let matched = if side == 0 { f(i, q).await? } else { g(i, q).await? };
                let us = t.elapsed().as_secs_f64() * 1e6;
                pool.2 += matched;
                if q.or { pool.1.push(us) } else { pool.0.push(us) }
            }
        }
    }
    let [(fa, fo, fm), (ga, go, gm)] = pooled;
    Ok((
        (stats(fa), stats(fo), fm / TURNS as u64),
        (stats(ga), stats(go), gm / TURNS as u64),
    ))
}

fn main() -> anyhow::Result<()> {
    let args = args()?;
    let runtime = || {
        tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
    };
    let tmp = tempfile::Builder::new().prefix("commonroom-bench-search").tempdir()?;
    let mut settings = Settings {
        data_dir: tmp.path().to_path_buf(),
        ..Settings::default()
    };
    settings.server.listen = "127.0.0.1:0".parse()?;
    settings.jobs.run = false;
    settings.log.filter = "warn,sqlx=error,tantivy=error".into();
    commonroom::telemetry::init(&settings.log);
    if !args.app_on_postgres {
        return runtime()?.block_on(bench(args, settings, "SQLite"));
    }
    let scratch = runtime()?.block_on(ScratchPostgres::create("app"))?;
    settings.database_url = Some(commonroom::config::Secret::new(scratch.url.clone()));
    let app_runtime = runtime()?;
    let outcome = app_runtime.block_on(bench(args, settings, "PostgreSQL"));
    // The server and its indexer stop with their runtime, before their database goes.
    app_runtime.shutdown_background();
    runtime()?.block_on(scratch.drop())?;
    outcome
}

/// Everything, with the app's database on `backend` (named in the output).
async fn bench(args: Args, settings: Settings, backend: &str) -> anyhow::Result<()> {
    let mut rng = SmallRng::seed_from_u64(args.seed);
    let app = Application::build(settings.clone()).await?;
    let state = app.state().clone();
    let db = state.db.clone();
    println!(
        "--- {} cores; corpus {} documents (70% posts, 30% replies); {} queries; seed {}",
        std::thread::available_parallelism().map_or(1, |n| n.get()),
        args.docs,
        args.queries,
        args.seed
    );

    // People and channels: 20 channels, two of them private; the searcher is a member of one.
    let hash = commonroom::service::accounts::hash_password("bench-password-1".into()).await?;
    let mut people = Vec::new();
    for i in 0..40 {
        let new = NewUser {
            email: EmailAddress::parse(&format!("person{i}@bench.example")).map_err(|e| anyhow::anyhow!(e))?,
            name: PersonName::parse(&format!("Person {i}")).map_err(|e| anyhow::anyhow!(e))?,
            password_hash: Some(hash.clone()),
            roles: vec![if i == 0 { Role::Admin } else { Role::Member }],
            work: Work::default(),
        };
        people.push(users::create(&db, new, None).await?);
    }
    let mut channel_ids = Vec::new();
    for i in 0..20 {
        let visibility = match i {
            0 => Visibility::PrivateListed,
            1 => Visibility::PrivateHidden,
            _ => Visibility::Open,
        };
        let creator = if i == 0 { people[1] } else { people[0] };
        let created = channels::create(
            &db,
            creator,
            NewChannel {
                slug: ChannelSlug::parse(&format!("channel-{i}")).map_err(|e| anyhow::anyhow!(e))?,
                name: format!("Channel {i}"),
                description: "A channel for the benchmark.".into(),
                visibility,
                manager: creator,
            },
        )
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
        channel_ids.push(created.id);
    }
    let searcher_id = people[1];

    // The corpus.
    let vocab = corpus::Vocabulary::new(50_000, 1.07, &mut rng);
    let t = Instant::now();
    let n_posts = args.docs * 7 / 10;
    let n_replies = args.docs - n_posts;
    let mut docs: Vec<Doc> = Vec::with_capacity(args.docs);
    for _ in 0..n_posts {
        let title_len = rng.random_range(3..=10);
        let body_len = corpus::length(&mut rng, 45.0, 0.7, 5, 400);
        docs.push(Doc {
            title: vocab.text(&mut rng, title_len).trim_end_matches('.').to_owned(),
            body: vocab.text(&mut rng, body_len),
        });
    }
    for _ in 0..n_replies {
        let body_len = corpus::length(&mut rng, 28.0, 0.7, 3, 250);
        docs.push(Doc {
            title: String::new(),
            body: vocab.text(&mut rng, body_len),
        });
    }
    let corpus_bytes: usize = docs.iter().map(|d| d.title.len() + d.body.len()).sum();
    println!(
        "--- corpus generated in {:.1} s: {:.1} MB of text, {:.0} words per document on average",
        t.elapsed().as_secs_f64(),
        corpus_bytes as f64 / 1e6,
        docs.iter()
            .map(|d| d.body.split(' ').count() + d.title.split(' ').count())
            .sum::<usize>() as f64
            / docs.len() as f64
    );

    // The English analyzer alone, one thread, over every title and body:
    // tantivy's own stemmer against the app's, which remembers each word's stem.
    let stock = || {
        TextAnalyzer::builder(SimpleTokenizer::default())
            .filter(RemoveLongFilter::limit(40))
            .filter(LowerCaser)
            .filter(AsciiFoldingFilter)
            .filter(Stemmer::default())
            .build()
    };
    let (stock_secs, stock_tokens) = analyse(&mut stock(), &docs);
    let (ours_secs, our_tokens) = analyse(&mut schema::english(), &docs);
    anyhow::ensure!(stock_tokens == our_tokens, "the two analyzers disagree");
    println!(
        "--- English analyzer over the corpus, one thread: {:.2} s with tantivy's stemmer, {:.2} s remembering stems ({:.1}× as fast)",
        stock_secs,
        ours_secs,
        stock_secs / ours_secs
    );

    // Into the database, as posts and replies.
    let t = Instant::now();
    let end = Utc::now();
    let span = 730 * 86_400;
    for (batch_no, chunk) in docs[..n_posts].chunks(1_000).enumerate() {
        let rows: Vec<post::ActiveModel> = chunk
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let n = batch_no * 1_000 + i;
                let at = end - chrono::Duration::seconds((span * (n_posts - n) as i64) / n_posts as i64);
                let is_link = n % 2 == 0;
                let url = is_link.then(|| format!("https://www.example{}.gov.uk/page/{n}", n % 50));
                post::ActiveModel {
                    channel_id: Set(channel_ids[n % channel_ids.len()]),
                    author_id: Set(people[n % people.len()]),
                    kind: Set(if is_link { "link" } else { "discussion" }.into()),
                    title: Set(d.title.clone()),
                    canonical_url: Set(url.clone()),
                    url_domain: Set(url.as_ref().map(|_| format!("example{}.gov.uk", n % 50))),
                    url: Set(url),
                    body_html: Set(format!("<p>{}</p>", d.body)),
                    body_md: Set(d.body.clone()),
                    created_at: Set(at),
                    published_at: Set(at),
                    edited_at: Set(None),
                    deleted_at: Set(None),
                    deleted_by: Set(None),
                    hidden_at: Set(None),
                    reply_count: Set(0),
                    last_activity_at: Set(at),
                    ..Default::default()
                }
            })
            .collect();
        let txn = sea_orm::TransactionTrait::begin(&db).await?;
        post::Entity::insert_many(rows).exec_without_returning(&txn).await?;
        txn.commit().await?;
    }
    for (batch_no, chunk) in docs[n_posts..].chunks(1_000).enumerate() {
        let rows: Vec<reply::ActiveModel> = chunk
            .iter()
            .enumerate()
            .map(|(i, d)| {
                let n = batch_no * 1_000 + i;
                let post_id = (n * 7919 % n_posts) as i64 + 1;
                reply::ActiveModel {
                    post_id: Set(post_id),
                    author_id: Set(people[(n + 3) % people.len()]),
                    quote_of: Set(None),
                    body_html: Set(format!("<p>{}</p>", d.body)),
                    body_md: Set(d.body.clone()),
                    created_at: Set(end - chrono::Duration::seconds((n % 86_400) as i64)),
                    ..Default::default()
                }
            })
            .collect();
        let txn = sea_orm::TransactionTrait::begin(&db).await?;
        reply::Entity::insert_many(rows).exec_without_returning(&txn).await?;
        txn.commit().await?;
    }
    let load = t.elapsed().as_secs_f64();
    println!(
        "--- stored in {backend} in {load:.1} s ({:.0} rows/s)",
        args.docs as f64 / load
    );

    // The index, built the way `commonroom reindex` and a server's first start build it.
    let t = Instant::now();
    let cpu = process_cpu();
    let dir = state.search.dir().to_owned();
    commonroom::search::indexer::rebuild(&db, &dir, &settings.search, &|_, _| {}).await?;
    let build = t.elapsed().as_secs_f64();
    let build_cpu = process_cpu() - cpu;
    println!(
        "=> bulk indexing (read from {backend}, analyse, index, commit; searchable from then on): {} docs in {build:.2} s = {:.0} docs/s ({:.1} s CPU on {} threads)",
        args.docs,
        args.docs as f64 / build,
        build_cpu,
        std::thread::available_parallelism().map_or(1, |n| n.get()).clamp(1, 4)
    );
    println!(
        "=> database load + indexing end to end: {:.0} posts/s ({:.1} s)",
        args.docs as f64 / (load + build),
        load + build
    );

    // Serve: the server's own indexer opens the index just built.
    tokio::spawn(app.run_until_stopped());
    let deadline = Instant::now() + Duration::from_secs(120);
    let live = loop {
        if let Some(live) = state.search.live() {
            break live;
        }
        anyhow::ensure!(
            Instant::now() < deadline,
            "the index did not open: {:?}",
            state.search.status()
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    // The server merges the rebuild's segments into one in the background;
    // the queries are timed on the merged index, as a server runs most of the
    // time. (Changes it replays from the outbox meanwhile make small segments
    // of their own.)
    let t = Instant::now();
    let cpu = process_cpu();
    while (live.largest_segment() as usize) < args.docs {
        anyhow::ensure!(Instant::now() < deadline, "the rebuilt index was not merged");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    println!(
        "--- the rebuild's segments merged into one in the background {:.2} s after opening ({:.1} s CPU); rebuilt and merged: {:.0} docs/s",
        t.elapsed().as_secs_f64(),
        process_cpu() - cpu,
        args.docs as f64 / (build + t.elapsed().as_secs_f64())
    );
    println!(
        "--- index: {} documents in {} segments, {:.1} MB on disk",
        live.reader.searcher().num_docs(),
        live.reader.searcher().segment_readers().len(),
        dir_size(&dir) as f64 / 1e6
    );

    // The queries.
    let queries: Vec<TwoTerms> = (0..args.queries)
        .map(|i| {
            let pick = |rng: &mut SmallRng| {
                let rank = (30f64.ln() + rng.random::<f64>() * (10_000f64.ln() - 30f64.ln())).exp() as usize;
                vocab.words[rank.min(vocab.words.len() - 1)].clone()
            };
            let a = pick(&mut rng);
            let mut b = pick(&mut rng);
            while b == a {
                b = pick(&mut rng);
            }
            TwoTerms { a, b, or: i % 2 == 1 }
        })
        .collect();

    let scope = channels::search_scope(
        &db,
        &commonroom::domain::policy::Actor::reader(searcher_id, vec![], vec![channel_ids[0]]),
    )
    .await?;
    let access = AccessCheck::new(&scope.unreadable, &[channel_ids[0]]);
    println!("--- searching as a member of 19 of the 20 channels (one private channel is not theirs)");
    let parsed: Vec<query::SearchQuery> = queries
        .iter()
        .map(|q| query::parse(&q.app()).map_err(|e| anyhow::anyhow!("{e}")))
        .collect::<Result<_, _>>()?;
    if args.profile > 0 {
        println!(
            "--- profiling: the app's query set {} times (pid {})",
            args.profile,
            std::process::id()
        );
        let t = Instant::now();
        for _ in 0..args.profile {
            for q in &parsed {
                let request = top_ten(q, &access, false);
                std::hint::black_box(searcher::search(&live, &request)?);
            }
        }
        println!("--- profiling done in {:.1} s", t.elapsed().as_secs_f64());
    }
    let mut summary = Vec::new();
    let app_search = |snippets: bool| {
        let live = live.clone();
        let access = access.clone();
        let parsed = &parsed;
        move |i: usize, _: &TwoTerms| {
            let request = top_ten(&parsed[i], &access, snippets);
            let found = searcher::search(&live, &request).map(|r| r.total as u64);
            async move { found.map_err(|e| anyhow::anyhow!("{e}")) }
        }
    };

    // Raw tantivy: the same words on the same index, no access filter, no title boost, no phrase.
    let fields = live.fields;
    let mut english = schema::english();
    let stem = |w: &str, a: &mut tantivy::tokenizer::TextAnalyzer| {
        let mut s = a.token_stream(w);
        s.next().map(|t| t.text.clone()).unwrap_or_default()
    };
    let raw: Vec<(BooleanQuery, bool)> = queries
        .iter()
        .map(|q| {
            let occur = if q.or { Occur::Should } else { Occur::Must };
            let term = |w: &str| -> Box<dyn Query> {
                Box::new(TermQuery::new(
                    tantivy::Term::from_field_text(fields.text, w),
                    IndexRecordOption::WithFreqs,
                ))
            };
            let (a, b) = (stem(&q.a, &mut english), stem(&q.b, &mut english));
            (BooleanQuery::new(vec![(occur, term(&a)), (occur, term(&b))]), q.or)
        })
        .collect();
    let raw_search = {
        let live = live.clone();
        let raw = &raw;
        move |i: usize, _: &TwoTerms| {
            let searcher = live.reader.searcher();
            let found = searcher
                .search(&raw[i].0, &(Count, TopDocs::with_limit(10).order_by_score()))
                .map(|(n, _)| n as u64);
            async move { found.map_err(|e| anyhow::anyhow!("{e}")) }
        }
    };
    let raw_with_docs = {
        let live = live.clone();
        let raw = &raw;
        move |i: usize, _: &TwoTerms| {
            let searcher = live.reader.searcher();
            let found = searcher
                .search(&raw[i].0, &(Count, TopDocs::with_limit(10).order_by_score()))
                .and_then(|(n, top)| {
                    for (_, address) in top {
                        let _doc: tantivy::TantivyDocument = searcher.doc(address)?;
                    }
                    Ok(n as u64)
                });
            async move { found.map_err(|e| anyhow::anyhow!("{e}")) }
        }
    };
    // The app and raw tantivy with the hits' stored fields, query by query in turn.
    let ((app_and, app_or, app_hits), (rawd_and, rawd_or, _)) =
        time_pair(&queries, app_search(false), raw_with_docs).await?;
    println!("{}", show("app search function, AND (top 10 + count)", &app_and));
    println!("{}", show("app search function, OR", &app_or));
    let (snip_and, snip_or, _) = time_each(&queries, app_search(true)).await?;
    println!("{}", show("app search function with snippets, AND", &snip_and));
    println!("{}", show("app search function with snippets, OR", &snip_or));
    let (raw_and, raw_or, raw_hits) = time_each(&queries, raw_search).await?;
    println!("{}", show("raw tantivy, AND", &raw_and));
    println!("{}", show("raw tantivy, OR", &raw_or));
    println!("{}", show("raw tantivy + the 10 hits' stored fields, AND", &rawd_and));
    println!("{}", show("raw tantivy + the 10 hits' stored fields, OR", &rawd_or));
    let mut fuzzy = (0, 0);
    let mut plain_and: Vec<usize> = Vec::new();
    for (i, q) in parsed.iter().enumerate() {
        let request = top_ten(q, &access, false);
        if searcher::search(&live, &request)?.exact_total < 3 {
            if queries[i].or { fuzzy.1 += 1 } else { fuzzy.0 += 1 }
        } else if !queries[i].or {
            plain_and.push(i);
        }
    }
    println!(
        "--- queries that found fewer than 3 exact matches (similar words are then looked for, for words the reader has seen in fewer than 3 documents): {} of {} AND, {} of {} OR",
        fuzzy.0,
        queries.len() / 2,
        fuzzy.1,
        queries.len() - queries.len() / 2
    );
    // The AND queries with enough exact matches that no word was checked for typos.
    let enough: Vec<TwoTerms> = plain_and.iter().map(|&i| queries[i].clone()).collect();
    let enough_parsed: Vec<query::SearchQuery> = plain_and.iter().map(|&i| parsed[i].clone()).collect();
    let enough_raw: Vec<&BooleanQuery> = plain_and.iter().map(|&i| &raw[i].0).collect();
    let ((app_enough, _, _), (raw_enough, _, _)) = time_pair(
        &enough,
        |i, _| {
            let request = top_ten(&enough_parsed[i], &access, false);
            let found = searcher::search(&live, &request).map(|r| r.total as u64);
            async move { found.map_err(|e| anyhow::anyhow!("{e}")) }
        },
        |i, _| {
            let searcher = live.reader.searcher();
            let found = searcher
                .search(enough_raw[i], &(Count, TopDocs::with_limit(10).order_by_score()))
                .and_then(|(n, top)| {
                    for (_, address) in top {
                        let _doc: tantivy::TantivyDocument = searcher.doc(address)?;
                    }
                    Ok(n as u64)
                });
            async move { found.map_err(|e| anyhow::anyhow!("{e}")) }
        },
    )
    .await?;
    println!("{}", show("app, AND with ≥ 3 exact matches", &app_enough));
    println!("{}", show("raw + stored fields, the same AND queries", &raw_enough));
    println!(
        "--- matches over all queries: app {app_hits}, raw {raw_hits} (the app leaves out one private channel and matches titles too)"
    );
    summary.push(format!(
        "=> app search function at {} docs: AND p50 {:.3} ms p99 {:.3} ms; OR p50 {:.3} ms p99 {:.3} ms (target p50 ≤ 0.4 ms, p99 ≤ 2 ms)",
        args.docs,
        app_and.p50 / 1000.0,
        app_and.p99 / 1000.0,
        app_or.p50 / 1000.0,
        app_or.p99 / 1000.0
    ));
    summary.push(format!(
        "=> app overhead over raw tantivy returning the same 10 documents: AND p50 {:.2}× ({:.2}× with ≥ 3 exact matches), OR p50 {:.2}× (target ≤ 2×); over raw ids only: AND {:.2}×, OR {:.2}×",
        app_and.p50 / rawd_and.p50,
        app_enough.p50 / raw_enough.p50,
        app_or.p50 / rawd_or.p50,
        app_and.p50 / raw_and.p50,
        app_or.p50 / raw_or.p50
    ));

    if args.http {
        let (and, or) = http_search(&state, &queries).await?;
        println!("{}", show("GET /search over HTTP (HTML page), AND", &and));
        println!("{}", show("GET /search over HTTP (HTML page), OR", &or));
        summary.push(format!(
            "=> /search over HTTP: AND p50 {:.3} ms p99 {:.3} ms; OR p50 {:.3} ms p99 {:.3} ms",
            and.p50 / 1000.0,
            and.p99 / 1000.0,
            or.p50 / 1000.0,
            or.p99 / 1000.0
        ));
    }

    if args.fts5 {
        let (and, or) = fts5(&settings.data_dir, &docs, &queries).await?;
        println!("{}", show("SQLite FTS5 (bm25, top 10 + count), AND", &and));
        println!("{}", show("SQLite FTS5, OR", &or));
        summary.push(format!(
            "=> SQLite FTS5: AND p50 {:.3} ms, OR p50 {:.3} ms; app is {:.1}× faster on OR p50, {:.1}× on AND p50 (target ≥ 10× on OR)",
            and.p50 / 1000.0,
            or.p50 / 1000.0,
            or.p50 / app_or.p50,
            and.p50 / app_and.p50
        ));
    }
    if args.postgres {
        match postgres(&docs, &queries).await {
            Ok((and, or)) => {
                println!("{}", show("PostgreSQL tsvector + GIN + ts_rank, AND", &and));
                println!("{}", show("PostgreSQL, OR", &or));
                summary.push(format!(
                    "=> PostgreSQL full text: AND p50 {:.3} ms, OR p50 {:.3} ms; app is {:.1}× faster on OR p50, {:.1}× on AND p50 (target ≥ 25× on OR)",
                    and.p50 / 1000.0,
                    or.p50 / 1000.0,
                    or.p50 / app_or.p50,
                    and.p50 / app_and.p50
                ));
            }
            Err(err) => println!("--- PostgreSQL skipped: {err:#}"),
        }
    }

    if args.trickle_secs > 0 {
        let (s, n) = trickle(&state, people[0], channel_ids[5], args.rate, args.trickle_secs).await?;
        println!("{}", show(&format!("publish → searchable, {} posts/s", args.rate), &s));
        summary.push(format!(
            "=> publish → searchable under {} posts/s ({n} posts): p50 {:.0} ms, p99 {:.0} ms (target p99 ≤ 1 s; commits every {} ms)",
            args.rate,
            s.p50 / 1000.0,
            s.p99 / 1000.0,
            settings.search.commit_ms
        ));
    }

    println!();
    for line in summary {
        println!("{line}");
    }
    Ok(())
}

/// Sign in and fetch `/search?q=…` for each query, one at a time on a kept-alive connection.
async fn http_search(state: &commonroom::state::AppState, queries: &[TwoTerms]) -> anyhow::Result<(Stats, Stats)> {
    let base = format!("http://{}", state.settings.server.listen);
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let r = client
        .post(format!("{base}/login"))
        .form(&[
            ("email", "person1@bench.example"),
            ("password", "bench-password-1"),
            ("next", "/"),
        ])
        .send()
        .await?;
    anyhow::ensure!(r.status() == 303, "sign-in failed: {}", r.status());
    let (and, or, _) = time_each(queries, |_, q| {
        let url = format!(
            "{base}/search?q={}",
            url::form_urlencoded::byte_serialize(q.app().as_bytes()).collect::<String>()
        );
        let client = client.clone();
        async move {
            let r = client.get(url).send().await?;
            anyhow::ensure!(r.status() == 200, "search answered {}", r.status());
            Ok(r.bytes().await?.len() as u64)
        }
    })
    .await?;
    Ok((and, or))
}

async fn fts5(dir: &std::path::Path, docs: &[Doc], queries: &[TwoTerms]) -> anyhow::Result<(Stats, Stats)> {
    let path = dir.join("fts5.db");
    let db = Database::connect(format!("sqlite://{}?mode=rwc", path.display())).await?;
    db.execute_unprepared("PRAGMA journal_mode = WAL; PRAGMA synchronous = NORMAL;")
        .await?;
    db.execute_unprepared(
        "CREATE VIRTUAL TABLE docs USING fts5(title, body, tokenize = 'porter unicode61 remove_diacritics 2')",
    )
    .await?;
    let t = Instant::now();
    for chunk in docs.chunks(1_000) {
        let mut sql = String::from("INSERT INTO docs (title, body) VALUES ");
        let mut values = Vec::with_capacity(chunk.len() * 2);
        for (i, d) in chunk.iter().enumerate() {
            if i > 0 {
                sql.push(',');
            }
            sql.push_str("(?, ?)");
            values.push(d.title.clone().into());
            values.push(d.body.clone().into());
        }
        let txn = sea_orm::TransactionTrait::begin(&db).await?;
        txn.execute(Statement::from_sql_and_values(DbBackend::Sqlite, sql, values))
            .await?;
        txn.commit().await?;
    }
    println!("--- FTS5 table built in {:.1} s", t.elapsed().as_secs_f64());
    let db = Arc::new(db);
    let (and, or, _) = time_each(queries, |_, q| {
        let db = db.clone();
        let matched = if q.or {
            format!("\"{}\" OR \"{}\"", q.a, q.b)
        } else {
            format!("\"{}\" AND \"{}\"", q.a, q.b)
        };
        async move {
            let top = db
                .query_all(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    "SELECT rowid FROM docs WHERE docs MATCH ?1 ORDER BY bm25(docs, 2.0, 1.0) LIMIT 10",
                    [matched.clone().into()],
                ))
                .await?;
            let count = db
                .query_one(Statement::from_sql_and_values(
                    DbBackend::Sqlite,
                    "SELECT COUNT(*) FROM docs WHERE docs MATCH ?1",
                    [matched.into()],
                ))
                .await?;
            let n: i64 = count.map(|r| r.try_get_by_index(0)).transpose()?.unwrap_or(0);
            anyhow::ensure!(top.len() <= 10);
            Ok(n as u64)
        }
    })
    .await?;
    Ok((and, or))
}

async fn postgres(docs: &[Doc], queries: &[TwoTerms]) -> anyhow::Result<(Stats, Stats)> {
    let scratch = ScratchPostgres::create("comparator").await?;
    let url = scratch.url.clone();
    let result = async {
        let db = Database::connect(&url).await?;
        db.execute_unprepared("CREATE TABLE docs (id BIGSERIAL PRIMARY KEY, title TEXT NOT NULL, body TEXT NOT NULL, tsv TSVECTOR)")
            .await?;
        let t = Instant::now();
        for chunk in docs.chunks(1_000) {
            let mut sql = String::from("INSERT INTO docs (title, body) VALUES ");
            let mut values = Vec::with_capacity(chunk.len() * 2);
            for (i, d) in chunk.iter().enumerate() {
                if i > 0 {
                    sql.push(',');
                }
                sql.push_str(&format!("(${}, ${})", 2 * i + 1, 2 * i + 2));
                values.push(d.title.clone().into());
                values.push(d.body.clone().into());
            }
            db.execute(Statement::from_sql_and_values(DbBackend::Postgres, sql, values))
                .await?;
        }
        db.execute_unprepared(
            "UPDATE docs SET tsv = setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', body), 'B')",
        )
        .await?;
        db.execute_unprepared("CREATE INDEX docs_tsv ON docs USING GIN (tsv)").await?;
        db.execute_unprepared("VACUUM ANALYZE docs").await?;
        println!("--- PostgreSQL table and GIN index built in {:.1} s", t.elapsed().as_secs_f64());
        let db = Arc::new(db);
        let (and, or, _) = time_each(queries, |_, q| {
            let db = db.clone();
            let tsquery = format!("{} {} {}", q.a, if q.or { "|" } else { "&" }, q.b);
            async move {
                let _top = db
                    .query_all(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        "SELECT id, ts_rank(tsv, q) AS r FROM docs, to_tsquery('english', $1) q WHERE tsv @@ q \
                         ORDER BY r DESC LIMIT 10",
                        [tsquery.clone().into()],
                    ))
                    .await?;
                let count = db
                    .query_one(Statement::from_sql_and_values(
                        DbBackend::Postgres,
                        "SELECT COUNT(*) FROM docs WHERE tsv @@ to_tsquery('english', $1)",
                        [tsquery.into()],
                    ))
                    .await?;
                let n: i64 = count.map(|r| r.try_get_by_index(0)).transpose()?.unwrap_or(0);
                Ok(n as u64)
            }
        })
        .await?;
        Ok::<_, anyhow::Error>((and, or))
    }
    .await;
    scratch.drop().await?;
    result
}

/// A fresh PostgreSQL database for one run, on the server `BENCH_POSTGRES`
/// names (an admin URL; default the local server).
struct ScratchPostgres {
    admin_url: String,
    name: String,
    url: String,
}

impl ScratchPostgres {
    async fn create(purpose: &str) -> anyhow::Result<Self> {
        let admin_url =
            std::env::var("BENCH_POSTGRES").unwrap_or_else(|_| "postgres://postgres@127.0.0.1:5432/postgres".into());
        let name = format!("commonroom_bench_search_{purpose}_{}", std::process::id());
        Self::admin(&admin_url)
            .await?
            .execute_unprepared(&format!("CREATE DATABASE \"{name}\""))
            .await?;
        let url = match admin_url.rsplit_once('/') {
            Some((server, _)) => format!("{server}/{name}"),
            None => format!("{admin_url}/{name}"),
        };
        Ok(Self { admin_url, name, url })
    }

    async fn admin(url: &str) -> anyhow::Result<sea_orm::DatabaseConnection> {
        Database::connect(url).await.context("connecting to PostgreSQL")
    }

    async fn drop(self) -> anyhow::Result<()> {
        Self::admin(&self.admin_url)
            .await?
            .execute_unprepared(&format!("DROP DATABASE IF EXISTS \"{}\" WITH (FORCE)", self.name))
            .await?;
        Ok(())
    }
}

/// Publish `rate` posts a second for `secs` seconds through the real store
/// (outbox and all) while the server's indexer runs, and time each one from
/// its commit until the index has committed it (the searcher then finds it).
async fn trickle(
    state: &commonroom::state::AppState,
    author: i64,
    channel: i64,
    rate: u64,
    secs: u64,
) -> anyhow::Result<(Stats, usize)> {
    let channel = channels::by_id(&state.db, channel).await?.context("channel")?;
    let mut tick = tokio::time::interval(Duration::from_micros(1_000_000 / rate.max(1)));
    let n = (rate * secs) as usize;
    let mut waits = tokio::task::JoinSet::new();
    for i in 0..n {
        tick.tick().await;
        let draft = PostDraft::parse(
            "discussion",
            &format!("Trickle post {i}"),
            "",
            &format!("Marker zq{i}x in the text."),
        )
        .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        commonroom::store::posts::create(&state.db, author, &channel, &draft).await?;
        let stored = Instant::now();
        let position = commonroom::store::search::outbox_head(&state.db).await?;
        let search = state.search.clone();
        waits.spawn(async move {
            let ok = search.wait_for(position, Duration::from_secs(30)).await;
            (ok, stored.elapsed())
        });
    }
    let mut micros = Vec::new();
    while let Some(done) = waits.join_next().await {
        let (ok, took) = done?;
        anyhow::ensure!(ok, "a post was not searchable within 30 s");
        micros.push(took.as_secs_f64() * 1e6);
    }
    // Spot-check through the search function that the last one really is found.
    let live = state.search.live().context("live index")?;
    let q = query::parse(&format!("zq{}x", n - 1)).map_err(|e| anyhow::anyhow!("{e}"))?;
    let found = searcher::search(
        &live,
        &Request {
            query: &q,
            channels: &[],
            authors: &[],
            access: &AccessCheck::default(),
            sort: Sort::Relevance,
            offset: 0,
            limit: 10,
            snippets: false,
        },
    )?;
    anyhow::ensure!(
        found
            .hits
            .first()
            .is_some_and(|h| h.title == format!("Trickle post {}", n - 1)),
        "the last trickle post is not found"
    );
    Ok((stats(micros), n))
}

/// Seconds to analyse every title and body, and a digest of the tokens (to compare analyzers).
fn analyse(analyzer: &mut TextAnalyzer, docs: &[Doc]) -> (f64, u64) {
    use std::hash::{Hash, Hasher};
    let t = Instant::now();
    let mut digest = rustc_hash::FxHasher::default();
    for doc in docs {
        for text in [&doc.title, &doc.body] {
            let mut tokens = analyzer.token_stream(text);
            while let Some(token) = tokens.next() {
                token.text.hash(&mut digest);
            }
        }
    }
    (t.elapsed().as_secs_f64(), digest.finish())
}

fn process_cpu() -> f64 {
    // utime + stime from /proc/self/stat, in clock ticks (100 per second on Linux).
    std::fs::read_to_string("/proc/self/stat")
        .ok()
        .and_then(|s| {
            let rest = s.rsplit_once(')')?.1;
            let fields: Vec<&str> = rest.split_whitespace().collect();
            let utime: f64 = fields.get(11)?.parse().ok()?;
            let stime: f64 = fields.get(12)?.parse().ok()?;
            Some((utime + stime) / 100.0)
        })
        .unwrap_or(0.0)
}

fn dir_size(dir: &std::path::Path) -> u64 {
    std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .filter_map(|e| e.metadata().ok())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}
