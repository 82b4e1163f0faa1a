//! HTML → page features (being built).

use ferretwatch_core::PageFeatures;

/// Extracts features from an HTML document served at `url`.
pub fn extract(url: &str, _html: &str) -> PageFeatures {
    PageFeatures::from_url(url)
}
