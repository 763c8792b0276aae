//! The operator's branding (`[branding]`), read by every template. Templates are compiled, one
//! struct per page, and the name belongs on all of them: a value set once at start-up saves
//! threading it through every page's struct, and a page added later gets it without a change.

use std::sync::OnceLock;

use crate::config::BrandingSettings;

static PRODUCT_NAME: OnceLock<String> = OnceLock::new();

/// Called once by `serve`, before the first page; a second call changes nothing.
pub fn init(settings: &BrandingSettings) {
    let _ = PRODUCT_NAME.set(settings.product_name.trim().to_string());
}

/// The service's name (the default before `init`, e.g. in unit tests).
pub fn product_name() -> &'static str {
    PRODUCT_NAME.get_or_init(|| BrandingSettings::default().product_name)
}
