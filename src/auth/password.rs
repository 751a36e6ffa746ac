//! Argon2id hashing, off the async threads.

use std::sync::LazyLock;

use anyhow::Context;
use argon2::{Argon2, PasswordHasher, PasswordVerifier};
use rand::Rng;

/// The shortest password we accept.
pub const MIN_LENGTH: usize = 12;
/// The longest password we accept (the strength estimate grows with length).
pub const MAX_LENGTH: usize = 256;
/// The lowest `zxcvbn` score accepted: 4, more than 10^10 guesses. Score 3
/// lets through a Swedish word with a year and `!!` (`sommar2024!!`, about
/// 10^8), which is what people try first.
const MIN_SCORE: u8 = 4;

/// Words Swedish users reach for that zxcvbn's English lists do not know;
/// given to it as extra user inputs.
const SWEDISH_COMMON: &[&str] = &[
    "samordna",
    "losenord",
    "lösenord",
    "hemligt",
    "hemlig",
    "sommar",
    "vinter",
    "hosten",
    "hösten",
    "varen",
    "våren",
    "sverige",
    "svensk",
    "stockholm",
    "goteborg",
    "göteborg",
    "malmo",
    "malmö",
    "orebro",
    "örebro",
    "lindesberg",
    "nora",
    "kommun",
    "kommunen",
    "polisen",
    "polis",
    "brottsforebyggande",
    "trygghet",
    "valkommen",
    "välkommen",
    "hejsan",
    "hejhej",
    "fotboll",
    "hockey",
    "kalle",
    "anka",
    "kalleanka",
    "mamma",
    "pappa",
    "alska",
    "älska",
    "jagalskardig",
    "kärlek",
    "karlek",
    "sol",
    "solen",
    "blomma",
    "katt",
    "hund",
    "qwertyuiopå",
    "asdfghjklöä",
    "måndag",
    "mandag",
    "fredag",
    "januari",
    "december",
];

/// Why a chosen password is refused, in Swedish, for the field; `None`
/// when it is good enough. `name` and `email` are the person's: a password
/// built from them is refused.
pub fn weakness(password: &str, name: &str, email: &str) -> Option<String> {
    let length = password.chars().count();
    if length < MIN_LENGTH {
        return Some(format!(
            "Välj ett lösenord med minst {MIN_LENGTH} tecken. Det du skrev har {length}."
        ));
    }
    if length > MAX_LENGTH {
        return Some(format!("Välj ett lösenord med högst {MAX_LENGTH} tecken."));
    }
    let personal = personal_words(name, email);
    if is_built_from(password, &personal) {
        return Some(
            "Lösenordet bygger på ditt namn eller din e-postadress och är lätt att gissa. \
             Välj något som inte har med dig att göra."
                .to_owned(),
        );
    }
    let mut inputs: Vec<&str> = personal.iter().map(String::as_str).collect();
    inputs.push(name);
    inputs.push(email);
    inputs.extend_from_slice(SWEDISH_COMMON);
    if u8::from(zxcvbn::zxcvbn(password, &inputs).score()) < MIN_SCORE {
        return Some(
            "Lösenordet är för lätt att gissa: det är ett vanligt lösenord, ett vanligt ord \
             eller ett mönster som aaaa, 1234 eller qwerty. Välj till exempel tre eller fyra \
             ord som inte hör ihop."
                .to_owned(),
        );
    }
    None
}

/// The parts of a name and an e-mail address worth guessing: words of at
/// least three letters, folded like [`fold`].
fn personal_words(name: &str, email: &str) -> Vec<String> {
    // Split before folding: `@` and digits are separators here, not letters.
    let mut words: Vec<String> = name
        .split(|c: char| !c.is_alphanumeric())
        .chain(email.split(|c: char| !c.is_alphanumeric()))
        .map(fold)
        .filter(|w| w.chars().count() >= 3 && !matches!(w.as_str(), "com" | "org" | "net"))
        .collect();
    words.sort_by_key(|w| std::cmp::Reverse(w.len()));
    words.dedup();
    words
}

