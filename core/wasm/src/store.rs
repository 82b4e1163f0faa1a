//! The rule-update side of the binding: what the extension's updater (extension/background/
//! updates.js) needs from `ferretwatch_core::signed` — verify an offered pack and resolve its
//! deltas (`signed::store`), re-check a held pack as issued, drop expired indicator lists, and
//! verify the control document and bulletins pulled with the manifest.
//!
//! Stateless on purpose: the held version, key-list version and control sequence live in the
//! extension's storage (a wasm instance is replaced after a crash), and the caller passes them
//! in, with the time. Conversions only; every check is core's.
//!
//! ```js
//! const r = stagePack(files, heldFiles /* or null */, {roots, nowMs, extensionVersion,
//!                     heldVersion, heldKeysVersion});
//! // r = {packVersion, created, expires, signers, keysVersion, rollback, files, expiries}
//! const { files: live, nextExpiryMs } = livePackFiles(r.files, r.expiries, Date.now());
//! ```
//! A rejection throws an `Error` whose `kind` is the reason (`bad_signature`, `rollback`,
//! `hash_mismatch`, `delta`, `expired`, `replay`, ...).

use std::collections::BTreeMap;

use ferretwatch_core::pack::PackFiles;
use ferretwatch_core::signed::{self, KeySet, PublicKey, SignedError, manifest::Trust};
use serde::{Deserialize, Serialize};
use wasm_bindgen::prelude::*;

use super::{files_from_js, reject, to_js};

/// Options of the store functions (camelCase).
#[derive(Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub(crate) struct StoreOptions {
    #[serde(default)]
    publishers: Vec<String>,
    #[serde(default)]
    roots: Vec<String>,
    #[serde(default = "default_threshold")]
    threshold: usize,
    #[serde(default = "default_root_threshold")]
    root_threshold: usize,
    #[serde(default)]
    held_version: Option<String>,
    #[serde(default)]
    held_keys_version: u64,
    now_ms: f64,
    #[serde(default)]
    extension_version: String,
    #[serde(default)]
    max_pack_bytes: Option<f64>,
    /// Check a held or bundled pack as of its creation (no expiry, no rollback check).
    #[serde(default)]
    as_issued: bool,
}

fn default_threshold() -> usize {
    signed::DEFAULT_THRESHOLD
}

fn default_root_threshold() -> usize {
    1
}

fn options(value: JsValue) -> Result<StoreOptions, JsValue> {
    serde_wasm_bindgen::from_value(value)
        .map_err(|e| JsValue::from(JsError::new(&format!("store options are malformed: {e}"))))
}

/// The trust options of `Engine.fromSignedPack` / `verifySignedPack`: the store's options,
/// where `extensionVersion` is required and `asIssued` is not accepted.
pub(crate) fn trust_options(value: JsValue) -> Result<StoreOptions, JsValue> {
    let malformed = |m: String| JsValue::from(JsError::new(&format!("trust options are malformed: {m}")));
    let o: StoreOptions = serde_wasm_bindgen::from_value(value).map_err(|e| malformed(e.to_string()))?;
    if o.as_issued {
        return Err(malformed("unknown field `asIssued`".into()));
    }
    if o.extension_version.is_empty() {
        return Err(malformed("missing field `extensionVersion`".into()));
    }
    Ok(o)
}

impl StoreOptions {
    fn now(&self) -> u64 {
        (self.now_ms.max(0.0) / 1000.0) as u64
    }

    fn keys(list: &[String]) -> Result<Vec<PublicKey>, SignedError> {
        list.iter().map(|k| PublicKey::from_base64(k)).collect()
    }

    pub(crate) fn trust(&self) -> Result<Trust, SignedError> {
        Ok(if self.roots.is_empty() {
            Trust::Direct(KeySet::direct(&Self::keys(&self.publishers)?, self.threshold))
        } else {
            Trust::Roots {
                roots: KeySet::direct(&Self::keys(&self.roots)?, self.root_threshold),
                held_keys_version: self.held_keys_version,
                min_threshold: self.threshold,
            }
        })
    }

    pub(crate) fn policy(&self) -> signed::Policy {
        signed::Policy {
            now: self.now(),
            held_version: self.held_version.clone(),
            extension_version: self.extension_version.clone(),
            max_pack_bytes: self.max_pack_bytes.map(|b| b.max(0.0) as u64).unwrap_or(signed::DEFAULT_MAX_PACK_BYTES),
            ..signed::Policy::default()
        }
    }

