//! Sensitive personal information at rest (PIPL art. 28; MLPS 2.0 level 3): what a row holds of
//! a person is sealed with an authenticated cipher, and what must be found by equality (an
//! identity document) is stored only as a keyed hash, a blind index.
//!
//! Two suites, chosen in configuration: AES-256-GCM with HMAC-SHA256, and SM4-GCM with HMAC-SM3
//! (what China's cryptography assessment, 密评, expects of level-3 systems). Every primitive
//! comes from the RustCrypto crates. Each key carries an id; a sealed value names the key and
//! suite that sealed it, so older keys still open what they sealed while the current one seals
//! what is written, and [`crate::Store::reseal`] rewrites the rest.

use std::collections::BTreeMap;
use std::fmt;

use aes_gcm::aead::{Aead, AeadCore, KeyInit, OsRng, Payload};
use aes_gcm::{Aes256Gcm, AesGcm};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as B64;
use hmac::{Hmac, Mac};
use serde::{Deserialize, Serialize};

/// SM4 in GCM mode with the standard 96-bit nonce.
type Sm4Gcm = AesGcm<sm4::Sm4, aes_gcm::aead::consts::U12>;

/// A key is 32 bytes of randomness, given as base64.
const KEY_BYTES: usize = 32;

/// The authenticated cipher and keyed hash of a key.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Suite {
    /// AES-256-GCM, HMAC-SHA256.
    #[serde(rename = "aes-256-gcm")]
    Aes256Gcm,
    /// SM4-GCM (GB/T 32907), HMAC-SM3 (GB/T 32905).
    #[serde(rename = "sm4-gcm")]
    Sm4Gcm,
}

impl Suite {
    /// The suite's configuration name.
    pub fn code(self) -> &'static str {
        match self {
            Suite::Aes256Gcm => "aes-256-gcm",
            Suite::Sm4Gcm => "sm4-gcm",
        }
    }

    /// The suite named `code` in configuration.
    pub fn from_code(code: &str) -> Result<Suite, KeyError> {
        match code {
            "aes-256-gcm" => Ok(Suite::Aes256Gcm),
            "sm4-gcm" => Ok(Suite::Sm4Gcm),
            _ => Err(KeyError::Suite),
        }
    }
}

/// Why keys could not be read.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum KeyError {
    /// No key at all.
    #[error("no data key: give at least one as `id:base64-of-32-random-bytes`")]
    Empty,
    /// A key is not `id:base64`.
    #[error(
        "a data key is `id:base64-of-32-random-bytes`, with an id of letters, digits, `-` or `_`"
    )]
    Format,
    /// A key is not 32 bytes.
    #[error("data key {0} is not 32 bytes of base64")]
    Length(String),
    /// Two keys share an id.
    #[error("data key id {0} is given twice")]
    Twice(String),
    /// The suite is unknown.
    #[error("the data cipher is aes-256-gcm or sm4-gcm")]
    Suite,
}

/// Why a sealed value could not be opened: never which byte, never the value.
#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SealError {
    /// Sealed with a key this service was not given.
    #[error("sealed with data key {0}, which is not configured")]
    UnknownKey(String),
    /// The ciphertext or its tag does not verify: tampered with, or another key under that id.
    #[error("a sealed value does not verify under data key {0}")]
    Forged(String),
    /// Not a sealed value at all.
    #[error("a sealed value is malformed")]
    Malformed,
}

/// One key: its id and the two subkeys derived from it, one per use, so that the cipher key and
/// the index key are never the same bytes.
struct DataKey {
    id: String,
    suite: Suite,
    cipher: [u8; KEY_BYTES],
    index: [u8; KEY_BYTES],
}

impl DataKey {
    fn new(id: String, suite: Suite, material: &[u8; KEY_BYTES]) -> DataKey {
        DataKey {
            cipher: derive(suite, material, b"yigong data key: cipher"),
            index: derive(suite, material, b"yigong data key: blind index"),
            id,
            suite,
        }
    }
}