/// Lower case, without Swedish diacritics, with common letter-for-digit
/// swaps undone (`4nn4` is `anna`).
fn fold(s: &str) -> String {
    s.chars()
        .flat_map(char::to_lowercase)
        .map(|c| match c {
            'å' | 'ä' | 'á' | 'à' | '4' | '@' => 'a',
            'ö' | 'ó' | 'ø' | '0' => 'o',
            'é' | 'è' | 'ë' | '3' => 'e',
            'ü' | 'ú' => 'u',
            '1' | '!' | '|' => 'i',
            '5' | '$' => 's',
            '7' => 't',
            c => c,
        })
        .collect()
}

/// Whether a password is essentially the person's name or e-mail address:
/// once their words (forwards or backwards) are taken out, fewer than four
/// letters remain.
fn is_built_from(password: &str, words: &[String]) -> bool {
    // Once with digits and symbols dropped (`anna1985!`), once with them
    // read as letters (`4nn4`).
    let letters_only: String = password.chars().filter(|c| c.is_alphabetic()).collect();
    [fold(&letters_only), fold(password)]
        .into_iter()
        .any(|folded| letters_left(&folded, words).is_some_and(|n| n < 4))
}

/// Letters left once `words` are taken out; `None` when there were none.
fn letters_left(folded: &str, words: &[String]) -> Option<usize> {
    let mut rest: String = folded.chars().filter(|c| c.is_alphabetic()).collect();
    if rest.is_empty() {
        return None;
    }
    for word in words {
        let letters: String = word.chars().filter(|c| c.is_alphabetic()).collect();
        if letters.chars().count() < 3 {
            continue;
        }
        let backwards: String = letters.chars().rev().collect();
        rest = rest.replace(&letters, "").replace(&backwards, "");
    }
    Some(rest.chars().count())
}

/// Hashes a password with Argon2id and a random salt.
pub async fn hash(password: String) -> anyhow::Result<String> {
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| anyhow::anyhow!("hashing failed: {e}"))
    })
    .await
    .context("hashing task")?
}

/// Checks a password against a stored hash. With no hash (unknown user) it
/// checks against a dummy so the answer takes as long either way.
pub async fn verify(password: String, stored: Option<String>) -> anyhow::Result<bool> {
    tokio::task::spawn_blocking(move || {
        let known = stored.is_some();
        let hash = stored.unwrap_or_else(|| DUMMY_HASH.clone());
        let ok = Argon2::default()
            .verify_password(password.as_bytes(), hash.as_str())
            .is_ok();
        ok && known
    })
    .await
    .context("verification task")
}

/// The characters of a one-time password: letters and digits that cannot
/// be taken for one another when read out or copied by hand (no 0, O, o,
/// 1, l or I). 16 of these 56 are about 93 bits.
const READABLE: &[u8] = b"abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";

/// A one-time password for a new account: 16 letters and digits.
pub fn one_time_password() -> String {
    let mut rng = rand::rng();
    (0..16)
        .map(|_| char::from(READABLE[rng.random_range(0..READABLE.len())]))
        .collect()
}

