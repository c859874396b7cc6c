//! Random secrets, made one way: session CSRF tokens, remembered-device tokens and the embedded
//! cluster's password are all 32 random bytes from the thread's CSPRNG, hex-encoded.

use rand::RngCore;

/// 64 hex characters (256 bits) of randomness.
pub fn token() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    hex::encode(bytes)
}

#[cfg(test)]
mod tests {
    #[test]
    fn tokens_are_long_hex_and_differ() {
        let (a, b) = (super::token(), super::token());
        assert_eq!(a.len(), 64);
        assert!(a.chars().all(|c| c.is_ascii_hexdigit()));
        assert_ne!(a, b);
    }
}
