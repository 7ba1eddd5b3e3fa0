//! Refresh-sweep benchmark (not a test): thousands of feeds served on
//! loopback by a small in-process origin, polled through the real safe
//! fetcher and `polling::poll` with bounded concurrency on one
//! current-thread runtime. The first sweep fetches everything (and stores
//! ETag / Last-Modified); the second is the one measured: most feeds answer
//! 304 Not Modified, the rest bring a changed body. The origin counts how
//! many requests carried a validator. Used by `scripts/bench-curation`; not
//! part of the product.
//!
//! `cargo bench --bench refresh -- [--feeds 5000] [--concurrency 32] [--unchanged 65]`
//!
//! The origin runs on its own thread (its own current-thread runtime), and
//! its CPU time is read from that thread's `/proc` entry and taken out of the
//! process's, so "client CPU" is the poller alone (plus the SQLite threads
//! sqlx runs, which no runtime setting can fold into one).

use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use commonroom::config::Settings;
use commonroom::service::polling::{self, Polled};
use commonroom::store::feeds::{self, Added, NewFeed};
use futures_util::StreamExt;

/// The allocator the `commonroom` binary uses, so figures are the app's.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

mod origin {
    //! The loopback feed origin: `GET /feed/{n}` answers with a small RSS
    //! feed. A feed serves an ETag, a Last-Modified or both (by `n % 3`, as
    //! real servers differ); a request whose validator matches gets 304 if
    //! the feed is one of the "unchanged" share, otherwise the feed moves on
    //! a version (one new item) and the new body comes back with new
    //! validators.

    use std::fmt::Write as _;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

    use axum::extract::{Path, State};
    use axum::http::{HeaderMap, StatusCode, header};
    use axum::response::{IntoResponse, Response};
    use axum::routing::get;
    use chrono::{DateTime, Duration, TimeZone, Utc};

    /// What the origin saw, summed over all requests.
    #[derive(Debug, Default)]
    pub struct Counters {
        pub requests: AtomicU64,
        /// Requests with `If-None-Match` or `If-Modified-Since`.
        pub conditional: AtomicU64,
        /// Conditional requests whose validator was the feed's current one.
        pub matched: AtomicU64,
        pub not_modified: AtomicU64,
        pub ok: AtomicU64,
    }

    #[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
    pub struct Snapshot {
        pub requests: u64,
        pub conditional: u64,
        pub matched: u64,
        pub not_modified: u64,
        pub ok: u64,
    }

    impl Snapshot {
        pub fn since(self, before: Snapshot) -> Snapshot {
            Snapshot {
                requests: self.requests - before.requests,
                conditional: self.conditional - before.conditional,
                matched: self.matched - before.matched,
                not_modified: self.not_modified - before.not_modified,
                ok: self.ok - before.ok,
            }
        }
    }

    impl Counters {
        pub fn snapshot(&self) -> Snapshot {
            Snapshot {
                requests: self.requests.load(Ordering::Relaxed),
                conditional: self.conditional.load(Ordering::Relaxed),
                matched: self.matched.load(Ordering::Relaxed),
                not_modified: self.not_modified.load(Ordering::Relaxed),
                ok: self.ok.load(Ordering::Relaxed),
            }
        }
    }

    struct Feeds {
        versions: Vec<AtomicU32>,
        unchanged_percent: u32,
        counters: Arc<Counters>,
        epoch: DateTime<Utc>,
    }

    /// Whether feed `n` is one of those that have not changed since the last poll.
    pub fn is_unchanged(n: usize, unchanged_percent: u32) -> bool {
        // Knuth's multiplicative hash spreads the share evenly over the ids.
        (n as u32).wrapping_mul(2_654_435_761) % 100 < unchanged_percent
    }

    pub struct Origin {
        pub port: u16,
        pub counters: Arc<Counters>,
        /// The origin thread's id, to read its CPU time from `/proc`.
        pub tid: Option<u32>,
        stop: Option<tokio::sync::oneshot::Sender<()>>,
        thread: Option<std::thread::JoinHandle<()>>,
    }

