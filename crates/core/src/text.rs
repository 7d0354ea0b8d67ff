//! Input-derived text made safe to echo. Two rules, one place:
//!
//! - [`bounded`]: what an error, a log field or a ledger key repeats of an input is at most
//!   [`ECHO_CHARS`] characters; a longer text is cut and says how long it was (`… (1048576 bytes)`), so a
//!   1 MB field gives a line of a few hundred bytes, and never a second copy of the payload.
//! - [`clean`]: C0 and C1 control characters, bidirectional overrides and isolates, zero-width characters
//!   and the byte-order mark never reach an e-mail, a case body, a log or a terminal: a line break or a tab
//!   becomes a space, the others are dropped. Ordinary Unicode (accents, CJK, emoji) is kept.
//!
//! [`echo`] is both, with e-mail-shaped words masked ([`mask_addresses`]): the form every error message
//! uses, so an address in a payload never reaches a log or an error.
// Input text passes through here (issue 13): no byte-index slicing, no unwrap outside tests.
#![cfg_attr(
    not(test),
    deny(clippy::string_slice, clippy::indexing_slicing, clippy::unwrap_used)
)]

use std::borrow::Cow;

/// The most characters of an input an error, a log field or a ledger key repeats.
pub const ECHO_CHARS: usize = 200;

/// `text` when it has at most `max` characters; otherwise its first `max` characters followed by
/// `… (N bytes)`, N being the length of the whole text.
pub fn bounded_to(text: &str, max: usize) -> Cow<'_, str> {
    match text.char_indices().nth(max) {
        None => Cow::Borrowed(text),
        Some((cut, _)) => {
            let head = text.get(..cut).unwrap_or_default();
            Cow::Owned(format!("{head}… ({} bytes)", text.len()))
        }
    }
}

/// [`bounded_to`] at [`ECHO_CHARS`].
pub fn bounded(text: &str) -> Cow<'_, str> {
    bounded_to(text, ECHO_CHARS)
}

/// Characters that change how text is shown rather than what it says: controls (C0, DEL, C1),
/// bidirectional marks, embeddings, overrides and isolates, zero-width characters and the BOM.
pub fn is_hidden(c: char) -> bool {
    c.is_control()
        || matches!(
            c,
            '\u{061C}'              // Arabic letter mark
            | '\u{200B}'..='\u{200F}' // zero-width space, non-joiner, joiner; LRM, RLM
            | '\u{202A}'..='\u{202E}' // LRE, RLE, PDF, LRO, RLO
            | '\u{2060}'..='\u{2064}' // word joiner, invisible operators
            | '\u{2066}'..='\u{2069}' // LRI, RLI, FSI, PDI
            | '\u{FEFF}'              // BOM, zero-width no-break space
            | '\u{FFF9}'..='\u{FFFB}' // interlinear annotation controls
        )
}

/// `text` without hidden characters ([`is_hidden`]): line breaks and tabs become spaces, the rest is
/// dropped. Borrowed when there is nothing to remove.
pub fn clean(text: &str) -> Cow<'_, str> {
    if !text.chars().any(is_hidden) {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter_map(|c| match c {
                '\n' | '\r' | '\t' => Some(' '),
                c if is_hidden(c) => None,
                c => Some(c),
            })
            .collect(),
    )
}

/// What an error message repeats of an input: cleaned, bounded, its e-mail addresses masked.
pub fn echo(text: &str) -> String {
    mask_addresses(&bounded(&clean(text))).into_owned()
}

/// Placeholder for a masked e-mail address.
pub const MASKED_ADDRESS: &str = "«address»";

/// Whether `word` is shaped like an e-mail address: something, `@`, a domain with a dot.
fn is_address(word: &str) -> bool {
    word.split_once('@').is_some_and(|(user, domain)| {
        !user.is_empty()
            && domain.contains('.')
            && !domain.starts_with('.')
            && !domain.ends_with('.')
    })
}

/// `text` with every e-mail-shaped word (split at white space, quotes and brackets) replaced by
/// [`MASKED_ADDRESS`]. Borrowed when there is none.
pub fn mask_addresses(text: &str) -> Cow<'_, str> {
    let separator = |c: char| c.is_whitespace() || "\"'`<>()[]{},;".contains(c);
    if !text.split(separator).any(is_address) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len());
    let mut word = String::new();
    for c in text.chars() {
        if separator(c) {
            out.push_str(if is_address(&word) {
                MASKED_ADDRESS
            } else {
                &word
            });
            word.clear();
            out.push(c);
        } else {
            word.push(c);
        }
    }
    out.push_str(if is_address(&word) {
        MASKED_ADDRESS
    } else {
        &word
    });
    Cow::Owned(out)
}

/// The first hidden character of `text`, named for an error message (`U+000A`).
pub fn first_hidden(text: &str) -> Option<String> {
    text.chars()
        .find(|&c| is_hidden(c))
        .map(|c| format!("U+{:04X}", u32::from(c)))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    #[test]
    fn short_text_is_kept_and_long_text_says_how_long_it_was() {
        assert_eq!(bounded("Throttles"), "Throttles");
        let long = "é".repeat(1_000);
        let cut = bounded(&long);
        assert_eq!(cut.chars().filter(|&c| c == 'é').count(), ECHO_CHARS);
        assert!(cut.ends_with("… (2000 bytes)"), "{cut}");
        assert_eq!(bounded_to("abcdef", 3), "abc… (6 bytes)");
        assert_eq!(bounded_to("abc", 3), "abc");
    }

    #[test]
    fn a_megabyte_echoes_in_a_few_hundred_bytes_without_the_address() {
        let huge = format!("jane.doe@example.com {}", "Z".repeat(1 << 20));
        let echoed = echo(&huge);
        assert!(echoed.len() < 300);
        assert!(echoed.starts_with("«address» ZZZ"), "{echoed}");
    }

    #[test]
    fn addresses_are_masked_and_other_at_signs_kept() {
        assert_eq!(
            mask_addresses("string \"ops@acme.example\", expected (a@b.co) x@y @home a@b."),
            "string \"«address»\", expected («address») x@y @home a@b."
        );
        assert!(matches!(
            mask_addresses("no address @ all"),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn controls_bidi_marks_zero_width_and_bom_are_removed_and_unicode_is_kept() {
        let hostile = "\u{FEFF}Threshold\u{1B}[31m crossed\u{0}\u{7}\u{202E}txt.exe\u{200D}\u{2066}\u{85}\n\tby Zoë 東京 🚀";
        assert_eq!(
            clean(hostile),
            "Threshold[31m crossedtxt.exe  by Zoë 東京 🚀"
        );
        assert!(matches!(clean("plain Zoë 東京 🚀"), Cow::Borrowed(_)));
        assert_eq!(first_hidden("a\nb").as_deref(), Some("U+000A"));
        assert_eq!(first_hidden("ab"), None);
    }

    proptest! {
        #[test]
        fn any_text_echoes_bounded_and_clean(text in any::<String>()) {
            let echoed = echo(&text);
            prop_assert!(echoed.chars().count() <= ECHO_CHARS + 30);
            prop_assert!(!echoed.chars().any(is_hidden));
        }
    }
}
