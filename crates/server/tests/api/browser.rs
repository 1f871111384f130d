//! The headless-browser harness itself: real Chromium through Debian's chromedriver
//! loads a page of a running app and takes a screenshot. Page tests build on this.

use super::*;
use ninsho_testkit::browser::{self, Browser};

#[tokio::test]
async fn browser_harness_loads_a_page_in_headless_chromium() {
    if !browser::available() {
        assert!(!browser::required(), "NINSHO_TEST_BROWSER=1 but {} or {} is missing", browser::CHROMIUM, browser::CHROMEDRIVER);
        println!("skipped: no {} / {} (apt-get install chromium chromium-driver)", browser::CHROMIUM, browser::CHROMEDRIVER);
        return;
    }
    let app = spawn_app(Backend::Sqlite).await;
    let b = Browser::start(375, 812).await.unwrap();
    b.driver.goto(format!("{}/api/openapi.json", app.url)).await.unwrap();
    let source = b.driver.source().await.unwrap();
    assert!(source.contains("openapi"), "page source: {source}");
    let dir = TempDir::new().unwrap();
    let shot = dir.path.join("page.png");
    b.screenshot_png(&shot).await.unwrap();
    let png = std::fs::read(&shot).unwrap();
    assert!(png.starts_with(b"\x89PNG"), "not a PNG: {} bytes", png.len());
    b.quit().await;
    app.shutdown().await;
}