    impl Origin {
        /// Serve `feeds` feeds on 127.0.0.1 (port 0) from a thread of its own.
        pub fn start(feeds: usize, unchanged_percent: u32) -> anyhow::Result<Self> {
            let counters = Arc::new(Counters::default());
            let state = Arc::new(Feeds {
                versions: (0..feeds).map(|_| AtomicU32::new(0)).collect(),
                unchanged_percent,
                counters: counters.clone(),
                epoch: Utc
                    .with_ymd_and_hms(2026, 4, 1, 8, 0, 0)
                    .single()
                    .ok_or_else(|| anyhow::anyhow!("a fixed date"))?,
            });
            let listener = std::net::TcpListener::bind("127.0.0.1:0")?;
            listener.set_nonblocking(true)?;
            let port = listener.local_addr()?.port();
            let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
            let (tid_tx, tid_rx) = std::sync::mpsc::channel();
            let thread = std::thread::Builder::new().name("origin".into()).spawn(move || {
                let _ = tid_tx.send(thread_id());
                let runtime = match tokio::runtime::Builder::new_current_thread().enable_all().build() {
                    Ok(r) => r,
                    Err(e) => return eprintln!("origin: no runtime: {e}"),
                };
                runtime.block_on(async move {
                    let app = axum::Router::new().route("/feed/{n}", get(feed)).with_state(state);
                    let listener = match tokio::net::TcpListener::from_std(listener) {
                        Ok(l) => l,
                        Err(e) => return eprintln!("origin: {e}"),
                    };
                    let served = axum::serve(listener, app).with_graceful_shutdown(async {
                        let _ = stopped.await;
                    });
                    if let Err(e) = served.await {
                        eprintln!("origin: {e}");
                    }
                });
            })?;
            let tid = tid_rx.recv().ok().flatten();
            Ok(Self {
                port,
                counters,
                tid,
                stop: Some(stop),
                thread: Some(thread),
            })
        }

        pub fn stop(mut self) {
            if let Some(stop) = self.stop.take() {
                let _ = stop.send(());
            }
            if let Some(thread) = self.thread.take() {
                let _ = thread.join();
            }
        }
    }

    /// This thread's kernel id (from `/proc/thread-self`, which links to `<pid>/task/<tid>`).
    fn thread_id() -> Option<u32> {
        let link = std::fs::read_link("/proc/thread-self").ok()?;
        link.file_name()?.to_str()?.parse().ok()
    }

    fn http_date(t: DateTime<Utc>) -> String {
        t.format("%a, %d %b %Y %H:%M:%S GMT").to_string()
    }

    async fn feed(State(feeds): State<Arc<Feeds>>, Path(n): Path<String>, headers: HeaderMap) -> Response {
        let c = &feeds.counters;
        c.requests.fetch_add(1, Ordering::Relaxed);
        let Some((n, version)) = n.parse::<usize>().ok().and_then(|n| Some((n, feeds.versions.get(n)?))) else {
            return StatusCode::NOT_FOUND.into_response();
        };
        let (sends_etag, sends_date) = match n % 3 {
            0 => (true, false),
            1 => (false, true),
            _ => (true, true),
        };
        let v = version.load(Ordering::Relaxed);
        let etag = |v: u32| format!("\"f{n}-v{v}\"");
        let modified = |v: u32| http_date(feeds.epoch + Duration::hours(i64::from(v)));
        let if_none_match = headers.get(header::IF_NONE_MATCH).and_then(|h| h.to_str().ok());
        let if_modified_since = headers.get(header::IF_MODIFIED_SINCE).and_then(|h| h.to_str().ok());
        let mut v_now = v;
        if if_none_match.is_some() || if_modified_since.is_some() {
            c.conditional.fetch_add(1, Ordering::Relaxed);
            let matched = (sends_etag && if_none_match == Some(etag(v).as_str()))
                || (sends_date && if_modified_since == Some(modified(v).as_str()));
            if matched {
                c.matched.fetch_add(1, Ordering::Relaxed);
                if is_unchanged(n, feeds.unchanged_percent) {
                    c.not_modified.fetch_add(1, Ordering::Relaxed);
                    let mut response = StatusCode::NOT_MODIFIED.into_response();
                    validators(
                        &mut response,
                        sends_etag.then(|| etag(v)),
                        sends_date.then(|| modified(v)),
                    );
                    return response;
                }
                // The client is up to date and this feed has news: one more item.
                v_now = v + 1;
                version.store(v_now, Ordering::Relaxed);
            }
        }
        c.ok.fetch_add(1, Ordering::Relaxed);
        let mut response = (
            [(header::CONTENT_TYPE, "application/rss+xml; charset=utf-8")],
            body(n, v_now, feeds.epoch),
        )
            .into_response();
        validators(
            &mut response,
            sends_etag.then(|| etag(v_now)),
            sends_date.then(|| modified(v_now)),
        );
        response
    }

    fn validators(response: &mut Response, etag: Option<String>, modified: Option<String>) {
        let h = response.headers_mut();
        if let Some(v) = etag.and_then(|e| e.parse().ok()) {
            h.insert(header::ETAG, v);
        }
        if let Some(v) = modified.and_then(|m| m.parse().ok()) {
            h.insert(header::LAST_MODIFIED, v);
        }
    }

