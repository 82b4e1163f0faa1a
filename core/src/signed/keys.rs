//! Keys: ed25519 key pairs with key ids, the key files, and the root-signed publisher list.
//!
//! - Key id: the first 16 hex digits of sha256(32-byte public key).
//! - `NAME.pub`: `{"type": "ferretwatch-ed25519-public", "name", "key_id", "public_key": <base64>}`.
//! - `NAME.key` (mode 0600): `{"type": "ferretwatch-ed25519-secret", "name", "key_id",
//!   "seed": <base64 of the 32-byte ed25519 seed>}`.
//! - `keys.json`: an envelope ([`super::envelope::Domain::Keys`]) whose body is a [`KeyList`],
//!   signed by the root keys that ship in the extension. Its `version` only goes up: a client
//!   refuses a list older than the one it holds ([`SignedError::Replay`]).

use std::collections::BTreeMap;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use ed25519_dalek::{Signature, Signer, SigningKey, VerifyingKey};
use serde::{Deserialize, Serialize};

use super::envelope::{Domain, Envelope};
use super::{SignedError, check_count, check_len, clip, is_lower_hex, parse_json};

/// Most publishers in a key list.
pub const MAX_PUBLISHERS: usize = 64;

/// An ed25519 public key with its key id.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PublicKey {
    key: VerifyingKey,
    id: String,
}

impl PublicKey {
    /// From the 32 key bytes.
    ///
    /// # Errors
    /// [`SignedError::Encoding`] when the bytes are not a valid curve point.
    pub fn from_bytes(bytes: &[u8; 32]) -> Result<Self, SignedError> {
        let key = VerifyingKey::from_bytes(bytes)
            .map_err(|_| SignedError::Encoding { what: "public key".into(), encoding: "ed25519 point" })?;
        Ok(Self { id: key_id(bytes), key })
    }

    /// From base64 of the 32 key bytes.
    ///
    /// # Errors
    /// [`SignedError::Encoding`] for bad base64, length or point.
    pub fn from_base64(s: &str) -> Result<Self, SignedError> {
        let enc = || SignedError::Encoding { what: "public key".into(), encoding: "base64 of 32 bytes" };
        if s.len() != 44 {
            return Err(enc());
        }
        let v = B64.decode(s).map_err(|_| enc())?;
        let a: [u8; 32] = v.as_slice().try_into().map_err(|_| enc())?;
        Self::from_bytes(&a)
    }

    /// The key id (16 hex digits).
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Base64 of the key bytes.
    pub fn to_base64(&self) -> String {
        B64.encode(self.key.to_bytes())
    }

    /// Verifies `sig` over `message` (strict ed25519: rejects small-order and malleable forms).
    pub fn verify(&self, message: &[u8], sig: &[u8; 64]) -> bool {
        self.key.verify_strict(message, &Signature::from_bytes(sig)).is_ok()
    }

    /// Parses a `NAME.pub` file.
    ///
    /// # Errors
    /// [`SignedError::Malformed`] / [`SignedError::Encoding`]; a `key_id` that does not match
    /// the key is malformed.
    pub fn from_pub_file(bytes: &[u8]) -> Result<(String, Self), SignedError> {
        if bytes.len() > 4096 {
            return Err(SignedError::Oversized {
                what: "public key file".into(),
                size: bytes.len() as u64,
                limit: 4096,
            });
        }
        let f: KeyFile = parse_json("public key file", bytes)?;
        if f.r#type != PUBLIC_TYPE {
            return Err(SignedError::Malformed {
                what: "public key file".into(),
                message: format!("type is `{}`, expected `{PUBLIC_TYPE}`", clip(&f.r#type, 60)),
            });
        }
        let key = Self::from_base64(f.public_key.as_deref().unwrap_or_default())?;
        if f.key_id != key.id {
            return Err(SignedError::Malformed {
                what: "public key file".into(),
                message: format!("key_id {} does not match the key ({})", clip(&f.key_id, 20), key.id),
            });
        }
        Ok((f.name, key))
    }

    /// The `NAME.pub` file text.
    pub fn to_pub_file(&self, name: &str) -> Vec<u8> {
        let f = KeyFile {
            r#type: PUBLIC_TYPE.into(),
            name: name.into(),
            key_id: self.id.clone(),
            public_key: Some(self.to_base64()),
            seed: None,
        };
        let mut v = serde_json::to_vec_pretty(&f).unwrap_or_default();
        v.push(b'\n');
        v
    }
}

const PUBLIC_TYPE: &str = "ferretwatch-ed25519-public";
const SECRET_TYPE: &str = "ferretwatch-ed25519-secret";

#[derive(Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
struct KeyFile {
    r#type: String,
    name: String,
    key_id: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    public_key: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    seed: Option<String>,
}

/// The key id of a public key: first 16 hex digits of its sha256.
pub fn key_id(public: &[u8; 32]) -> String {
    super::sha256_hex(public)[..16].to_string()
}

/// An ed25519 signing key (the CLI draws the seed from the OS; signing itself needs no
/// randomness).
pub struct SecretKey {
    key: SigningKey,
}

impl std::fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SecretKey").field("key_id", &self.public().id).finish_non_exhaustive()
    }
}