/// HKDF of `material` for `purpose`, with the suite's hash (SHA-256 or SM3).
fn derive(suite: Suite, material: &[u8; KEY_BYTES], purpose: &[u8]) -> [u8; KEY_BYTES] {
    let mut out = [0u8; KEY_BYTES];
    let expanded = match suite {
        Suite::Aes256Gcm => {
            hkdf::Hkdf::<sha2::Sha256>::new(None, material).expand(purpose, &mut out)
        }
        Suite::Sm4Gcm => hkdf::Hkdf::<sm3::Sm3>::new(None, material).expand(purpose, &mut out),
    };
    // 32 bytes is far below HKDF's limit of 255 hash lengths.
    debug_assert!(expanded.is_ok());
    out
}

/// Where a sealed resident is bound (the associated data of `resident.body`).
pub const RESIDENT_BODY: &str = "resident.body";

/// A sealed value as stored: the key and suite that sealed it, and nonce ‖ ciphertext ‖ tag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The key's id.
    pub kid: String,
    /// The suite.
    pub alg: Suite,
    /// Base64 of nonce ‖ ciphertext ‖ tag.
    pub ct: String,
}

/// The data keys of a service: the current one seals and indexes, every one opens.
pub struct DataKeys {
    current: String,
    keys: BTreeMap<String, DataKey>,
}

impl fmt::Debug for DataKeys {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Never the key material.
        f.debug_struct("DataKeys")
            .field("current", &self.current)
            .field("ids", &self.keys.keys().collect::<Vec<_>>())
            .finish()
    }
}

