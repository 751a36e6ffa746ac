//! What every page a flow visits must pass besides axe-core, and what it
//! leaves for people to look at:
//! - valid HTML: the page is saved, and at the end of the flow the Nu HTML
//!   Checker (`vnu.jar`, one JVM for all pages) must find no error; it sees
//!   what axe-core does not (`aria-label` on a plain `span`, for one);
//! - readable buttons: each visible button's text against its own
//!   background (through transparent layers), at least 4.5:1 (WCAG 1.4.3);
//! - screenshots at a desktop and a phone width;
//! - readable charts: at both widths, every shown chart label (SVG text)
//!   renders at 12 px or more (an SVG scales its text with its width).

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use fantoccini::Client;
use serde_json::Value;

/// The widths every page is photographed at (desktop, phone), and the
/// window height the flows otherwise run with.
pub const WIDTHS: [u32; 2] = [1280, 390];
pub const WINDOW: (u32, u32) = (1280, 1024);
/// Long pages are photographed down to this height at most.
const MAX_HEIGHT: u32 = 8000;

/// Where `npm install --prefix target/vnu vnu-jar` puts the checker.
pub fn vnu_jar() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target/vnu/node_modules/vnu-jar/build/dist/vnu.jar")
}

/// Panics with how to install them when the checker or Java is missing
/// (so a flow does not run for minutes only to fail at its end).
pub fn require_checker() {
    let jar = vnu_jar();
    assert!(
        jar.is_file(),
        "the Nu HTML Checker is missing ({}). The browser tests check every page with it; \
         install it with `npm install --prefix target/vnu --ignore-scripts vnu-jar@26.9.27` \
         (scripts/test does this).",
        jar.display()
    );
    let java = Command::new("java").arg("-version").output();
    assert!(
        java.is_ok_and(|o| o.status.success()),
        "Java is needed for the Nu HTML Checker: `apt-get install -y default-jre-headless` \
         (scripts/test does this)."
    );
}

/// Saves the page as the browser holds it, with its doctype.
pub async fn save_html(client: &Client, path: &Path) -> Result<()> {
    let html = client
        .execute(
            "const d = document.doctype; \
             return (d ? '<!DOCTYPE ' + d.name + '>\\n' : '') + document.documentElement.outerHTML;",
            vec![],
        )
        .await
        .context("reading the page's HTML")?;
    let html = html.as_str().context("the page's HTML is not a string")?;
    std::fs::write(path, html).with_context(|| format!("writing {}", path.display()))
}

/// The smallest text a chart may show, in CSS pixels as rendered.
const MIN_CHART_TEXT: f64 = 12.0;

/// Photographs the whole page at each of [`WIDTHS`] as `<base>-<width>.png`,
/// then puts the window back; returns the chart labels that render below
/// [`MIN_CHART_TEXT`] and the dates and percentages broken across two lines
/// ("2026-/11-29", "100/%") at either width.
pub async fn screenshots(client: &Client, base: &Path) -> Result<Vec<String>> {
    let mut small = Vec::new();
    for width in WIDTHS {
        client.set_window_size(width, WINDOW.1).await?;
        // The window is a little larger than the page's viewport (and may
        // not get as narrow as asked): size it so the viewport holds the
        // whole page at the asked width.
        let [inner_width, inner_height, page_height] = viewport(client).await?;
        let outer_width = (width + width.saturating_sub(inner_width)).max(width);
        let outer_height = (WINDOW.1 + page_height.saturating_sub(inner_height)).min(MAX_HEIGHT);
        client.set_window_size(outer_width, outer_height).await?;
        client
            .execute("window.scrollTo(0, 0); return null;", vec![])
            .await?;
        let png = client.screenshot().await.context("taking a screenshot")?;
        let path = PathBuf::from(format!("{}-{width}.png", base.display()));
        std::fs::write(&path, png).with_context(|| format!("writing {}", path.display()))?;
        small.extend(
            small_chart_text(client)
                .await?
                .into_iter()
                .map(|t| format!("at {width} px: {t}")),
        );
        small.extend(
            broken_across_lines(client)
                .await?
                .into_iter()
                .map(|t| format!("at {width} px: broken across lines: {t}")),
        );
    }
    client.set_window_size(WINDOW.0, WINDOW.1).await?;
    Ok(small)
}

/// Each shown SVG text whose font size, scaled as the SVG is drawn on the
/// screen, is below [`MIN_CHART_TEXT`]: "“v. 49” 8.4 px".
async fn small_chart_text(client: &Client) -> Result<Vec<String>> {
    let found = client
        .execute(
            "const out = [];
             for (const t of document.querySelectorAll('svg text')) {
               if (t.getClientRects().length === 0 || !t.textContent.trim()) continue;
               const m = t.getScreenCTM();
               if (!m) continue;
               const px = parseFloat(getComputedStyle(t).fontSize) * Math.hypot(m.a, m.b);
               if (px < arguments[0]) out.push(`“${t.textContent.trim().slice(0, 40)}” ${px.toFixed(1)} px`);
             }
             return out;",
            vec![serde_json::json!(MIN_CHART_TEXT)],
        )
        .await
        .context("measuring the charts' text")?;
    Ok(serde_json::from_value(found)?)
}

