//! Browser tests: headless Chromium through chromedriver (fantoccini)
//! against the real app over a fresh database per test, signing in and
//! using the visible Swedish labels and buttons like a person. Every page
//! visited is checked with axe-core for WCAG 2.1 A and AA.
//!
//! Needs `chromium` and `chromedriver` (Debian: `apt-get install -y
//! chromium chromium-driver`) and axe-core under `target/axe`
//! (`npm install --prefix target/axe axe-core@4.14.1`); scripts/test installs
//! them. A failing step leaves `target/browser-artifacts/<test>-<step>.png`
//! and `.html`.

mod agreements;
mod app;
mod axe;
mod dashboard;
mod driver;
mod est;
mod keyboard;
mod meetings;