impl SecretKey {
    /// From a 32-byte seed.
    pub fn from_seed(seed: [u8; 32]) -> Self {
        Self { key: SigningKey::from_bytes(&seed) }
    }

    /// The public half.
    pub fn public(&self) -> PublicKey {
        let b = self.key.verifying_key().to_bytes();
        PublicKey { id: key_id(&b), key: self.key.verifying_key() }
    }

    /// Signs `message`.
    pub fn sign(&self, message: &[u8]) -> [u8; 64] {
        self.key.sign(message).to_bytes()
    }

    /// The `NAME.key` file text.
    pub fn to_key_file(&self, name: &str) -> Vec<u8> {
        let f = KeyFile {
            r#type: SECRET_TYPE.into(),
            name: name.into(),
            key_id: self.public().id,
            public_key: None,
            seed: Some(B64.encode(self.key.to_bytes())),
        };
        let mut v = serde_json::to_vec_pretty(&f).unwrap_or_default();
        v.push(b'\n');
        v
    }

    /// Parses a `NAME.key` file; returns the name and the key.
    ///
    /// # Errors
    /// [`SignedError::Malformed`] / [`SignedError::Encoding`].
    pub fn from_key_file(bytes: &[u8]) -> Result<(String, Self), SignedError> {
        if bytes.len() > 4096 {
            return Err(SignedError::Oversized {
                what: "secret key file".into(),
                size: bytes.len() as u64,
                limit: 4096,
            });
        }
        let f: KeyFile = parse_json("secret key file", bytes)?;
        if f.r#type != SECRET_TYPE {
            return Err(SignedError::Malformed {
                what: "secret key file".into(),
                message: format!("type is `{}`, expected `{SECRET_TYPE}`", clip(&f.r#type, 60)),
            });
        }
        let enc = || SignedError::Encoding { what: "secret key seed".into(), encoding: "base64 of 32 bytes" };
        let seed = B64.decode(f.seed.as_deref().unwrap_or_default()).map_err(|_| enc())?;
        let seed: [u8; 32] = seed.as_slice().try_into().map_err(|_| enc())?;
        let key = Self::from_seed(seed);
        if key.public().id != f.key_id {
            return Err(SignedError::Malformed {
                what: "secret key file".into(),
                message: "key_id does not match the key".into(),
            });
        }
        Ok((f.name, key))
    }
}

/// One publisher key in a [`KeyList`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PublisherEntry {
    /// Key id (must match `public_key`).
    pub key_id: String,
    /// Base64 of the 32-byte public key.
    pub public_key: String,
    /// Who holds it.
    pub name: String,
    /// Valid from (Unix seconds).
    pub not_before: u64,
    /// Valid until (Unix seconds, exclusive).
    pub expires: u64,
    /// A revoked key's signature rejects the whole document.
    #[serde(default)]
    pub revoked: bool,
}

