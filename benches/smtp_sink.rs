//! A minimal SMTP sink for the digest benchmark (not a test, not part of the
//! product): it answers EHLO/HELO, MAIL, RCPT, DATA, RSET, NOOP and QUIT on
//! loopback, accepts every message, and counts them, their bytes and their
//! distinct Message-IDs (a duplicate would mean a recipient got two).
//! Replies are written only once the client's pipelined input is used up.
//!
//! `cargo bench --bench smtp_sink -- serve [--port 0]` prints
//! `listening <port>`, and on SIGTERM or SIGINT one line with the totals and
//! the time from the first message to the last.
//! `cargo bench --bench smtp_sink -- blast [--messages 20000] [--connections 4] [--size 12000]`
//! measures the sink's own ceiling: the same serving code, fed by plain
//! clients (one transaction at a time per connection, as the app sends) in
//! the same process.

use std::collections::HashSet;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use tokio::io::{AsyncBufReadExt, AsyncWriteExt, BufReader, BufWriter};
use tokio::net::{TcpListener, TcpStream};

/// What the sink accepted.
#[derive(Default)]
struct Tally {
    messages: AtomicU64,
    bytes: AtomicU64,
    /// Message-IDs seen, and how many arrived a second time.
    ids: Mutex<HashSet<Vec<u8>>>,
    duplicates: AtomicU64,
    /// When the first and the latest message were accepted.
    span: Mutex<Option<(Instant, Instant)>>,
}

impl Tally {
    fn accepted(&self, message: &[u8]) {
        let at = Instant::now();
        self.messages.fetch_add(1, Ordering::Relaxed);
        self.bytes.fetch_add(message.len() as u64, Ordering::Relaxed);
        if let Some(id) = message_id(message)
            && !self.ids.lock().unwrap_or_else(|e| e.into_inner()).insert(id.to_vec())
        {
            self.duplicates.fetch_add(1, Ordering::Relaxed);
        }
        let mut span = self.span.lock().unwrap_or_else(|e| e.into_inner());
        *span = Some(span.map_or((at, at), |(first, _)| (first, at)));
    }

    fn report(&self) -> String {
        let messages = self.messages.load(Ordering::Relaxed);
        let bytes = self.bytes.load(Ordering::Relaxed);
        let span = *self.span.lock().unwrap_or_else(|e| e.into_inner());
        let secs = span.map_or(0.0, |(first, last)| (last - first).as_secs_f64());
        format!(
            "accepted {messages} messages, {} distinct Message-IDs, {} duplicates, {:.1} KB average, \
             first to last {secs:.3} s",
            self.ids.lock().unwrap_or_else(|e| e.into_inner()).len(),
            self.duplicates.load(Ordering::Relaxed),
            if messages == 0 {
                0.0
            } else {
                bytes as f64 / messages as f64 / 1024.0
            },
        )
    }
}

/// The value of the Message-ID header, if the message has one.
fn message_id(message: &[u8]) -> Option<&[u8]> {
    for line in message.split(|&b| b == b'\n') {
        if line == b"\r" || line.is_empty() {
            return None; // end of the headers
        }
        if line.len() > 11 && line[..11].eq_ignore_ascii_case(b"message-id:") {
            return Some(line[11..].trim_ascii());
        }
    }
    None
}

/// Serve one SMTP client until it says QUIT or hangs up.
async fn session(stream: TcpStream, tally: Arc<Tally>) -> std::io::Result<()> {
    stream.set_nodelay(true)?;
    let (read, write) = stream.into_split();
    let mut input = BufReader::with_capacity(64 * 1024, read);
    let mut output = BufWriter::new(write);
    output.write_all(b"220 sink ESMTP ready\r\n").await?;
    output.flush().await?;
    let mut line = Vec::with_capacity(512);
    let mut message = Vec::with_capacity(32 * 1024);
    loop {
        line.clear();
        if input.read_until(b'\n', &mut line).await? == 0 {
            return Ok(());
        }
        let verb: [u8; 4] = match line.get(..4) {
            Some(v) => [v[0], v[1], v[2], v[3]].map(|b| b.to_ascii_uppercase()),
            None => *b"    ",
        };
        let quit = match &verb {
            b"EHLO" => {
                output
                    .write_all(b"250-sink\r\n250-PIPELINING\r\n250-8BITMIME\r\n250 SMTPUTF8\r\n")
                    .await?;
                false
            }
            b"HELO" | b"MAIL" | b"RCPT" | b"RSET" | b"NOOP" => {
                output.write_all(b"250 OK\r\n").await?;
                false
            }
            b"DATA" => {
                output.write_all(b"354 go ahead\r\n").await?;
                output.flush().await?;
                message.clear();
                loop {
                    let start = message.len();
                    if input.read_until(b'\n', &mut message).await? == 0 {
                        return Ok(());
                    }
                    if &message[start..] == b".\r\n" || &message[start..] == b".\n" {
                        message.truncate(start);
                        break;
                    }
                }
                tally.accepted(&message);
                output.write_all(b"250 OK queued\r\n").await?;
                false
            }
            b"QUIT" => {
                output.write_all(b"221 bye\r\n").await?;
                true
            }
            _ => {
                output.write_all(b"502 not implemented\r\n").await?;
                false
            }
        };
        if quit {
            output.flush().await?;
            return Ok(());
        }
        // Answer pipelined commands together, once the client waits for them.
        if input.buffer().is_empty() {
            output.flush().await?;
        }
    }
}

