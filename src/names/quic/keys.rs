//! Client Initial keys (RFC 9001 §5.2): HKDF-Extract over the client's first Destination
//! Connection ID with the version's salt, HKDF-Expand-Label "client in", then the packet key,
//! IV and header-protection key with the version's labels.
//!
//! Initial packets always use AEAD_AES_128_GCM and AES-128-ECB header protection (RFC 9001
//! §5.3, §5.4.3), whatever cipher suite the handshake later picks.

use aes::Aes128;
use aes::cipher::{Array, BlockCipherEncrypt, KeyInit};
use aes_gcm::aead::AeadInOut;
use aes_gcm::{Aes128Gcm, Tag};
use hkdf::Hkdf;
use sha2::Sha256;

use super::version::Labels;

/// AEAD_AES_128_GCM key length (RFC 5116 §5.1).
const KEY_LEN: usize = 16;
/// AEAD nonce length: the IV is as long as the nonce (RFC 9001 §5.3).
const IV_LEN: usize = 12;
/// The AEAD tag that ends every protected payload.
pub(super) const TAG_LEN: usize = 16;
/// Header protection samples 16 bytes (RFC 9001 §5.4.2).
pub(super) const SAMPLE_LEN: usize = 16;
/// SHA-256 output: the length of every secret here.
const SECRET_LEN: usize = 32;
/// "tls13 " + the longest label ("quicv2 key", 10 bytes) fits comfortably.
const MAX_LABEL_LEN: usize = 32;

/// The raw key material of one direction, kept so tests can compare it with RFC values.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct KeyMaterial {
    pub key: [u8; KEY_LEN],
    pub iv: [u8; IV_LEN],
    pub hp: [u8; KEY_LEN],
}

impl KeyMaterial {
    /// Client Initial key material for a Destination Connection ID.
    pub(super) fn client_initial(salt: &[u8], dcid: &[u8], labels: &Labels) -> Option<Self> {
        let (_, initial) = Hkdf::<Sha256>::extract(Some(salt), dcid);
        let mut client_secret = [0u8; SECRET_LEN];
        expand_label(&initial, b"client in", &mut client_secret)?;
        let client = Hkdf::<Sha256>::from_prk(&client_secret).ok()?;
        let mut material = KeyMaterial {
            key: [0; KEY_LEN],
            iv: [0; IV_LEN],
            hp: [0; KEY_LEN],
        };
        expand_label(&client, labels.key, &mut material.key)?;
        expand_label(&client, labels.iv, &mut material.iv)?;
        expand_label(&client, labels.hp, &mut material.hp)?;
        Some(material)
    }
}

/// HKDF-Expand-Label(Secret, Label, "", Length) of TLS 1.3 (RFC 8446 §7.1): the info is the
/// output length (2 bytes), the label prefixed with "tls13 " (1-byte length), and an empty
/// context (1-byte length 0).
fn expand_label(secret: &Hkdf<Sha256>, label: &[u8], out: &mut [u8]) -> Option<()> {
    const PREFIX: &[u8] = b"tls13 ";
    let full_len = PREFIX.len() + label.len();
    if full_len > MAX_LABEL_LEN {
        return None;
    }
    let out_len = u16::try_from(out.len()).ok()?;
    // HkdfLabel: length (2 bytes), label length and label, and the empty context's length (0),
    // built in a stack buffer (`full_len` fits: checked above).
    let fields = out_len
        .to_be_bytes()
        .into_iter()
        .chain([u8::try_from(full_len).ok()?])
        .chain(PREFIX.iter().copied())
        .chain(label.iter().copied())
        .chain([0]);
    let mut info = [0u8; 4 + MAX_LABEL_LEN];
    for (slot, byte) in info.iter_mut().zip(fields) {
        *slot = byte;
    }
    secret.expand(info.get(..4 + full_len)?, out).ok()
}

/// Ready-to-use ciphers for one direction's Initial packets.
pub(super) struct PacketKeys {
    aead: Aes128Gcm,
    iv: [u8; IV_LEN],
    hp: Aes128,
}

impl PacketKeys {
    pub(super) fn new(material: &KeyMaterial) -> Self {
        PacketKeys {
            aead: Aes128Gcm::new(&Array::from(material.key)),
            iv: material.iv,
            hp: Aes128::new(&Array::from(material.hp)),
        }
    }

    /// The 5-byte header-protection mask for a 16-byte sample (RFC 9001 §5.4.3).
    pub(super) fn header_mask(&self, sample: [u8; SAMPLE_LEN]) -> [u8; 5] {
        let mut block = Array::from(sample);
        self.hp.encrypt_block(&mut block);
        let [a, b, c, d, e, ..] = block.0;
        [a, b, c, d, e]
    }

    /// The nonce: the IV with the packet number XORed into its last 8 bytes (RFC 9001 §5.3).
    fn nonce(&self, packet_number: u64) -> [u8; IV_LEN] {
        let mut nonce = self.iv;
        for (n, p) in nonce[IV_LEN - 8..]
            .iter_mut()
            .zip(packet_number.to_be_bytes())
        {
            *n ^= p;
        }
        nonce
    }

    /// Decrypts `payload` in place and checks `tag`; false if the packet is not authentic
    /// under these keys (wrong keys, a server packet, damage).
    pub(super) fn open(
        &self,
        packet_number: u64,
        aad: &[u8],
        payload: &mut [u8],
        tag: &[u8],
    ) -> bool {
        let Ok(tag) = Tag::try_from(tag) else {
            return false;
        };
        let nonce = Array::from(self.nonce(packet_number));
        self.aead
            .decrypt_inout_detached(&nonce, aad, payload.into(), &tag)
            .is_ok()
    }

    /// Encrypts `payload` in place and returns the tag (tests build protected packets with it).
    #[cfg(test)]
    pub(super) fn seal(&self, packet_number: u64, aad: &[u8], payload: &mut [u8]) -> [u8; TAG_LEN] {
        let nonce = Array::from(self.nonce(packet_number));
        let tag = self
            .aead
            .encrypt_inout_detached(&nonce, aad, payload.into())
            .unwrap_or_default();
        let mut out = [0u8; TAG_LEN];
        out.copy_from_slice(&tag);
        out
    }
}