    /// Ten items, newest first; version `v` adds item `v + 9` and drops item `v - 1`.
    fn body(n: usize, v: u32, epoch: DateTime<Utc>) -> String {
        let mut out = format!(
            "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rss version=\"2.0\"><channel>\
             <title>Service updates {n}</title><link>https://site{n}.example.gov.uk/</link>\
             <description>Updates from team {n}</description>\n"
        );
        for i in (v..v + 10).rev() {
            let at = epoch + Duration::hours(i64::from(i));
            let _ = writeln!(
                out,
                "<item><title>Update {i} from team {n}: bin collections and roadworks</title>\
                 <link>https://site{n}.example.gov.uk/news/update-{i}?utm_source=rss</link>\
                 <guid isPermaLink=\"false\">team-{n}-update-{i}</guid><pubDate>{}</pubDate>\
                 <description>&lt;p&gt;Collections in the &lt;a href=\"/areas/north\"&gt;north&lt;/a&gt; move \
                 by one day this week because of resurfacing works. &lt;strong&gt;Put bins out by 7am.&lt;/strong&gt; \
                 Thank you for your patience while the contractor finishes.&lt;/p&gt;</description></item>",
                at.to_rfc2822()
            );
        }
        out.push_str("</channel></rss>\n");
        out
    }
}

mod cpu {
    //! CPU time of the whole process, or one of its threads, from `/proc`.

    use std::time::Duration;

    /// Linux reports `/proc` times in USER_HZ, which is 100 on every mainstream architecture.
    const TICKS_PER_SEC: f64 = 100.0;

    fn stat_time(path: &str) -> Option<Duration> {
        let s = std::fs::read_to_string(path).ok()?;
        // Fields after the command name, which is in parentheses and may hold spaces.
        let rest = &s[s.rfind(')')? + 2..];
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let utime: f64 = fields.get(11)?.parse().ok()?;
        let stime: f64 = fields.get(12)?.parse().ok()?;
        Some(Duration::from_secs_f64((utime + stime) / TICKS_PER_SEC))
    }

    pub fn process() -> Duration {
        stat_time("/proc/self/stat").unwrap_or_default()
    }

    pub fn thread(tid: Option<u32>) -> Duration {
        tid.and_then(|t| stat_time(&format!("/proc/self/task/{t}/stat")))
            .unwrap_or_default()
    }
}

struct Args {
    feeds: usize,
    concurrency: usize,
    unchanged: u32,
}

fn args() -> anyhow::Result<Args> {
    let mut a = Args {
        feeds: 5_000,
        concurrency: 32,
        unchanged: 65,
    };
    let mut it = std::env::args().skip(1);
    while let Some(flag) = it.next() {
        let mut value = || it.next().with_context(|| format!("{flag} needs a value"));
        match flag.as_str() {
            "--feeds" => a.feeds = value()?.parse()?,
            "--concurrency" => a.concurrency = value()?.parse::<usize>()?.max(1),
            "--unchanged" => a.unchanged = value()?.parse::<u32>()?.min(100),
            other => bail!("unknown argument {other:?} (see the comment at the top of benches/refresh.rs)"),
        }
    }
    Ok(a)
}

/// What one sweep did, from the poller's side.
#[derive(Debug, Default)]
struct Sweep {
    wall: Duration,
    process_cpu: Duration,
    origin_cpu: Duration,
    not_modified: usize,
    fetched: usize,
    failed: usize,
    /// Polls of feeds that had a stored ETag or Last-Modified.
    validator_known: usize,
    new_items: usize,
    errors: Vec<String>,
    server: origin::Snapshot,
}

impl Sweep {
    fn client_cpu(&self) -> Duration {
        self.process_cpu.saturating_sub(self.origin_cpu)
    }

    fn feeds_per_min(&self) -> f64 {
        (self.not_modified + self.fetched + self.failed) as f64 * 60.0 / self.wall.as_secs_f64()
    }

    fn print(&self, label: &str) {
        let polls = self.not_modified + self.fetched + self.failed;
        println!(
            "  {label}: {polls} feeds in {:.2} s wall = {:.0} feeds/min; client CPU {:.2} s ({:.0} feeds per CPU-minute), \
             origin CPU {:.2} s",
            self.wall.as_secs_f64(),
            self.feeds_per_min(),
            self.client_cpu().as_secs_f64(),
            polls as f64 * 60.0 / self.client_cpu().as_secs_f64().max(0.01),
            self.origin_cpu.as_secs_f64()
        );
        println!(
            "    polled: {} not modified, {} fetched ({} new items), {} failed; origin: {} requests, {} with a \
             validator ({} current), {} × 304, {} × 200",
            self.not_modified,
            self.fetched,
            self.new_items,
            self.failed,
            self.server.requests,
            self.server.conditional,
            self.server.matched,
            self.server.not_modified,
            self.server.ok
        );
        for e in self.errors.iter().take(3) {
            println!("    failure: {e}");
        }
    }
}

