//! Browser tests: headless Chromium through chromedriver (fantoccini)
//! against the real app over a fresh database per test, signing in and
//! using the visible Swedish labels and buttons like a person. Every page
//! visited is checked with axe-core for WCAG 2.1 A and AA, for its buttons'
//! contrast, and with the Nu HTML Checker (`vnu.jar`, run with Java), and
//! photographed at 1280 and 390 px wide under `target/browser-artifacts/`.
//!
//! Needs `chromium` and `chromedriver` (Debian: `apt-get install -y
//! chromium chromium-driver`) and axe-core under `target/axe`
//! (`npm install --prefix target/axe axe-core@4.14.1`), Java (Debian:
//! `default-jre-headless`) and the checker under `target/vnu`
//! (`npm install --prefix target/vnu --ignore-scripts vnu-jar@26.9.27`);
//! scripts/test installs them. A failing step leaves `target/browser-artifacts/<test>-<step>.png`
//! and `.html`.

mod agreements;
mod app;
mod axe;
mod dashboard;
mod driver;
mod est;
mod keyboard;
mod map;
mod meetings;
mod onboarding;
mod pages;
mod planning;
mod public;
#[path = "../support/serve.rs"]
mod serve;
mod tips;