async fn serve(listener: TcpListener, tally: Arc<Tally>) {
    loop {
        let Ok((stream, _)) = listener.accept().await else {
            continue;
        };
        let tally = tally.clone();
        tokio::spawn(async move {
            let _ = session(stream, tally).await;
        });
    }
}

/// Read one reply (all its lines) and check its code.
async fn expect(
    input: &mut BufReader<tokio::net::tcp::OwnedReadHalf>,
    line: &mut String,
    code: &str,
) -> anyhow::Result<()> {
    loop {
        line.clear();
        input.read_line(line).await?;
        if !line.starts_with(code) {
            bail!("expected {code}, got {line:?}");
        }
        if line.as_bytes().get(3) != Some(&b'-') {
            return Ok(());
        }
    }
}

/// One client connection sending `count` messages of `body`, one
/// transaction at a time.
async fn client(addr: SocketAddr, count: u64, body: Arc<Vec<u8>>, first: u64) -> anyhow::Result<()> {
    let stream = TcpStream::connect(addr).await?;
    stream.set_nodelay(true)?;
    let (read, mut write) = stream.into_split();
    let mut input = BufReader::new(read);
    let mut line = String::new();
    expect(&mut input, &mut line, "220").await?;
    write.write_all(b"EHLO blast\r\n").await?;
    expect(&mut input, &mut line, "250").await?;
    for n in first..first + count {
        write.write_all(b"MAIL FROM:<digest@example.org>\r\n").await?;
        expect(&mut input, &mut line, "250").await?;
        write
            .write_all(format!("RCPT TO:<reader{n}@example.org>\r\n").as_bytes())
            .await?;
        expect(&mut input, &mut line, "250").await?;
        write.write_all(b"DATA\r\n").await?;
        expect(&mut input, &mut line, "354").await?;
        write
            .write_all(format!("Message-ID: <{n}@blast>\r\n").as_bytes())
            .await?;
        write.write_all(&body).await?;
        write.write_all(b"\r\n.\r\n").await?;
        expect(&mut input, &mut line, "250").await?;
    }
    write.write_all(b"QUIT\r\n").await?;
    expect(&mut input, &mut line, "221").await?;
    Ok(())
}

async fn blast(messages: u64, connections: u64, size: usize) -> anyhow::Result<()> {
    let listener = TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let tally = Arc::new(Tally::default());
    tokio::spawn(serve(listener, tally.clone()));
    // A plausible message: headers, then lines of text up to `size` bytes.
    let mut body = b"From: digest@example.org\r\nSubject: blast\r\n\r\n".to_vec();
    while body.len() < size {
        body.extend_from_slice(b"The week in Commonroom: posts, replies and new channels of note.\r\n");
    }
    let body = Arc::new(body);
    let per = messages / connections.max(1);
    let started = Instant::now();
    let mut clients = tokio::task::JoinSet::new();
    for c in 0..connections.max(1) {
        clients.spawn(client(addr, per, body.clone(), c * per));
    }
    while let Some(done) = clients.join_next().await {
        done??;
    }
    let secs = started.elapsed().as_secs_f64();
    let accepted = tally.messages.load(Ordering::Relaxed);
    println!("{}", tally.report());
    println!(
        "=> sink ceiling: {:.0} messages/s ({accepted} messages of {size} bytes over {connections} connections in {secs:.2} s)",
        accepted as f64 / secs
    );
    Ok(())
}

fn arg<T: std::str::FromStr>(args: &[String], name: &str, default: T) -> anyhow::Result<T> {
    match args.iter().position(|a| a == name) {
        Some(i) => args
            .get(i + 1)
            .and_then(|v| v.parse().ok())
            .with_context(|| format!("{name} needs a number")),
        None => Ok(default),
    }
}

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    // `cargo bench` adds `--bench`; it means nothing here.
    let args: Vec<String> = std::env::args().skip(1).filter(|a| a != "--bench").collect();
    match args.first().map(String::as_str) {
        Some("serve") => {
            let port: u16 = arg(&args, "--port", 0)?;
            let listener = TcpListener::bind(("127.0.0.1", port)).await?;
            println!("listening {}", listener.local_addr()?.port());
            let tally = Arc::new(Tally::default());
            tokio::spawn(serve(listener, tally.clone()));
            let mut term = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())?;
            tokio::select! {
                _ = term.recv() => {}
                _ = tokio::signal::ctrl_c() => {}
            }
            println!("{}", tally.report());
            Ok(())
        }
        Some("blast") => {
            let messages = arg(&args, "--messages", 20_000)?;
            let connections = arg(&args, "--connections", 4)?;
            let size = arg(&args, "--size", 12_000)?;
            // Give the sink a moment to settle before the clock starts.
            tokio::time::sleep(Duration::from_millis(10)).await;
            blast(messages, connections, size).await
        }
        _ => bail!("usage: smtp_sink serve [--port 0] | blast [--messages N] [--connections C] [--size BYTES]"),
    }
}
