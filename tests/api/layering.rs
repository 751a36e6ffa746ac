//! No two features import each other (issue 10). A feature is a folder
//! directly under `src/`; it may name another feature (`crate::planning`),
//! but then that feature must not name it back. Inside a feature, `mod.rs`
//! and its children may know each other both ways: only names across
//! folders count. Read from the source, comments left out.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;

use regex::Regex;

/// Folders under `src/` that are not features but the ground every feature
/// stands on, or the tools that stand on every feature:
/// - `web`: extractors, page chrome and form helpers every feature uses;
/// - `auth`: sign-in and who is asking, under every page;
/// - `mail`: the outbox features put their mail in;
/// - `seed` and `cli`: demo data and commands, which call into every
///   feature and which no feature calls.
const INFRASTRUCTURE: [&str; 5] = ["web", "auth", "mail", "seed", "cli"];

/// The features: every folder under `src/` but the infrastructure.
fn features(src: &Path) -> BTreeSet<String> {
    std::fs::read_dir(src)
        .expect("src")
        .map(|entry| entry.expect("entry").path())
        .filter(|path| path.is_dir())
        .map(|path| {
            path.file_name()
                .expect("name")
                .to_string_lossy()
                .into_owned()
        })
        .filter(|name| !INFRASTRUCTURE.contains(&name.as_str()))
        .collect()
}

/// The Rust source in `dir` and its subfolders, without comments.
fn code(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            text.push_str(&code(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            let source = std::fs::read_to_string(&path).expect("read");
            for line in source.lines() {
                text.push_str(line.split("//").next().unwrap_or_default());
                text.push('\n');
            }
        }
    }
    text
}

/// Each feature with the other features its code names.
fn imports(src: &Path) -> BTreeMap<String, BTreeSet<String>> {
    let features = features(src);
    let name = Regex::new(r"crate::([a-z_]+)").expect("regex");
    features
        .iter()
        .map(|feature| {
            let code = code(&src.join(feature));
            let named = name
                .captures_iter(&code)
                .map(|c| c[1].to_owned())
                .filter(|other| other != feature && features.contains(other))
                .collect();
            (feature.clone(), named)
        })
        .collect()
}

#[test]
fn no_two_features_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let imports = imports(&src);
    assert!(imports.contains_key("est") && imports.contains_key("map"));
    let both_ways: Vec<String> = imports
        .iter()
        .flat_map(|(a, named)| named.iter().map(move |b| (a, b)))
        .filter(|(a, b)| a < b && imports[b.as_str()].contains(a.as_str()))
        .map(|(a, b)| format!("{a} ↔ {b}"))
        .collect();
    assert!(
        both_ways.is_empty(),
        "features that import each other: {}",
        both_ways.join(", ")
    );
}

#[test]
fn the_map_is_a_drawing_library_that_imports_no_feature() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    assert_eq!(imports(&src)["map"], BTreeSet::new());
}