    /// The publisher keys for a control document or bulletin: direct, or from `keys.json`
    /// signed by the roots.
    fn publishers(&self, keys_json: Option<&[u8]>) -> Result<KeySet, SignedError> {
        match self.trust()? {
            Trust::Direct(k) => Ok(k),
            Trust::Roots { roots, held_keys_version, min_threshold } => {
                let kj = keys_json
                    .ok_or_else(|| SignedError::MissingArtifact { path: signed::manifest::KEYS_FILE.into() })?;
                Ok(roots.publishers_from_list(kj, self.now(), held_keys_version, min_threshold)?.0)
            }
        }
    }
}

/// What `stagePack` returns (camelCase; `files` is added as an object of `Uint8Array`).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct Staged<'a> {
    pack_version: &'a str,
    created: u64,
    expires: u64,
    signers: &'a [String],
    keys_version: Option<u64>,
    rollback: bool,
    artifacts: usize,
    bytes: u64,
    expiries: &'a BTreeMap<String, u64>,
}

fn files_to_js(files: &PackFiles) -> js_sys::Object {
    let out = js_sys::Object::new();
    for (name, bytes) in files {
        let _ = js_sys::Reflect::set(&out, &name.into(), &js_sys::Uint8Array::from(bytes.as_slice()));
    }
    out
}

fn expiries_from_js(value: JsValue) -> Result<BTreeMap<String, u64>, JsValue> {
    let raw: BTreeMap<String, f64> = serde_wasm_bindgen::from_value(value)
        .map_err(|e| JsValue::from(JsError::new(&format!("expiries are malformed: {e}"))))?;
    Ok(raw.into_iter().map(|(k, v)| (k, v.max(0.0) as u64)).collect())
}

/// Verifies a pack (every trust check of the rule-pack verifier; with `asIssued`, as of its
/// creation time, for the cached or bundled pack), applies its delta artifacts to `held` (the
/// resolved files of the pack in force, or `null`), and checks that `pack.json` carries the
/// manifest's version. Does not compile: the caller loads `files` into its engine and keeps
/// its current one if that throws. Returns `{packVersion, created, expires, signers,
/// keysVersion, rollback, artifacts, bytes, expiries: {path: unixSeconds}, files}`.
#[wasm_bindgen(js_name = stagePack)]
pub fn stage_pack(files: &js_sys::Object, held: JsValue, opts: JsValue) -> Result<JsValue, JsValue> {
    console_error_panic_hook::set_once();
    let o = options(opts)?;
    let map = files_from_js(files).map_err(JsValue::from)?;
    let base =
        if held.is_object() { Some(files_from_js(&js_sys::Object::from(held)).map_err(JsValue::from)?) } else { None };
    let trust = o.trust().map_err(reject)?;
    let policy = o.policy();
    let verified = if o.as_issued {
        signed::store::verify_as_issued(&map, &trust, &policy)
    } else {
        signed::verify_pack(&map, &trust, &policy)
    }
    .map_err(reject)?;
    drop(map);
    let r = signed::store::resolved(verified, base.as_ref()).map_err(reject)?;
    let m = &r.pack.manifest;
    signed::store::check_config_version(&r.files, &m.pack_version).map_err(reject)?;
    let info = Staged {
        pack_version: &m.pack_version,
        created: m.created,
        expires: m.expires,
        signers: &r.pack.signers,
        keys_version: r.pack.keys_version,
        rollback: m.rollback.is_some(),
        artifacts: m.artifacts.len(),
        bytes: m.total_size(),
        expiries: &r.expiries,
    };
    let out = to_js(&info).map_err(JsValue::from)?;
    js_sys::Reflect::set(&out, &"files".into(), &files_to_js(&r.files))?;
    Ok(out)
}

/// What `verifyManifest` returns (camelCase).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct ManifestInfo<'a> {
    pack_version: &'a str,
    created: u64,
    expires: u64,
    signers: &'a [String],
    keys_version: Option<u64>,
    rollback: bool,
    bytes: u64,
    artifacts: &'a [signed::manifest::Artifact],
}

