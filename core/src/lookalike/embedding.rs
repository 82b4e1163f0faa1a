//! Brand embedding and combosquatting: a brand's name used as a whole token of someone else's
//! host (`paypal-login.example`, `secure-paypal.example.net`, `www.paypal.com.account-verify.info`)
//! or a brand's full domain written inside it (`paypal.com-secure.example`).
//!
//! Tokens are the host's pieces between `.` and `-`, so `appleton.org` never contains `apple`.
//! Brand names that are everyday words (`apple`, `target`, `orange`) only count next to a
//! phishing word (login, verify, account, …), as a full domain, or written with look-alike
//! characters (`amaz0n-orders`). Three-letter names (`dhl`, `ups`, `irs`) count only next to a
//! phishing word (`dhl-parcel-tracking.info`) — a deliberate extension of the four-letter rule
//! for the most-phished carriers and agencies — and shorter ones only as a full domain.
//! A brand glued to an unambiguous phishing word without a hyphen (`paypalsecure`,
//! `loginmicrosoft`) counts too ([`GLUE_WORDS`]).

/// Words that phishing hosts put next to a brand name.
pub const PHISHING_WORDS: &[&str] = &[
    "access",
    "account",
    "accounts",
    "activate",
    "activation",
    "alert",
    "alerts",
    "appeal",
    "auth",
    "authenticate",
    "authentication",
    "banking",
    "billing",
    "bonus",
    "cancel",
    "center",
    "centre",
    "check",
    "claim",
    "confirm",
    "confirmation",
    "connect",
    "copyright",
    "customer",
    "customers",
    "delivery",
    "dispute",
    "docs",
    "fee",
    "fees",
    "free",
    "gift",
    "giveaway",
    "help",
    "helpdesk",
    "id",
    "invoice",
    "limited",
    "locked",
    "log",
    "login",
    "logon",
    "manage",
    "notice",
    "notification",
    "official",
    "online",
    "order",
    "orders",
    "package",
    "parcel",
    "password",
    "pay",
    "payment",
    "payments",
    "portal",
    "recover",
    "recovery",
    "redelivery",
    "refund",
    "refunds",
    "renew",
    "reset",
    "resolution",
    "restore",
    "reward",
    "rewards",
    "secure",
    "security",
    "service",
    "services",
    "session",
    "shipment",
    "sign",
    "signin",
    "signon",
    "sso",
    "status",
    "support",
    "suspended",
    "team",
    "tracking",
    "unlock",
    "update",
    "updates",
    "validate",
    "validation",
    "verification",
    "verify",
    "wallet",
    "webmail",
];

/// Brand labels that are also everyday English words (or very common name parts), so that a
/// host containing them is weak evidence on its own. Sorted.
pub const COMMON_WORDS: &[&str] = &[
    "academia",
    "adobe",
    "alliance",
    "amazon",
    "apple",
    "archive",
    "atlas",
    "base",
    "bell",
    "blockchain",
    "blur",
    "bolt",
    "booking",
    "boots",
    "brave",
    "canal",
    "capital",
    "character",
    "chase",
    "chess",
    "chime",
    "circle",
    "citizens",
    "claro",
    "coach",
    "costco",
    "crypto",
    "curve",
    "delta",
    "discover",
    "discovery",
    "dove",
    "eagle",
    "edge",
    "email",
    "enterprise",
    "exodus",
    "express",
    "fidelity",
    "force",
    "france",
    "free",
    "friend",
    "frontier",
    "gate",
    "gemini",
    "genius",
    "global",
    "globe",
    "grab",
    "guardian",
    "harmony",
    "healthcare",
    "hermes",
    "indeed",
    "itch",
    "ledger",
    "life",
    "line",
    "live",
    "mail",
    "medium",
    "mega",
    "mint",
    "mobil",
    "monday",
    "news",
    "note",
    "notion",
    "office",
    "opera",
    "optimism",
    "orange",
    "outlook",
    "phantom",
    "plus",
    "polygon",
    "premier",
    "prime",
    "progressive",
    "pump",
    "python",
    "rainbow",
    "realtor",
    "regions",
    "ring",
    "safe",
    "sage",
    "scdn",
    "shell",
    "shop",
    "signal",
    "slack",
    "southwest",
    "spectrum",
    "square",
    "steam",
    "stripe",
    "swift",
    "target",
    "telegram",
    "temple",
    "tether",
    "three",
    "trip",
    "trust",
    "united",
    "unity",
    "venture",
    "vision",
    "vivo",
    "weather",
    "wired",
    "wise",
    "zoom",
];