fn main() -> anyhow::Result<()> {
    let args = args()?;
    let origin = origin::Origin::start(args.feeds, args.unchanged)?;
    // One core for the poller: every poll is a task on this one thread.
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let result = runtime.block_on(run(&args, &origin));
    origin.stop();
    result
}

async fn run(args: &Args, origin: &origin::Origin) -> anyhow::Result<()> {
    let dir = tempfile::tempdir()?;
    let mut settings = Settings {
        data_dir: dir.path().to_path_buf(),
        ..Settings::default()
    };
    // The safe fetcher refuses loopback unless told otherwise.
    settings.fetch.allow = vec!["127.0.0.1".into()];
    settings.jobs.concurrency = args.concurrency;
    let db = commonroom::store::open(&settings).await?;
    let fetcher = commonroom::startup::fetcher(&settings)?;
    let writer = commonroom::ingest::writer::InboxWriter::start(db.clone());

    let start = Instant::now();
    let mut ids = Vec::with_capacity(args.feeds);
    for n in 0..args.feeds {
        let new = NewFeed {
            url: format!("http://127.0.0.1:{}/feed/{n}", origin.port),
            title: format!("Team {n}"),
            site_url: None,
            folder: format!("Folder {}", n % 12),
            default_channel_id: None,
            created_by: None,
        };
        let (Added::New(id) | Added::Exists(id)) = feeds::add(&db, &new).await?;
        ids.push(id);
    }
    let unchanged = (0..args.feeds)
        .filter(|&n| origin::is_unchanged(n, args.unchanged))
        .count();
    println!(
        "--- {} feeds on http://127.0.0.1:{} ({} will answer 304 to a matching validator); added in {:.1} s; \
         {} polls in flight on one current-thread runtime",
        args.feeds,
        origin.port,
        unchanged,
        start.elapsed().as_secs_f64(),
        args.concurrency
    );

    let first = sweep(&writer, &fetcher, &ids, args.concurrency, origin).await?;
    first.print("first sweep (everything new)");
    let second = sweep(&writer, &fetcher, &ids, args.concurrency, origin).await?;
    second.print("second sweep (measured)");
    db.close().await?;

    let share = if second.validator_known == 0 {
        0.0
    } else {
        100.0 * second.server.conditional as f64 / second.validator_known as f64
    };
    let rate = second.feeds_per_min();
    println!(
        "\n=> refresh sweep: {rate:.0} feeds/min wall ({:.0} per client CPU-minute); {:.0}% answered 304 \
         (target ≥ 5,000 feeds/min on one core: {})",
        (second.not_modified + second.fetched + second.failed) as f64 * 60.0
            / second.client_cpu().as_secs_f64().max(0.01),
        100.0 * second.not_modified as f64 / ids.len().max(1) as f64,
        if rate >= 5_000.0 { "met" } else { "NOT met" }
    );
    println!(
        "=> conditional requests: {} of {} polls with a stored validator carried one to the origin = {share:.1}% \
         (target 100%: {})",
        second.server.conditional,
        second.validator_known,
        if share >= 100.0 && second.validator_known == ids.len() {
            "met"
        } else {
            "NOT met"
        }
    );
    Ok(())
}

/// Poll every feed once, `concurrency` at a time.
async fn sweep(
    writer: &commonroom::ingest::writer::InboxWriter,
    fetcher: &commonroom::ingest::fetch::Fetcher,
    ids: &[i64],
    concurrency: usize,
    origin: &origin::Origin,
) -> anyhow::Result<Sweep> {
    let before = origin.counters.snapshot();
    let (cpu0, origin_cpu0) = (cpu::process(), cpu::thread(origin.tid));
    let start = Instant::now();
    let mut polls = futures_util::stream::iter(ids.iter().copied())
        .map(|id| async move {
            // poll reads the stored validators, so each poll needs the feed as it is now.
            let feed = feeds::by_id(writer.db(), id).await?.context("a feed that was added")?;
            anyhow::Ok(polling::poll(writer, fetcher, &feed).await?)
        })
        .buffer_unordered(concurrency);
    let mut s = Sweep::default();
    while let Some(outcome) = polls.next().await {
        let outcome = outcome?;
        if outcome.conditional {
            s.validator_known += 1;
        }
        match outcome.result {
            Polled::NotModified => s.not_modified += 1,
            Polled::Fetched(u) => {
                s.fetched += 1;
                s.new_items += u.new;
            }
            Polled::Failed(e) => {
                s.failed += 1;
                s.errors.push(format!("feed {}: {e}", outcome.feed_id));
            }
        }
    }
    s.wall = start.elapsed();
    s.process_cpu = cpu::process().saturating_sub(cpu0);
    s.origin_cpu = cpu::thread(origin.tid).saturating_sub(origin_cpu0);
    s.server = origin.counters.snapshot().since(before);
    Ok(s)
}