/// Hash of a random string nobody knows, with the default parameters,
/// made once per process.
static DUMMY_HASH: LazyLock<String> = LazyLock::new(|| {
    Argon2::default()
        .hash_password(one_time_password().as_bytes())
        .map(|h| h.to_string())
        .unwrap_or_default()
});

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_hashed_password_verifies_and_a_wrong_one_does_not() {
        let hash = hash("rätt lösenord".into()).await.expect("hash");
        assert!(hash.starts_with("$argon2id$"));
        assert!(
            verify("rätt lösenord".into(), Some(hash.clone()))
                .await
                .expect("verify")
        );
        assert!(
            !verify("fel lösenord".into(), Some(hash))
                .await
                .expect("verify")
        );
    }

    #[tokio::test]
    async fn an_unknown_user_never_verifies() {
        assert!(!verify("vad som helst".into(), None).await.expect("verify"));
    }

    const NAME: &str = "Anna-Karin Öberg";
    const EMAIL: &str = "anna-karin.oberg@lindesberg.se";

    #[test]
    fn short_passwords_are_refused_with_the_length_named() {
        for short in ["", "a", "kort", "elva tecken", "Xk9#mP2$vL!"] {
            let why = weakness(short, NAME, EMAIL).expect(short);
            assert!(why.contains("minst 12 tecken"), "{short:?}: {why}");
        }
        let long = "ab1!".repeat(65);
        assert!(weakness(&long, NAME, EMAIL).is_some_and(|w| w.contains("högst")));
    }

    #[test]
    fn common_and_patterned_passwords_are_refused() {
        for weak in [
            "aaaaaaaaaaaa",
            "aaaaaaaaaaaaaaaaaaaa",
            "111111111111",
            "123456789012",
            "1234567890123456",
            "qwertyuiop12",
            "qwertyuiopasdf",
            "asdfghjklöä123",
            "password1234",
            "Password123!",
            "passwordpassword",
            "iloveyou1234",
            "abcdefghijkl",
            "abcabcabcabc",
            "lösenord1234",
            "Losenord2024!",
            "sommar2024!!",
            "Sommar12345!",
            "samordna-demo",
            "samordna2024!",
            "lindesberg2025",
            "kalleanka123",
            "football2020",
            "123123123123",
            "zxcvbnmzxcvbnm",
            "Welcome12345",
            "monkey123456",
            "dragon123456",
            "vinter2025!!",
            "Fotboll2024!",
            "Xk9#mP2$vL!",
        ] {
            assert!(
                weakness(weak, NAME, EMAIL).is_some(),
                "{weak:?} was accepted"
            );
        }
    }

    #[test]
    fn passwords_built_from_the_name_or_address_are_refused() {
        for personal in [
            "anna-karin.oberg@lindesberg.se",
            "Anna-Karin Öberg",
            "annakarinoberg",
            "AnnaKarinOberg2024",
            "Öberg Anna-Karin!",
            "obergannakarin1",
            "4nn4k4r1n0b3rg",
            "grebonirakanna",
            "anna-karin.oberg",
            "ANNA-KARIN.ÖBERG@LINDESBERG.SE",
            "oberg@lindesberg",
            "annakarin1985!!",
            "Öberg1234567!",
            "0b3rg-L1nd3sb3rg",
        ] {
            let why = weakness(personal, NAME, EMAIL);
            assert!(why.is_some(), "{personal:?} was accepted");
        }
        let why = weakness(
            "S3cur1t4s-L1nd3sb3rg",
            "Kim Johansson",
            "securitas@lindesberg.example",
        );
        assert!(why.is_some());
        let why = weakness("annakarinoberg", NAME, EMAIL).expect("refused");
        assert!(why.contains("namn eller din e-postadress"), "{why}");
    }

    #[test]
    fn strong_passwords_are_accepted() {
        for strong in [
            "korrekt häst batteri häftklammer",
            "Tre blå cyklar i regnet",
            "vX9!qL2#rT7@mN4$",
            "gurka-trumpet-moln-87",
            "Anna har en grön ubåt 42",
        ] {
            assert_eq!(weakness(strong, NAME, EMAIL), None, "{strong:?}");
        }
    }

    #[test]
    fn generated_one_time_passwords_pass_the_rules() {
        for _ in 0..200 {
            let p = one_time_password();
            assert_eq!(weakness(&p, NAME, EMAIL), None, "{p:?}");
        }
    }

    #[test]
    fn the_demo_password_would_not_pass_but_is_only_used_for_seeded_accounts() {
        assert!(weakness(crate::seed::DEMO_PASSWORD, NAME, EMAIL).is_some());
    }

    /// An onboarding coordinator reads the password out or types it from
    /// a note: no character in it looks like another.
    #[test]
    fn one_time_passwords_have_no_look_alike_characters() {
        assert_eq!(READABLE.len(), 56);
        for _ in 0..500 {
            let p = one_time_password();
            assert!(!p.contains(['0', 'O', 'o', '1', 'l', 'I']), "{p:?}");
            assert!(p.chars().all(|c| c.is_ascii_alphanumeric()), "{p:?}");
        }
    }

    #[test]
    fn one_time_passwords_are_long_and_differ() {
        let a = one_time_password();
        assert_eq!(a.len(), 16);
        assert_ne!(a, one_time_password());
    }
}
