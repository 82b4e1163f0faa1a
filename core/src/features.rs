//! Page features: what the content script (or the native HTML extractor) observed on a page.
//!
//! Features arrive from outside (a content script, a JSON file), so parsing is defensive: every
//! field is optional except the URL, every string and list has a size cap, and a violation is a
//! [`FeatureError`] naming the field.

use serde::{Deserialize, Serialize};

/// Limits on the size of a [`PageFeatures`] document, checked by [`PageFeatures::validate`].
#[derive(Debug, Clone, Copy)]
pub struct FeatureLimits {
    /// Longest accepted URL (bytes).
    pub max_url_len: usize,
    /// Longest short text field (title, site name, one form action, one resource URL).
    pub max_short_text: usize,
    /// Most entries in any list (forms, inputs per form, resource URLs).
    pub max_list_len: usize,
    /// Whole JSON document accepted by [`PageFeatures::from_json`].
    pub max_json_bytes: usize,
}

impl Default for FeatureLimits {
    fn default() -> Self {
        Self { max_url_len: 8 * 1024, max_short_text: 8 * 1024, max_list_len: 4096, max_json_bytes: 8 * 1024 * 1024 }
    }
}

/// One `<form>` on the page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Form {
    /// The form's action attribute, as written (may be relative or empty).
    pub action: String,
    /// The inputs of the form.
    pub inputs: Vec<Input>,
}

/// One `<input>` (or `<select>`/`<textarea>`) of a form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Input {
    /// `type` attribute, lowercased (`text`, `password`, `email`, `hidden`, ...).
    #[serde(rename = "type")]
    pub kind: String,
    /// `name` attribute (or `id` when there is no name), lowercased.
    pub name: String,
    /// Whether the input is not visible to the user (type hidden, display:none, zero size...).
    pub hidden: bool,
}

/// Everything the engine looks at for one page. Only `url` is required.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct PageFeatures {
    /// The page URL (absolute).
    pub url: String,
    /// `<title>` text.
    pub title: String,
    /// `og:site_name` meta content.
    pub og_site_name: String,
    /// 64-bit perceptual hashes (16 hex digits) of the favicon and logo images.
    pub image_phashes: Vec<String>,
    /// Forms on the page.
    pub forms: Vec<Form>,
    /// URLs of `<a href>` links.
    pub links: Vec<String>,
    /// URLs of images.
    pub images: Vec<String>,
    /// URLs of external scripts.
    pub scripts: Vec<String>,
    /// URLs of stylesheets and fonts.
    pub styles: Vec<String>,
    /// Target of an immediate meta refresh or a script redirect (`location = ...`), if any.
    pub redirect: String,
    /// Visible text of the document.
    pub text: String,
    /// HTML source.
    pub html: String,
    /// Inline script text, concatenated.
    pub inline_script: String,
    /// When this browser first saw the page's registrable domain (ms since the Unix epoch).
    pub first_seen_ms: Option<u64>,
    /// The wall-clock time of the visit (ms since the Unix epoch); needed with `first_seen_ms`.
    pub now_ms: Option<u64>,
}

/// A [`PageFeatures`] document was rejected.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum FeatureError {
    /// The JSON document is not valid or does not have the expected shape.
    #[error("features JSON is malformed: {0}")]
    Json(String),
    /// The JSON document is larger than [`FeatureLimits::max_json_bytes`].
    #[error("features JSON is {size} bytes, more than the limit of {limit}")]
    TooLarge {
        /// Size seen.
        size: usize,
        /// Limit.
        limit: usize,
    },
    /// A field is longer than allowed.
    #[error("field `{field}` is {len} bytes/entries long, more than the limit of {limit}")]
    FieldTooLong {
        /// Field path, e.g. `forms[3].action`.
        field: String,
        /// Length seen.
        len: usize,
        /// Limit.
        limit: usize,
    },
    /// `url` is missing or is not an absolute http(s)/file URL with a host.
    #[error("field `url` is not a usable absolute URL: {0}")]
    BadUrl(String),
}

