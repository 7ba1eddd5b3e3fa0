//! `commonroom serve` (the web server, optionally with the demo
//! organisation) and `commonroom migrate`.

use commonroom::config::Settings;
use commonroom::demo;
use commonroom::startup::Application;
use commonroom::store::{self, users};

pub async fn serve(settings: Settings, with_demo: bool) -> anyhow::Result<()> {
    let app = Application::build(settings).await?;
    let url = format!("http://{}", app.address());
    let db = &app.state().db;
    if with_demo {
        match demo::load(db).await? {
            demo::Outcome::Loaded { .. } => {
                println!("Loaded the Brackenshire Council demo organisation.")
            }
            demo::Outcome::AlreadyHasData => {
                println!("The database already has data, so no demo data was added.")
            }
        }
        println!("\nCommonroom is running at {url}\n");
        println!("Demo sign-ins (password for all: {}):", demo::DEMO_PASSWORD);
        for login in demo::logins() {
            println!("  {:<42} {}", login.email, login.role);
        }
    } else {
        println!("\nCommonroom is running at {url}");
        if users::count(db).await? == 0 {
            println!("\nThere are no accounts yet. Create the first administrator with:");
            println!("  commonroom user add --email you@example.org --name \"Your Name\" --role admin");
            println!("(add the same --data-dir/--database-url you started the server with)");
        }
    }
    println!("Press Ctrl-C to stop.");
    app.run_until_stopped().await
}

pub async fn migrate(settings: Settings) -> anyhow::Result<()> {
    store::open(&settings).await?.close().await?;
    println!("Database is up to date.");
    Ok(())
}
