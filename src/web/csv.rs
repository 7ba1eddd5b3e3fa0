//! CSV downloads (the audit log, the registers): a header row, CRLF line
//! ends, and fields a spreadsheet never reads as formulas.

use axum::http::header;
use axum::response::{IntoResponse, Response};

/// One CSV field: quoted when it must be, and never read as a formula by a
/// spreadsheet (a leading `=`, `+`, `-` or `@` gets an apostrophe).
pub fn field(raw: &str) -> String {
    let safe = if raw.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{raw}")
    } else {
        raw.to_owned()
    };
    if safe.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", safe.replace('"', "\"\""))
    } else {
        safe
    }
}

/// A CSV file to download as `filename`: `header` (already CSV, e.g.
/// `id,when`), then one line per row, each field made safe.
pub fn download(filename: &str, header: &str, rows: impl IntoIterator<Item = Vec<String>>) -> Response {
    let mut out = format!("{header}\r\n");
    for row in rows {
        let line = row.iter().map(|f| field(f)).collect::<Vec<_>>().join(",");
        out.push_str(&line);
        out.push_str("\r\n");
    }
    (
        [
            (header::CONTENT_TYPE, "text/csv; charset=utf-8".to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        out,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::field;

    #[test]
    fn csv_fields_are_quoted_and_never_formulas() {
        assert_eq!(field("plain"), "plain");
        assert_eq!(field("a, b"), "\"a, b\"");
        assert_eq!(field("say \"hi\""), "\"say \"\"hi\"\"\"");
        assert_eq!(field("=HYPERLINK(\"x\")"), "\"'=HYPERLINK(\"\"x\"\")\"");
        assert_eq!(field("-1"), "'-1");
    }
}
