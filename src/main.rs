//! The `commonroom` command: parse the command line and run it (`cli`).

mod cli;

use clap::Parser;

/// mimalloc instead of the system allocator: a search rebuild reads rows on
/// one thread and frees them on the indexing threads, which the system
/// allocator serves with locks.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

#[tokio::main]
async fn main() -> anyhow::Result<()> {
    cli::run(cli::Cli::parse()).await
}