/// The body of `keys.json`: the publisher keys, signed by the root keys.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyList {
    /// Always 1.
    pub format_version: u32,
    /// Monotonic list version (a client never goes back to a lower one).
    pub version: u64,
    /// When the list was issued (Unix seconds).
    pub issued: u64,
    /// When the list stops being valid (Unix seconds).
    pub expires: u64,
    /// Distinct publisher signatures a manifest needs (≥ 1; 2 is the two-person rule).
    pub threshold: usize,
    /// The publisher keys.
    pub publishers: Vec<PublisherEntry>,
}

impl KeyList {
    /// The JSON body bytes.
    pub fn to_json(&self) -> Vec<u8> {
        serde_json::to_vec_pretty(self).unwrap_or_default()
    }
}

/// A key a client trusts for one kind of document, with its validity window.
#[derive(Debug, Clone)]
pub struct TrustedKey {
    /// The key.
    pub key: PublicKey,
    /// Valid from (Unix seconds).
    pub not_before: u64,
    /// Valid until (Unix seconds, exclusive).
    pub expires: u64,
    /// Revoked.
    pub revoked: bool,
}

/// The keys that may sign a document kind, and how many distinct signatures it needs.
#[derive(Debug, Clone)]
pub struct KeySet {
    /// Keys by id.
    pub keys: BTreeMap<String, TrustedKey>,
    /// Distinct valid signatures needed.
    pub threshold: usize,
}

impl KeySet {
    /// Keys trusted directly, with no validity window (`pack verify --trust`).
    pub fn direct(keys: &[PublicKey], threshold: usize) -> Self {
        let keys = keys
            .iter()
            .map(|k| (k.id.clone(), TrustedKey { key: k.clone(), not_before: 0, expires: u64::MAX, revoked: false }))
            .collect();
        Self { keys, threshold }
    }

    /// Verifies a `keys.json` envelope with the root keys in `self` and returns the publisher
    /// key set it defines (threshold: the list's, or `min_threshold` if larger).
    ///
    /// # Errors
    /// Any envelope error; [`SignedError::Replay`] for a list older than `held_version`;
    /// [`SignedError::Expired`]; malformed or duplicate entries.
    pub fn publishers_from_list(
        &self,
        keys_json: &[u8],
        now: u64,
        held_version: u64,
        min_threshold: usize,
    ) -> Result<(KeySet, KeyList), SignedError> {
        let env = Envelope::parse(keys_json, super::MAX_DOCUMENT_BYTES, "keys.json")?;
        let payload = env.verify(Domain::Keys, self, now)?;
        let list: KeyList = parse_json("keys.json payload", &payload)?;
        if list.format_version != 1 {
            return Err(SignedError::FormatVersion {
                what: "keys.json".into(),
                found: list.format_version,
                supported: 1,
            });
        }
        if list.version < held_version {
            return Err(SignedError::Replay { what: "keys.json".into(), found: list.version, held: held_version });
        }
        if now >= list.expires {
            return Err(SignedError::Expired { what: "keys.json".into(), expires: list.expires, now });
        }
        check_count("keys.json publishers", list.publishers.len(), MAX_PUBLISHERS)?;
        if list.threshold == 0 || list.threshold > MAX_PUBLISHERS {
            return Err(SignedError::Invalid { what: "keys.json threshold".into(), message: "must be 1..=64".into() });
        }
        let mut keys = BTreeMap::new();
        for p in &list.publishers {
            check_len("publisher name", &p.name, super::MAX_TEXT_BYTES)?;
            if !is_lower_hex(&p.key_id, 16) {
                return Err(SignedError::Encoding {
                    what: "publisher key_id".into(),
                    encoding: "16 lowercase hex digits",
                });
            }
            let key = PublicKey::from_base64(&p.public_key)?;
            if key.id != p.key_id {
                return Err(SignedError::Malformed {
                    what: "keys.json".into(),
                    message: format!("key_id {} does not match its public key", p.key_id),
                });
            }
            let entry = TrustedKey { key, not_before: p.not_before, expires: p.expires, revoked: p.revoked };
            if keys.insert(p.key_id.clone(), entry).is_some() {
                return Err(SignedError::Malformed {
                    what: "keys.json".into(),
                    message: format!("key {} is listed twice", p.key_id),
                });
            }
        }
        Ok((KeySet { keys, threshold: list.threshold.max(min_threshold) }, list))
    }
}