impl DataKeys {
    /// Keys from configuration: `id:base64` each, the first the current one, all of `suite`
    /// (older keys stay listed until [`crate::Store::reseal`] has rewritten what they sealed).
    pub fn parse<'a>(
        suite: Suite,
        keys: impl IntoIterator<Item = &'a str>,
    ) -> Result<DataKeys, KeyError> {
        let mut current = None;
        let mut parsed = BTreeMap::new();
        for given in keys {
            let (id, material) = given.trim().split_once(':').ok_or(KeyError::Format)?;
            let id_ok = !id.is_empty()
                && id.len() <= 32
                && id
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
            if !id_ok {
                return Err(KeyError::Format);
            }
            let bytes: [u8; KEY_BYTES] = B64
                .decode(material.trim())
                .ok()
                .and_then(|b| b.try_into().ok())
                .ok_or_else(|| KeyError::Length(id.to_owned()))?;
            if parsed.contains_key(id) {
                return Err(KeyError::Twice(id.to_owned()));
            }
            current.get_or_insert_with(|| id.to_owned());
            parsed.insert(id.to_owned(), DataKey::new(id.to_owned(), suite, &bytes));
        }
        Ok(DataKeys {
            current: current.ok_or(KeyError::Empty)?,
            keys: parsed,
        })
    }

    /// A fresh random key (`id:base64`), for a new database's key file.
    pub fn generate(id: &str) -> String {
        let material = Aes256Gcm::generate_key(OsRng);
        format!("{id}:{}", B64.encode(material))
    }

    /// Keys that live only as long as this process: for in-memory databases and tests, where
    /// nothing sealed outlives the keys.
    pub fn ephemeral() -> DataKeys {
        let key = Self::generate("ephemeral");
        // A key just generated always parses.
        Self::parse(Suite::Aes256Gcm, [key.as_str()]).unwrap_or_else(|_| unreachable!())
    }

    /// The id of the key that seals what is written now.
    pub fn current_id(&self) -> &str {
        &self.current
    }

    fn current(&self) -> &DataKey {
        &self.keys[&self.current]
    }

    /// Seals `plain`, bound to `context` (the table and column it is stored in, so a sealed
    /// value moved to another column does not open).
    pub fn seal(&self, context: &str, plain: &[u8]) -> Sealed {
        let key = self.current();
        let aad = Payload {
            msg: plain,
            aad: context.as_bytes(),
        };
        let (nonce, sealed) = match key.suite {
            Suite::Aes256Gcm => {
                let cipher = Aes256Gcm::new(&key.cipher.into());
                let nonce = Aes256Gcm::generate_nonce(OsRng);
                (nonce.to_vec(), cipher.encrypt(&nonce, aad))
            }
            Suite::Sm4Gcm => {
                let cipher = Sm4Gcm::new_from_slice(&key.cipher[..16])
                    .unwrap_or_else(|_| unreachable!("SM4 takes 16 bytes"));
                let nonce = Sm4Gcm::generate_nonce(OsRng);
                (nonce.to_vec(), cipher.encrypt(&nonce, aad))
            }
        };
        // GCM encryption fails only past 64 GiB in one message.
        let mut out = nonce;
        out.extend(sealed.unwrap_or_else(|_| unreachable!("a record is far below GCM's limit")));
        Sealed {
            kid: key.id.clone(),
            alg: key.suite,
            ct: B64.encode(out),
        }
    }

    /// Opens what [`DataKeys::seal`] sealed under `context`.
    pub fn open(&self, context: &str, sealed: &Sealed) -> Result<Vec<u8>, SealError> {
        let key = self
            .keys
            .get(&sealed.kid)
            .ok_or_else(|| SealError::UnknownKey(sealed.kid.clone()))?;
        if key.suite != sealed.alg {
            return Err(SealError::Forged(sealed.kid.clone()));
        }
        let bytes = B64.decode(&sealed.ct).map_err(|_| SealError::Malformed)?;
        if bytes.len() < 12 + 16 {
            return Err(SealError::Malformed);
        }
        let (nonce, ct) = bytes.split_at(12);
        let aad = Payload {
            msg: ct,
            aad: context.as_bytes(),
        };
        let opened = match key.suite {
            Suite::Aes256Gcm => Aes256Gcm::new(&key.cipher.into()).decrypt(nonce.into(), aad),
            Suite::Sm4Gcm => Sm4Gcm::new_from_slice(&key.cipher[..16])
                .unwrap_or_else(|_| unreachable!("SM4 takes 16 bytes"))
                .decrypt(nonce.into(), aad),
        };
        opened.map_err(|_| SealError::Forged(sealed.kid.clone()))
    }

    /// The blind index of `value` for `context`: a keyed hash under the current key, as hex.
    /// Equal values have equal indexes; without the key, an index says nothing of its value.
    pub fn blind_index(&self, context: &str, value: &str) -> String {
        self.keyed_hash(context, value.as_bytes())
    }

    /// The keyed hash (HMAC-SHA256 or HMAC-SM3 under the current index key) of `value` for
    /// `context`, as hex.
    pub(crate) fn keyed_hash(&self, context: &str, value: &[u8]) -> String {
        let key = self.current();
        let digest = match key.suite {
            Suite::Aes256Gcm => keyed::<Hmac<sha2::Sha256>>(&key.index, context, value),
            Suite::Sm4Gcm => keyed::<Hmac<sm3::Sm3>>(&key.index, context, value),
        };
        hex::encode(digest)
    }
}

