//! The shape of the code, checked: each top-level module imports only the
//! modules below it (so there are no import circles), the command line never
//! reaches into the web layer, and no HTTP handler imports another. Adding a
//! dependency means changing `MAY_USE` here, in the open.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// What each of the library's top-level modules may import, lowest first.
const MAY_USE: &[(&str, &[&str])] = &[
    ("domain", &[]),
    ("entities", &[]),
    ("config", &["domain"]),
    ("telemetry", &["config"]),
    ("store", &["config", "domain", "entities", "telemetry"]),
    ("search", &["config", "domain", "store"]),
    ("ingest", &["domain", "store"]),
    ("email", &["config", "domain"]),
    ("state", &["config", "domain", "email", "ingest", "search", "store"]),
    (
        "service",
        &["config", "domain", "email", "ingest", "search", "state", "store"],
    ),
    ("jobs", &["config", "domain", "service", "state", "store"]),
    ("demo", &["domain", "entities", "service", "store"]),
    ("views", &["domain", "store"]),
    ("error", &["domain", "search", "service", "views"]),
    (
        "web",
        &[
            "config",
            "domain",
            "error",
            "ingest",
            "search",
            "service",
            "state",
            "store",
            "telemetry",
            "views",
        ],
    ),
    ("router", &["error", "state", "store", "web"]),
    (
        "startup",
        &[
            "config", "domain", "email", "ingest", "jobs", "router", "search", "state", "store",
        ],
    ),
];

/// What the `commonroom` binary (`main.rs`, `cli/`) may use of the library.
const CLI_MAY_USE: &[&str] = &[
    "config",
    "demo",
    "domain",
    "ingest",
    "search",
    "service",
    "startup",
    "store",
    "telemetry",
];

/// Files in `web/` that hold no handlers, and that handlers may share.
const WEB_SHARED: &[&str] = &["access", "csv", "extract", "mod", "pages", "security", "session"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read src") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            files.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            files.push(path);
        }
    }
    files.sort();
    files
}

/// The top-level module a file belongs to (`src/store/inbox/read.rs` → `store`).
fn module_of(file: &Path) -> String {
    let rel = file.strip_prefix(src()).expect("under src");
    let first = rel
        .components()
        .next()
        .expect("a component")
        .as_os_str()
        .to_string_lossy();
    first.trim_end_matches(".rs").to_owned()
}

/// The code of a file without its comments, so prose never counts as an import.
fn code(file: &Path) -> String {
    let text = std::fs::read_to_string(file).expect("read file");
    text.lines()
        .map(|line| match line.find("//") {
            Some(at) if !line[..at].contains('"') => &line[..at],
            _ => line,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// The top-level names used after `prefix` (`crate::`, `commonroom::`),
/// including each name in `prefix{a, b::c}`.
fn used_after(code: &str, prefix: &str) -> BTreeSet<String> {
    let mut used = BTreeSet::new();
    let mut rest = code;
    while let Some(at) = rest.find(prefix) {
        let before = rest[..at].chars().last();
        rest = &rest[at + prefix.len()..];
        if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
            continue;
        }
        if let Some(group) = rest.strip_prefix('{') {
            let mut depth = 0;
            let mut name = String::new();
            let mut expecting_name = true;
            for c in group.chars() {
                match c {
                    '{' => depth += 1,
                    '}' if depth == 0 => break,
                    '}' => depth -= 1,
                    ',' if depth == 0 => expecting_name = true,
                    c if expecting_name && depth == 0 && (c.is_alphanumeric() || c == '_') => name.push(c),
                    _ if !name.is_empty() => {
                        used.insert(std::mem::take(&mut name));
                        expecting_name = false;
                    }
                    _ => {}
                }
            }
            if !name.is_empty() {
                used.insert(name);
            }
        } else {
            let name: String = rest.chars().take_while(|c| c.is_alphanumeric() || *c == '_').collect();
            if !name.is_empty() {
                used.insert(name);
            }
        }
    }
    used
}

#[test]
fn each_module_uses_only_the_modules_below_it() {
    let allowed: BTreeMap<&str, &[&str]> = MAY_USE.iter().copied().collect();
    let mut wrong = Vec::new();
    for file in rust_files(&src()) {
        let module = module_of(&file);
        if matches!(module.as_str(), "lib" | "main" | "cli") {
            continue;
        }
        let may = allowed
            .get(module.as_str())
            .unwrap_or_else(|| panic!("module {module} is not in MAY_USE: say what it may use"));
        for used in used_after(&code(&file), "crate::") {
            if used != module && !may.contains(&used.as_str()) {
                wrong.push(format!("{} uses {used}", file.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "imports against the layering:\n{}", wrong.join("\n"));
}

#[test]
fn the_layering_itself_has_no_circles() {
    // Each module may use only modules listed before it.
    let mut seen: BTreeSet<&str> = BTreeSet::new();
    for (module, uses) in MAY_USE {
        for used in *uses {
            assert!(seen.contains(used), "{module} uses {used}, which is not below it");
        }
        seen.insert(module);
    }
}

#[test]
fn the_command_line_never_reaches_into_the_web_layer() {
    let mut files = rust_files(&src().join("cli"));
    files.push(src().join("main.rs"));
    let mut wrong = Vec::new();
    for file in files {
        let code = code(&file);
        for used in used_after(&code, "commonroom::") {
            if !CLI_MAY_USE.contains(&used.as_str()) {
                wrong.push(format!("{} uses commonroom::{used}", file.display()));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

#[test]
fn handlers_never_import_other_handlers() {
    let web = src().join("web");
    let handlers: BTreeSet<String> = rust_files(&web)
        .iter()
        .filter_map(|f| f.file_stem().map(|s| s.to_string_lossy().into_owned()))
        .filter(|name| !WEB_SHARED.contains(&name.as_str()))
        .collect();
    let mut wrong = Vec::new();
    for file in rust_files(&web) {
        let code = code(&file);
        let mut used = used_after(&code, "super::");
        used.extend(
            used_after(&code, "crate::web::")
                .into_iter()
                .chain(used_after(&code, "web::")),
        );
        for name in used.intersection(&handlers) {
            wrong.push(format!("{} uses web::{name}", file.display()));
        }
    }
    assert!(wrong.is_empty(), "handlers importing handlers:\n{}", wrong.join("\n"));
}

#[test]
fn the_import_reader_sees_grouped_and_nested_imports() {
    let found = used_after(
        "use crate::{store::{self, users}, domain::post::LinkUrl};\nlet x = crate::jobs::drain(); my_crate::not_this();",
        "crate::",
    );
    assert_eq!(found.into_iter().collect::<Vec<_>>(), ["domain", "jobs", "store"]);
}
