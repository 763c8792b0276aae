//! The checks every page must pass, in headless Chromium: axe-core (from npm, under
//! target/axe-node) finds no serious or critical accessibility violation at 1,280 and 390 px
//! wide, in light and in dark colours, and nothing is wider than a 390 px phone screen. Each
//! variant's screenshot goes to target/screenshots/. The page walk is in pages.rs.

use std::path::PathBuf;

use serde_json::{json, Value};

use crate::webdriver::Browser;

/// The pinned major version `.ci/run` installs (`npm install --prefix target/axe-node axe-core@4`).
pub const AXE_PACKAGE: &str = "axe-core@4";

pub fn axe_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/axe-node")
}

pub fn axe_script() -> PathBuf {
    axe_dir().join("node_modules/axe-core/axe.min.js")
}

/// Installs axe-core with npm when it is not there yet (and npm is); without npm,
/// `require(Prerequisite::Axe)` then says what is missing.
pub fn install_axe() {
    crate::support::npm_install(&axe_dir(), AXE_PACKAGE, &axe_script());
}

/// Widths a page is checked at: a laptop and a phone.
const WIDTHS: [u32; 2] = [1280, 390];
const SCHEMES: [&str; 2] = ["light", "dark"];

/// Runs axe on the current page and returns the serious and critical violations, one line each.
const RUN_AXE: &str = r#"
const done = arguments[arguments.length - 1];
axe.run(document, { resultTypes: ['violations'] }).then(result => done(
  result.passes.length === 0 ? ['axe checked nothing'] : result.violations
    .filter(v => v.impact === 'serious' || v.impact === 'critical')
    .map(v => v.impact + ' ' + v.id + ': ' + v.help + ' at ' +
      v.nodes.map(n => n.target.join(' ') + ' (' + (n.failureSummary || '').replace(/\s+/g, ' ') + ')').join('; '))
), error => done(['axe failed: ' + error]));
"#;

/// What the page draws wider than the viewport (the document and the widest offender).
const OVERFLOW: &str = r#"
const width = window.innerWidth;
if (document.documentElement.scrollWidth <= width) return null;
const wide = [...document.querySelectorAll('body *')]
  .filter(e => e.getBoundingClientRect().right > width + 0.5)
  .map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : '') +
    ' right=' + Math.round(e.getBoundingClientRect().right));
return 'scrollWidth ' + document.documentElement.scrollWidth + ' > ' + width + ': ' + wide.slice(0, 5).join(', ');
"#;

/// Checks the page the browser shows now in every width and colour scheme; returns the problems
/// found, each prefixed with `name` and the variant, so that one run lists every page's faults.
pub async fn check_page(browser: &Browser, name: &str) -> Vec<String> {
    let axe = std::fs::read_to_string(axe_script()).expect("axe-core is installed");
    let mut problems = Vec::new();
    for width in WIDTHS {
        for scheme in SCHEMES {
            // Not `mobile`: a mobile layout viewport grows to fit wide content, which would hide
            // the very overflow this looks for.
            browser
                .cdp(
                    "Emulation.setDeviceMetricsOverride",
                    json!({"width": width, "height": 900, "deviceScaleFactor": 1, "mobile": false}),
                )
                .await;
            browser
                .cdp(
                    "Emulation.setEmulatedMedia",
                    json!({"features": [{"name": "prefers-color-scheme", "value": scheme}]}),
                )
                .await;
            let variant = format!("{name} at {width} px, {scheme}");
            // The emulation really applies: the page sees the width and the scheme.
            let seen = browser
                .execute(
                    "return [window.innerWidth, matchMedia('(prefers-color-scheme: dark)').matches];",
                    json!([]),
                )
                .await;
            assert_eq!(seen, json!([width, scheme == "dark"]), "{variant}");
            // A WebDriver script runs outside the page's CSP (script-src 'self'), so axe can
            // be injected as source text.
            browser.execute(&axe, json!([])).await;
            let violations = browser.execute_async(RUN_AXE, json!([])).await;
            for v in violations.as_array().expect("axe returns a list") {
                let problem = format!("{variant}: {}", v.as_str().unwrap_or_default());
                eprintln!("{problem}");
                problems.push(problem);
            }
            if width < 500 {
                if let Value::String(overflow) = browser.execute(OVERFLOW, json!([])).await {
                    let problem = format!("{variant}: horizontal overflow, {overflow}");
                    eprintln!("{problem}");
                    problems.push(problem);
                }
            }
            browser
                .screenshot_in("target/screenshots", &format!("{name}-{width}-{scheme}"))
                .await;
        }
    }
    problems
}