fn keyed<M: Mac + KeyInit>(key: &[u8], context: &str, value: &[u8]) -> Vec<u8> {
    let mut mac =
        <M as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!("HMAC takes any key"));
    mac.update(context.as_bytes());
    mac.update(&[0]);
    mac.update(value);
    mac.finalize().into_bytes().to_vec()
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use proptest::prelude::*;

    use super::*;

    fn keys(suite: Suite, ids: &[&str]) -> (DataKeys, Vec<String>) {
        let given: Vec<String> = ids.iter().map(|id| DataKeys::generate(id)).collect();
        (
            DataKeys::parse(suite, given.iter().map(String::as_str)).unwrap(),
            given,
        )
    }

    fn suites() -> impl Strategy<Value = Suite> {
        prop_oneof![Just(Suite::Aes256Gcm), Just(Suite::Sm4Gcm)]
    }

    proptest! {
        #[test]
        fn what_is_sealed_opens_and_holds_nothing_of_its_value(
            suite in suites(),
            plain in "[0-9X]{18}[\\PC]{0,40}",
        ) {
            let (k, _) = keys(suite, &["k1"]);
            let sealed = k.seal("resident.body", plain.as_bytes());
            prop_assert_eq!(k.open("resident.body", &sealed).unwrap(), plain.as_bytes());
            prop_assert!(!sealed.ct.contains(&plain[..18]));
            // Sealing twice gives two ciphertexts (a fresh nonce each time).
            prop_assert_ne!(k.seal("resident.body", plain.as_bytes()).ct, sealed.ct);
        }

        #[test]
        fn a_changed_byte_another_column_or_another_key_does_not_open(
            suite in suites(),
            plain in "[\\PC]{1,40}",
            flip in 0usize..1000,
        ) {
            let (k, _) = keys(suite, &["k1"]);
            let sealed = k.seal("resident.body", plain.as_bytes());
            let mut bytes = B64.decode(&sealed.ct).unwrap();
            let at = flip % bytes.len();
            bytes[at] ^= 1;
            let tampered = Sealed { ct: B64.encode(&bytes), ..sealed.clone() };
            prop_assert_eq!(k.open("resident.body", &tampered), Err(SealError::Forged("k1".into())));
            prop_assert!(k.open("household.body", &sealed).is_err());
            let (other, _) = keys(suite, &["k1"]);
            prop_assert!(other.open("resident.body", &sealed).is_err());
        }

        #[test]
        fn the_blind_index_is_equal_for_equal_values_and_keyed(
            suite in suites(),
            a in "[0-9X]{18}",
            b in "[0-9X]{18}",
        ) {
            let (k, _) = keys(suite, &["k1"]);
            let (other, _) = keys(suite, &["k1"]);
            prop_assert_eq!(k.blind_index("doc", &a), k.blind_index("doc", &a));
            prop_assert_eq!(k.blind_index("doc", &a) == k.blind_index("doc", &b), a == b);
            prop_assert_ne!(k.blind_index("doc", &a), other.blind_index("doc", &a));
            prop_assert!(!k.blind_index("doc", &a).contains(&a));
        }
    }

    #[test]
    fn an_older_key_still_opens_what_it_sealed_and_the_first_key_seals() {
        let (old, given) = keys(Suite::Sm4Gcm, &["2025"]);
        let sealed = old.seal("resident.body", b"410102199003071234");
        let fresh = DataKeys::generate("2026");
        let rotated = DataKeys::parse(Suite::Sm4Gcm, [fresh.as_str(), given[0].as_str()]).unwrap();
        assert_eq!(rotated.current_id(), "2026");
        assert_eq!(
            rotated.open("resident.body", &sealed).unwrap(),
            b"410102199003071234"
        );
        assert_eq!(rotated.seal("resident.body", b"x").kid, "2026");
        let forgotten = DataKeys::parse(Suite::Sm4Gcm, [fresh.as_str()]).unwrap();
        assert_eq!(
            forgotten.open("resident.body", &sealed),
            Err(SealError::UnknownKey("2025".into()))
        );
    }

    #[test]
    fn bad_keys_are_refused_by_what_is_wrong() {
        let good = DataKeys::generate("k1");
        for (given, expected) in [
            (vec![], KeyError::Empty),
            (vec!["no-colon"], KeyError::Format),
            (vec![":AAAA"], KeyError::Format),
            (vec!["bad id:AAAA"], KeyError::Format),
            (vec!["k1:AAAA"], KeyError::Length("k1".into())),
            (
                vec![good.as_str(), good.as_str()],
                KeyError::Twice("k1".into()),
            ),
        ] {
            assert_eq!(
                DataKeys::parse(Suite::Aes256Gcm, given).unwrap_err(),
                expected
            );
        }
        assert_eq!(Suite::from_code("des"), Err(KeyError::Suite));
        let debug = format!(
            "{:?}",
            DataKeys::parse(Suite::Aes256Gcm, [good.as_str()]).unwrap()
        );
        assert!(!debug.contains(good.split_once(':').unwrap().1), "{debug}");
    }
}
