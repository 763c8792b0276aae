//! The operator's branding (`[branding]`), read by every template: the product name, a logo and
//! brand colours with an optional stylesheet of their own. Templates are compiled, one struct per
//! page, and the brand belongs on all of them: values set once at start-up save threading them
//! through every page's struct, and a page added later gets them without a change.

use std::sync::OnceLock;

use actix_web::http::header;
use actix_web::HttpResponse;

use crate::config::BrandingSettings;
use crate::contrast::{label_on, Rgb};
use crate::error::AppError;

/// Logo and stylesheet files larger than this are refused at start.
const MAX_FILE_BYTES: u64 = 512 * 1024;
pub const LOGO_PATH: &str = "/static/brand/logo";
pub const STYLESHEET_PATH: &str = "/static/brand.css";

struct Brand {
    product_name: String,
    /// The logo's bytes and content type.
    logo: Option<(Vec<u8>, &'static str)>,
    /// The brand colours as custom properties, then the operator's stylesheet.
    stylesheet: Option<String>,
    /// The operator's HTML for parts of every person-facing page, by part.
    fragments: Vec<(&'static str, String)>,
}

/// The parts of the person-facing pages an operator may write themselves
/// (`branding.templates_dir`), each a file `{part}.html`.
pub const PARTS: [&str; 3] = ["head", "header", "footer"];

static BRAND: OnceLock<Brand> = OnceLock::new();

/// Called once by `serve`, before the first page: reads the logo and stylesheet files (a
/// missing, unreadable or too large file stops the start with one line). A second call
/// changes nothing.
pub fn init(settings: &BrandingSettings) -> Result<(), String> {
    let logo = match settings.logo.as_str() {
        "" => None,
        path => Some((read(path, "branding.logo")?, logo_type(path)?)),
    };
    let mut css = String::new();
    // Empty means the built-in colour; anything else was validated with the settings.
    for (value, scheme) in [
        (&settings.primary_color, "light"),
        (&settings.primary_color_dark, "dark"),
    ] {
        if let Some(colour) = Rgb::parse(value) {
            css.push_str(&format!(
                "@media (prefers-color-scheme: {scheme}) {{ :root {{ --primary: {}; --on-primary: {}; }} }}\n",
                colour.hex(),
                label_on(colour).hex()
            ));
        }
    }
    if !settings.stylesheet.is_empty() {
        let extra = read(&settings.stylesheet, "branding.stylesheet")?;
        let extra = String::from_utf8(extra)
            .map_err(|_| "branding.stylesheet: the file is not UTF-8 text".to_string())?;
        css.push_str("/* branding.stylesheet */\n");
        css.push_str(&extra);
    }
    let fragments = match settings.templates_dir.as_str() {
        "" => Vec::new(),
        dir => read_fragments(std::path::Path::new(dir))?,
    };
    let _ = BRAND.set(Brand {
        product_name: settings.product_name.trim().to_string(),
        logo,
        stylesheet: (!css.is_empty()).then_some(css),
        fragments,
    });
    Ok(())
}

/// The override files in `dir`; any other `.html` file there is a mistake worth stopping for
/// (a misspelt name would otherwise be ignored in silence).
fn read_fragments(dir: &std::path::Path) -> Result<Vec<(&'static str, String)>, String> {
    let setting = "branding.templates_dir";
    let entries = std::fs::read_dir(dir)
        .map_err(|e| format!("{setting}: cannot read {}: {e}", dir.display()))?;
    let mut fragments = Vec::new();
    for entry in entries {
        let path = entry
            .map_err(|e| format!("{setting}: {}: {e}", dir.display()))?
            .path();
        let Some(stem) = path
            .file_name()
            .and_then(|n| n.to_str())
            .and_then(|n| n.strip_suffix(".html"))
        else {
            continue;
        };
        let part = PARTS.iter().find(|p| **p == stem).ok_or_else(|| {
            format!(
                "{setting}: {} is not a part that can be overridden (head.html, header.html, footer.html)",
                path.display()
            )
        })?;
        let html = String::from_utf8(read(&path.to_string_lossy(), setting)?)
            .map_err(|_| format!("{setting}: {} is not UTF-8 text", path.display()))?;
        fragments.push((*part, html));
    }
    Ok(fragments)
}

fn read(path: &str, setting: &str) -> Result<Vec<u8>, String> {
    let size = std::fs::metadata(path)
        .map_err(|e| format!("{setting}: cannot read {path}: {e}"))?
        .len();
    if size > MAX_FILE_BYTES {
        return Err(format!(
            "{setting}: {path} is {size} bytes; at most {MAX_FILE_BYTES} are served"
        ));
    }
    std::fs::read(path).map_err(|e| format!("{setting}: cannot read {path}: {e}"))
}

fn logo_type(path: &str) -> Result<&'static str, String> {
    let extension = path.rsplit_once('.').map(|(_, e)| e.to_ascii_lowercase());
    Ok(match extension.as_deref() {
        Some("png") => "image/png",
        Some("jpg" | "jpeg") => "image/jpeg",
        Some("gif") => "image/gif",
        Some("webp") => "image/webp",
        Some("svg") => "image/svg+xml",
        _ => {
            return Err(format!(
                "branding.logo: {path} must be a .png, .jpg, .gif, .webp or .svg file"
            ))
        }
    })
}

fn brand() -> &'static Brand {
    BRAND.get_or_init(|| Brand {
        product_name: BrandingSettings::default().product_name,
        logo: None,
        stylesheet: None,
        fragments: Vec::new(),
    })
}

/// The operator's HTML for `part` of every page, if they wrote one. It is theirs and trusted
/// as such (shown unescaped), and it stays under the pages' CSP: no script runs from it.
pub fn fragment(part: &str) -> Option<&'static str> {
    brand()
        .fragments
        .iter()
        .find(|(name, _)| *name == part)
        .map(|(_, html)| html.as_str())
}

/// The service's name (the default before `init`, e.g. in unit tests).
pub fn product_name() -> &'static str {
    &brand().product_name
}

pub fn has_logo() -> bool {
    brand().logo.is_some()
}

pub fn has_stylesheet() -> bool {
    brand().stylesheet.is_some()
}

/// `GET /static/brand/logo`: the operator's logo, or 404. An SVG is shown through `<img>`, where
/// it runs no script, and opened alone it is still under our CSP.
pub async fn logo() -> Result<HttpResponse, AppError> {
    let (bytes, content_type) = brand().logo.as_ref().ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type(*content_type)
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(bytes.clone()))
}

/// `GET /static/brand.css`: the brand colours and the operator's stylesheet, or 404.
pub async fn stylesheet() -> Result<HttpResponse, AppError> {
    let css = brand().stylesheet.as_ref().ok_or(AppError::NotFound)?;
    Ok(HttpResponse::Ok()
        .content_type("text/css; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=3600"))
        .body(css.clone()))
}
