//! The one progress bar every long command shows (on a terminal; nothing
//! when output goes to a file or a pipe).

use indicatif::{ProgressBar, ProgressStyle};

/// A bar for `len` things called `unit` ("feeds", "documents", "posts").
pub fn bar(len: u64, unit: &str) -> ProgressBar {
    let bar = ProgressBar::new(len);
    let template = format!("{{bar:40}} {{pos}}/{{len}} {unit} ({{per_sec}}, {{eta}} left) {{wide_msg}}");
    if let Ok(style) = ProgressStyle::with_template(&template) {
        bar.set_style(style);
    }
    bar
}
