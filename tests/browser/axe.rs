//! Accessibility checks with axe-core (WCAG 2.1 A and AA) in the page.

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use fantoccini::Client;
use serde_json::Value;

/// The WCAG rule sets checked on every page.
const TAGS: [&str; 4] = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"];

/// Where `npm install --prefix target/axe axe-core` puts the script.
pub fn script_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/axe/node_modules/axe-core/axe.min.js")
}

/// The axe-core script, or a message saying how to install it.
pub fn load_script() -> String {
    let path = script_path();
    std::fs::read_to_string(&path).unwrap_or_else(|e| {
        panic!(
            "axe-core is missing ({}: {e}). The browser tests check every page with it; \
             install it with `npm install --prefix target/axe axe-core@4.14.1` \
             from the repository root (scripts/test does this).",
            path.display()
        )
    })
}

/// Runs axe on the current page; returns the violations as readable lines
/// (empty when there are none).
pub async fn check(client: &Client, script: &str) -> Result<Vec<String>> {
    let present = client
        .execute("return typeof window.axe === 'object';", vec![])
        .await
        .context("asking whether axe-core is loaded")?;
    if present != Value::Bool(true) {
        client
            .execute(script, vec![])
            .await
            .context("injecting axe-core")?;
    }
    let result = client
        .execute_async(
            r#"const done = arguments[arguments.length - 1];
               axe.run(document, { runOnly: { type: 'tag', values: arguments[0] }, resultTypes: ['violations'] })
                 .then(r => done({ violations: r.violations.map(v => ({
                     id: v.id, impact: v.impact, help: v.help, helpUrl: v.helpUrl,
                     nodes: v.nodes.map(n => ({ target: n.target, html: n.html, summary: n.failureSummary }))
                   })) }))
                 .catch(e => done({ error: String(e) }));"#,
            vec![serde_json::json!(TAGS)],
        )
        .await
        .context("running axe-core")?;
    if let Some(error) = result.get("error") {
        bail!("axe-core failed: {error}");
    }
    let violations = result
        .get("violations")
        .and_then(Value::as_array)
        .context("axe-core returned no violations array")?;
    Ok(violations.iter().map(describe).collect())
}

/// `rule (impact): help – targets`, with each element's failure summary.
fn describe(v: &Value) -> String {
    let text = |key: &str| v.get(key).and_then(Value::as_str).unwrap_or("?").to_owned();
    let mut out = format!(
        "{} ({}): {} <{}>",
        text("id"),
        text("impact"),
        text("help"),
        text("helpUrl")
    );
    for node in v
        .get("nodes")
        .and_then(Value::as_array)
        .into_iter()
        .flatten()
    {
        let target = node
            .get("target")
            .map(|t| t.to_string())
            .unwrap_or_default();
        let html = node.get("html").and_then(Value::as_str).unwrap_or("");
        let summary = node
            .get("summary")
            .and_then(Value::as_str)
            .unwrap_or("")
            .split_whitespace()
            .collect::<Vec<_>>()
            .join(" ");
        let _ = write!(out, "\n      {target} {html}\n        {summary}");
    }
    out
}