impl PageFeatures {
    /// Features for a URL alone (URL-only check).
    pub fn from_url(url: impl Into<String>) -> Self {
        Self { url: url.into(), ..Self::default() }
    }

    /// True when nothing but the URL is set (a URL-only check): the page signals and the content
    /// scan have nothing to look at, so [`crate::Engine::scan`] skips them.
    pub fn is_url_only(&self) -> bool {
        self.title.is_empty()
            && self.og_site_name.is_empty()
            && self.image_phashes.is_empty()
            && self.forms.is_empty()
            && self.links.is_empty()
            && self.images.is_empty()
            && self.scripts.is_empty()
            && self.styles.is_empty()
            && self.redirect.is_empty()
            && self.text.is_empty()
            && self.html.is_empty()
            && self.inline_script.is_empty()
            && self.first_seen_ms.is_none()
            && self.now_ms.is_none()
    }

    /// Parses and validates a features JSON document with the default [`FeatureLimits`].
    ///
    /// # Errors
    /// [`FeatureError`] saying which field was wrong.
    pub fn from_json(json: &[u8]) -> Result<Self, FeatureError> {
        Self::from_json_with(json, &FeatureLimits::default())
    }

    /// Parses and validates a features JSON document.
    ///
    /// # Errors
    /// [`FeatureError`] saying which field was wrong.
    pub fn from_json_with(json: &[u8], limits: &FeatureLimits) -> Result<Self, FeatureError> {
        if json.len() > limits.max_json_bytes {
            return Err(FeatureError::TooLarge { size: json.len(), limit: limits.max_json_bytes });
        }
        let f: PageFeatures = serde_json::from_slice(json).map_err(|e| FeatureError::Json(e.to_string()))?;
        f.validate(limits)?;
        Ok(f)
    }

    /// Checks the size limits of every field. The large text fields (`text`, `html`,
    /// `inline_script`) are not limited here: the scan budget caps how much of them is read.
    ///
    /// # Errors
    /// [`FeatureError::FieldTooLong`] for the first field over its limit.
    pub fn validate(&self, limits: &FeatureLimits) -> Result<(), FeatureError> {
        fn check(field: &str, len: usize, limit: usize) -> Result<(), FeatureError> {
            if len > limit { Err(FeatureError::FieldTooLong { field: field.to_string(), len, limit }) } else { Ok(()) }
        }
        check("url", self.url.len(), limits.max_url_len)?;
        check("title", self.title.len(), limits.max_short_text)?;
        check("og_site_name", self.og_site_name.len(), limits.max_short_text)?;
        check("redirect", self.redirect.len(), limits.max_url_len)?;
        check("forms", self.forms.len(), limits.max_list_len)?;
        check("image_phashes", self.image_phashes.len(), limits.max_list_len)?;
        for (i, form) in self.forms.iter().enumerate() {
            check(&format!("forms[{i}].action"), form.action.len(), limits.max_url_len)?;
            check(&format!("forms[{i}].inputs"), form.inputs.len(), limits.max_list_len)?;
            for (j, input) in form.inputs.iter().enumerate() {
                check(&format!("forms[{i}].inputs[{j}].type"), input.kind.len(), 64)?;
                check(&format!("forms[{i}].inputs[{j}].name"), input.name.len(), limits.max_short_text)?;
            }
        }
        for (name, list) in [
            ("links", &self.links),
            ("images", &self.images),
            ("scripts", &self.scripts),
            ("styles", &self.styles),
            ("image_phashes", &self.image_phashes),
        ] {
            check(name, list.len(), limits.max_list_len)?;
            for (i, s) in list.iter().enumerate() {
                check(&format!("{name}[{i}]"), s.len(), limits.max_url_len)?;
            }
        }
        Ok(())
    }
}