/// Each shown date ("2026-11-29") or percentage ("100 %") in the page's
/// text that the browser lays out on more than one line.
async fn broken_across_lines(client: &Client) -> Result<Vec<String>> {
    let found = client
        .execute(
            r"const out = [];
             const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
             const pattern = /\d{4}-\d{2}-\d{2}|\d+(?:[ \u00a0]\d{3})*(?:,\d+)?[ \u00a0]?%/g;
             for (let node = walker.nextNode(); node; node = walker.nextNode()) {
               for (const m of node.textContent.matchAll(pattern)) {
                 const range = document.createRange();
                 range.setStart(node, m.index);
                 range.setEnd(node, m.index + m[0].length);
                 const tops = new Set([...range.getClientRects()]
                   .filter(r => r.width > 0 && r.height > 0)
                   .map(r => Math.round(r.bottom)));
                 if (tops.size > 1) out.push(`“${m[0]}” in “${node.textContent.trim().slice(0, 60)}”`);
               }
             }
             return out;",
            vec![],
        )
        .await
        .context("looking for dates broken across lines")?;
    Ok(serde_json::from_value(found)?)
}

/// The viewport's width and height and the page's height, in CSS pixels.
async fn viewport(client: &Client) -> Result<[u32; 3]> {
    let sizes = client
        .execute(
            "return [window.innerWidth, window.innerHeight, \
                     Math.ceil(document.documentElement.scrollHeight)];",
            vec![],
        )
        .await
        .context("measuring the viewport")?;
    let number = |i: usize| {
        sizes
            .get(i)
            .and_then(Value::as_u64)
            .and_then(|n| u32::try_from(n).ok())
            .context("the viewport's size is not a number")
    };
    Ok([number(0)?, number(1)?, number(2)?])
}

/// The contrast of each visible, enabled button's text with the colour
/// behind it, computed in the page; returns the buttons below 4.5:1.
pub async fn button_contrast(client: &Client) -> Result<Vec<String>> {
    let found = client
        .execute(
            r#"
const rgba = s => {
  const m = /rgba?\(([^)]*)\)/.exec(s || '');
  if (!m) return null;
  const p = m[1].split(/[\s,\/]+/).filter(Boolean).map(Number);
  return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1];
};
const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat([1]);
const luminance = c => {
  const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]);
};
// The colour behind an element: its own background over its ancestors'
// down to the first opaque one (white at the bottom); null when an image
// or gradient is involved, which this check cannot judge.
const behind = el => {
  const layers = [];
  for (let e = el; e; e = e.parentElement) {
    const s = getComputedStyle(e);
    if (s.backgroundImage && s.backgroundImage !== 'none') return null;
    const c = rgba(s.backgroundColor);
    if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; }
  }
  return layers.reverse().reduce((bottom, top) => over(top, bottom), [255, 255, 255, 1]);
};
const name = c => `rgb(${c.slice(0, 3).map(Math.round).join(', ')})`;
const low = [];
for (const el of document.querySelectorAll('button, input[type=submit], input[type=button], a.button')) {
  if (el.disabled || el.getClientRects().length === 0) continue;
  const text = (el.innerText || el.value || '').trim();
  if (!text) continue;
  const bg = behind(el);
  const fg = rgba(getComputedStyle(el).color);
  if (!bg || !fg) continue;
  const ink = over(fg, bg);
  const [a, b] = [luminance(ink), luminance(bg)].sort((x, y) => y - x);
  const ratio = (a + 0.05) / (b + 0.05);
  if (ratio < 4.5) {
    low.push(`“${text.split(/\s+/).join(' ')}” (${el.outerHTML.slice(0, 120)}): ${ratio.toFixed(2)}:1, ${name(ink)} on ${name(bg)}`);
  }
}
return low;
"#,
            vec![],
        )
        .await
        .context("measuring the buttons' contrast")?;
    Ok(found
        .as_array()
        .context("the contrast check returned no list")?
        .iter()
        .filter_map(Value::as_str)
        .map(str::to_owned)
        .collect())
}

/// Runs the Nu HTML Checker once over `files`; returns its errors, one line
/// each (`"file":line.column: error: message`).
pub fn validate(files: &[PathBuf]) -> Result<Vec<String>> {
    if files.is_empty() {
        return Ok(Vec::new());
    }
    let output = Command::new("java")
        .arg("-jar")
        .arg(vnu_jar())
        .args(["--errors-only", "--format", "gnu"])
        .args(files)
        .output()
        .context("running java -jar vnu.jar")?;
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    );
    let errors: Vec<String> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(str::to_owned)
        .collect();
    if !output.status.success() && errors.is_empty() {
        bail!("vnu.jar failed without saying why ({})", output.status);
    }
    Ok(errors)
}