/// Verifies `manifest.json` (with `keys.json` under root trust) before any artifact is
/// downloaded: key list, signatures, threshold, freshness (freeze), extension version, rollback,
/// and the declared total size against `maxPackBytes`. Returns `{packVersion, created, expires,
/// signers, keysVersion, rollback, bytes, artifacts: [{path, sha256, size}]}`.
#[wasm_bindgen(js_name = verifyManifest)]
pub fn verify_manifest(manifest_json: Vec<u8>, keys_json: Option<Vec<u8>>, opts: JsValue) -> Result<JsValue, JsValue> {
    console_error_panic_hook::set_once();
    let o = options(opts)?;
    let trust = o.trust().map_err(reject)?;
    let policy = o.policy();
    let mut files = PackFiles::new();
    files.insert(signed::manifest::MANIFEST_FILE.into(), manifest_json);
    if let Some(k) = keys_json {
        files.insert(signed::manifest::KEYS_FILE.into(), k);
    }
    let (m, signers, keys_version) = signed::manifest::verify_header(&files, &trust, &policy).map_err(reject)?;
    if m.total_size() > policy.max_pack_bytes {
        return Err(reject(SignedError::DownloadTooLarge {
            path: "(all artifacts)".into(),
            limit: policy.max_pack_bytes,
        }));
    }
    let info = ManifestInfo {
        pack_version: &m.pack_version,
        created: m.created,
        expires: m.expires,
        signers: &signers,
        keys_version,
        rollback: m.rollback.is_some(),
        bytes: m.total_size(),
        artifacts: &m.artifacts,
    };
    to_js(&info).map_err(JsValue::from)
}

/// The files an engine should load at `nowMs`: `files` without the indicator lists whose
/// expiry (`expiries`, as `stagePack` returns them) has passed. Returns `{files, nextExpiryMs}`
/// (`null` when no list expires later).
#[wasm_bindgen(js_name = livePackFiles)]
pub fn live_pack_files(files: &js_sys::Object, expiries: JsValue, now_ms: f64) -> Result<JsValue, JsValue> {
    let map = files_from_js(files).map_err(JsValue::from)?;
    let exp = expiries_from_js(expiries)?;
    let (live, next) = signed::store::live_files(&map, &exp, (now_ms.max(0.0) / 1000.0) as u64);
    let out = js_sys::Object::new();
    js_sys::Reflect::set(&out, &"files".into(), &files_to_js(&live))?;
    let next = next.map_or(JsValue::NULL, |s| JsValue::from_f64(s as f64 * 1000.0));
    js_sys::Reflect::set(&out, &"nextExpiryMs".into(), &next)?;
    Ok(out.into())
}

/// Indicator expiries of a pack's files (e.g. the bundled pack): `{path: unixSeconds}`.
#[wasm_bindgen(js_name = indicatorExpiries)]
pub fn indicator_expiries(files: &js_sys::Object) -> Result<JsValue, JsValue> {
    let map = files_from_js(files).map_err(JsValue::from)?;
    let manifest = map.get(signed::manifest::MANIFEST_FILE).and_then(|m| {
        let env = signed::Envelope::parse(m, signed::MAX_MANIFEST_BYTES, "manifest.json").ok()?;
        signed::Manifest::parse(&env.payload).ok()
    });
    to_js(&signed::store::indicator_expiries(manifest.as_ref(), &map)).map_err(JsValue::from)
}

/// Verifies a control document (`control.json` bytes) for a client that applied
/// `heldSequence` last. `keysJson`: the CDN's `keys.json` (needed with root trust); `opts` as
/// `stagePack`. Returns `{level, sequence, reason, issuedAt, expires}`.
#[wasm_bindgen(js_name = verifyControl)]
pub fn verify_control(
    bytes: &[u8],
    held_sequence: f64,
    keys_json: Option<Vec<u8>>,
    opts: JsValue,
) -> Result<JsValue, JsValue> {
    let o = options(opts)?;
    let keys = o.publishers(keys_json.as_deref()).map_err(reject)?;
    let (doc, level) =
        signed::control::verify_control(bytes, &keys, o.now(), held_sequence.max(0.0) as u64).map_err(reject)?;
    #[derive(Serialize)]
    #[serde(rename_all = "camelCase")]
    struct Control<'a> {
        level: u8,
        sequence: u64,
        reason: &'a str,
        issued_at: u64,
        expires: u64,
    }
    let c = Control {
        level: level.number(),
        sequence: doc.sequence,
        reason: &doc.reason,
        issued_at: doc.issued_at,
        expires: doc.expires,
    };
    to_js(&c).map_err(JsValue::from)
}

/// Verifies a bulletin for this extension version at `opts.nowMs`; returns its body (the
/// format's snake_case fields). `keysJson` and `opts` as `verifyControl`.
#[wasm_bindgen(js_name = verifyBulletin)]
pub fn verify_bulletin(bytes: &[u8], keys_json: Option<Vec<u8>>, opts: JsValue) -> Result<JsValue, JsValue> {
    let o = options(opts)?;
    let keys = o.publishers(keys_json.as_deref()).map_err(reject)?;
    let b = signed::bulletin::verify_bulletin(bytes, &keys, o.now(), &o.extension_version).map_err(reject)?;
    to_js(&b).map_err(JsValue::from)
}
