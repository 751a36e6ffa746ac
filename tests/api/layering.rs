//! No two features import each other (issue 10). A feature is a folder
//! directly under `src/`; it may name another feature (`crate::planning`),
//! but then that feature must not name it back. Inside a feature the same
//! holds one level down: `mod.rs` and its children may know each other both
//! ways, but two children of one folder (`meetings/schedule.rs` and
//! `meetings/cadence.rs`, or a file and a subfolder) may not. Read from the
//! source, comments and inline test modules left out.

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

/// A file's source without comments and without its inline test module.
fn source(path: &Path) -> String {
    let source = std::fs::read_to_string(path).expect("read");
    let source = source
        .split("#[cfg(test)]\nmod tests")
        .next()
        .unwrap_or_default();
    let mut text = String::new();
    for line in source.lines() {
        text.push_str(line.split("//").next().unwrap_or_default());
        text.push('\n');
    }
    text
}

/// The Rust source in `dir` and its subfolders, without comments.
fn code(dir: &Path) -> String {
    let mut text = String::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            text.push_str(&code(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            text.push_str(&source(&path));
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

/// The module a file under `src/` is: `est/report/entry.rs` is
/// `[est, report, entry]`, `est/report/mod.rs` is `[est, report]`.
fn module_of(src: &Path, file: &Path) -> Vec<String> {
    let mut parts: Vec<String> = file
        .strip_prefix(src)
        .expect("under src")
        .with_extension("")
        .iter()
        .map(|p| p.to_string_lossy().into_owned())
        .collect();
    if parts.last().is_some_and(|p| p == "mod") {
        parts.pop();
    }
    parts
}

/// The module paths a file names, made absolute: `super::db` in
/// `est/report/mod.rs` is `[est, db]`; `crate::{est::db, map}` is
/// `[est, db]` and `[map]`.
fn paths_named(module: &[String], code: &str) -> Vec<Vec<String>> {
    let path = Regex::new(r"\b((?:crate|super|self)(?:::[A-Za-z_]\w*)*)::(\{|[A-Za-z_]\w*)")
        .expect("regex");
    let leading = Regex::new(r"^\s*([A-Za-z_]\w*(?:::[A-Za-z_]\w*)*)").expect("regex");
    let mut named = Vec::new();
    for c in path.captures_iter(code) {
        let Some(mut base) = resolve(module, &c[1]) else {
            continue;
        };
        if &c[2] == "{" {
            let rest = &code[c.get(2).expect("brace").end()..];
            for item in top_level_items(rest) {
                if let Some(m) = leading.captures(item) {
                    let mut full = base.clone();
                    full.extend(m[1].split("::").map(str::to_owned));
                    named.push(full);
                }
            }
        } else {
            base.push(c[2].to_owned());
            named.push(base);
        }
    }
    named
}

/// `crate`, `self` and `super` in a path, made absolute from `module`.
fn resolve(module: &[String], prefix: &str) -> Option<Vec<String>> {
    let mut base = module.to_vec();
    for (i, part) in prefix.split("::").enumerate() {
        match part {
            "crate" if i == 0 => base.clear(),
            "self" if i == 0 => {}
            "super" => {
                base.pop()?;
            }
            name => base.push(name.to_owned()),
        }
    }
    Some(base)
}

/// The items of a `{ ... }` group up to its closing brace, split at the
/// commas of its own level.
fn top_level_items(rest: &str) -> Vec<&str> {
    let (mut depth, mut start, mut items) = (0, 0, Vec::new());
    for (i, ch) in rest.char_indices() {
        match ch {
            '{' => depth += 1,
            '}' if depth == 0 => {
                items.push(&rest[start..i]);
                break;
            }
            '}' => depth -= 1,
            ',' if depth == 0 => {
                items.push(&rest[start..i]);
                start = i + 1;
            }
            _ => {}
        }
    }
    items
}

/// Every `.rs` file below `dir`.
fn files(dir: &Path) -> Vec<std::path::PathBuf> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("dir") {
        let path = entry.expect("entry").path();
        if path.is_dir() {
            found.extend(files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            found.push(path);
        }
    }
    found
}

/// For every folder below a feature, which of its children names which:
/// `(folder, child, other child)`.
fn sibling_names(src: &Path) -> BTreeSet<(Vec<String>, String, String)> {
    let modules: BTreeSet<Vec<String>> = files(src).iter().map(|f| module_of(src, f)).collect();
    let mut edges = BTreeSet::new();
    for file in files(src) {
        let module = module_of(src, &file);
        for named in paths_named(&module, &source(&file)) {
            // The folders both lie in, below a feature (depth >= 1).
            for depth in 1..module.len().min(named.len()) {
                if module[..depth] != named[..depth] {
                    break;
                }
                let (a, b) = (&module[depth], &named[depth]);
                if a != b && modules.contains(&named[..=depth]) {
                    edges.insert((module[..depth].to_vec(), a.clone(), b.clone()));
                }
            }
        }
    }
    edges
}

#[test]
fn inside_a_feature_no_two_children_of_a_folder_import_each_other() {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let edges = sibling_names(&src);
    // The reader itself: est/report names est/db, seen as a child naming a sibling.
    assert!(edges.contains(&(vec!["est".to_owned()], "report".to_owned(), "db".to_owned())));
    let both_ways: Vec<String> = edges
        .iter()
        .filter(|(folder, a, b)| a < b && edges.contains(&(folder.clone(), b.clone(), a.clone())))
        .map(|(folder, a, b)| format!("{}: {a} ↔ {b}", folder.join("/")))
        .collect();
    assert!(
        both_ways.is_empty(),
        "children of one folder that import each other: {}",
        both_ways.join(", ")
    );
}