/// The phishing words that count when glued to a brand without a hyphen (`paypalsecure`):
/// only the unambiguous ones, so that compound names (`parcelforce`, `franceconnect`) stay
/// clean. Sorted.
pub const GLUE_WORDS: &[&str] = &[
    "account",
    "accounts",
    "auth",
    "authentication",
    "billing",
    "confirm",
    "locked",
    "login",
    "logon",
    "password",
    "recovery",
    "refund",
    "secure",
    "security",
    "signin",
    "support",
    "suspended",
    "unlock",
    "update",
    "validate",
    "verification",
    "verify",
    "wallet",
    "webmail",
];

/// True for a phishing word that counts when glued to a brand (see [`GLUE_WORDS`]).
pub fn is_glue_word(token: &str) -> bool {
    GLUE_WORDS.binary_search(&token).is_ok()
}

/// True for an everyday word (see [`COMMON_WORDS`]).
pub fn is_common_word(label: &str) -> bool {
    COMMON_WORDS.binary_search(&label).is_ok()
}

/// True for a word phishing hosts put next to a brand.
pub fn is_phishing_word(token: &str) -> bool {
    PHISHING_WORDS.binary_search(&token).is_ok()
}

/// The host's tokens (split on `.` and `-`) with their byte offsets.
pub fn tokens(host: &str) -> impl Iterator<Item = (usize, &str)> {
    let mut start = 0;
    host.split(['.', '-']).map(move |t| {
        let at = start;
        start += t.len() + 1;
        (at, t)
    })
}

/// When `host[at..]` starts with `domain` followed by `.` or `-`, true: the brand's full domain
/// is written inside the host, in front of the real one (`paypal.com-secure.example`). At the
/// end of the host it would be the host's own domain (`disney-plus.net` does not contain
/// `plus.net`).
pub fn full_domain_at(host: &str, at: usize, domain: &str) -> bool {
    host.get(at..).is_some_and(|rest| rest.strip_prefix(domain).is_some_and(|after| after.starts_with(['.', '-'])))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn word_lists_are_sorted_and_lowercase() {
        for list in [PHISHING_WORDS, COMMON_WORDS, GLUE_WORDS] {
            assert!(list.windows(2).all(|w| w[0] < w[1]), "sorted, unique");
            assert!(list.iter().all(|w| w.bytes().all(|b| b.is_ascii_lowercase())));
        }
    }

    #[test]
    fn token_table() {
        for (name, host, want) in [
            (
                "hyphens and dots",
                "paypal.com-secure.example",
                vec![(0, "paypal"), (7, "com"), (11, "secure"), (18, "example")],
            ),
            ("single", "example", vec![(0, "example")]),
            (
                "prefix word",
                "secure-paypal.example.net",
                vec![(0, "secure"), (7, "paypal"), (14, "example"), (22, "net")],
            ),
        ] {
            let got: Vec<(usize, &str)> = tokens(host).collect();
            assert_eq!(got, want, "{name}");
        }
    }

    #[test]
    fn full_domain_table() {
        for (name, host, at, domain, want) in [
            ("followed by hyphen", "paypal.com-secure.example", 0, "paypal.com", true),
            ("followed by dot", "www.paypal.com.evil.example", 4, "paypal.com", true),
            ("longer label", "paypal.community.example", 0, "paypal.com", false),
            ("at the end it is the host's own domain", "disney-plus.net", 7, "plus.net", false),
            ("out of range", "paypal", 10, "paypal.com", false),
        ] {
            assert_eq!(full_domain_at(host, at, domain), want, "{name}");
        }
    }

    #[test]
    fn classification() {
        assert!(is_common_word("apple"));
        assert!(!is_common_word("paypal"));
        assert!(is_phishing_word("login"));
        assert!(!is_phishing_word("recipes"));
        assert!(GLUE_WORDS.iter().all(|w| is_phishing_word(w)));
        assert!(is_glue_word("secure") && !is_glue_word("parcel"));
    }
}
