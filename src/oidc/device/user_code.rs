//! User codes (RFC 8628 §6.1): eight letters from twenty consonants, shown as `BCDF-GHJK`.
//! Consonants only, so no word (and no 0/O or 1/I confusion) can appear; read back without
//! case, dashes or spaces. 20^8 ≈ 2^34.6 codes against a few guesses a minute per address
//! (the `device` rate limit) within a code's lifetime.

use crate::crypto::secrets::{random_bytes, sha256_hex};

const ALPHABET: &[u8; 20] = b"BCDFGHJKLMNPQRSTVWXZ";
const LENGTH: usize = 8;

/// A new code, formatted for people.
pub fn generate() -> String {
    let mut code = String::with_capacity(LENGTH + 1);
    let mut picked = 0;
    while picked < LENGTH {
        for byte in random_bytes::<16>() {
            // 240 is the largest multiple of 20 below 256: no letter is likelier than another.
            if byte >= 240 || picked == LENGTH {
                continue;
            }
            if picked == LENGTH / 2 {
                code.push('-');
            }
            code.push(ALPHABET[usize::from(byte % 20)] as char);
            picked += 1;
        }
    }
    code
}

/// The code as typed, reduced to its letters: upper case, without dashes and spaces. `None`
/// when what remains cannot be a code (so it is refused without a lookup).
pub fn normalize(typed: &str) -> Option<String> {
    let letters: String = typed
        .chars()
        .filter(|c| !matches!(c, '-' | ' ' | '\t'))
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let valid = letters.len() == LENGTH && letters.bytes().all(|b| ALPHABET.contains(&b));
    valid.then_some(letters)
}

/// What is stored of a code: the digest of its normalized form.
pub fn digest(normalized: &str) -> String {
    sha256_hex(format!("device user code {normalized}").as_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_codes_read_back() {
        for _ in 0..200 {
            let code = generate();
            assert_eq!(code.len(), 9, "{code}");
            assert_eq!(&code[4..5], "-");
            let normalized = normalize(&code).expect("a generated code is valid");
            assert_eq!(normalized, code.replace('-', ""));
            assert_eq!(normalize(&code.to_lowercase()), Some(normalized.clone()));
            let spaced = format!(" {} {} ", &code[..4], &code[5..]);
            assert_eq!(normalize(&spaced), Some(normalized));
        }
    }

    #[test]
    fn anything_else_is_refused() {
        assert_eq!(normalize("BCDF-GHJ"), None);
        assert_eq!(normalize("BCDF-GHJKL"), None);
        assert_eq!(normalize("ABCD-EFGH"), None, "vowels are never in a code");
        assert_eq!(normalize("BCDF-GHJ1"), None);
        assert_eq!(normalize(""), None);
    }

    #[test]
    fn every_letter_appears() {
        let seen: std::collections::HashSet<char> = (0..200)
            .flat_map(|_| generate().chars().collect::<Vec<_>>())
            .filter(|c| *c != '-')
            .collect();
        assert_eq!(seen.len(), ALPHABET.len());
    }
}
