//! Screening of free texts for details that identify people: one guard for
//! every text anyone types (EST reports, meeting agendas and minutes,
//! agreements, planning, the structure's names and descriptions).
//!
//! The texts are shared across the municipality's crime-prevention structure
//! and must not identify anyone, so every text goes through [`check`] before
//! it is stored ([`crate::web::forms::required_text`] and
//! [`crate::web::forms::optional_text`] call it and put its refusal next
//! to the field):
//!
//! - Swedish personnummer and samordningsnummer are refused outright
//!   ([`Findings::must_refuse`]): there is no legitimate reason for one in a
//!   report.
//! - E-mail addresses and phone numbers may belong to an organisation (the
//!   school's switchboard, a property owner's service desk), so the writer is
//!   asked to confirm that nobody can be identified
//!   ([`Findings::needs_confirmation`]).
//!
//! The text is normalised first ([`normalise`]): Unicode NFKC (full-width
//! digits and dashes, no-break spaces), zero-width and other invisible
//! characters removed, other scripts' digits as ASCII. An identity number is
//! then found however its digits are grouped ("81 12 18 - 9876",
//! "811218.9876", "81-12-18_9876"), also with letters glued to it
//! ("pnr811218-9876").
//!
//! Identity numbers and phone numbers are found by scanning digit runs by hand
//! rather than with one big regex: the `regex` crate has no look-around, and
//! "not part of a longer number" needs a look at the characters on both sides
//! of every candidate, including candidates that overlap a rejected one.

use std::ops::Range;
use std::sync::LazyLock;

use regex::Regex;

use unicode_normalization::UnicodeNormalization;

/// What a text contains that may identify a person.
///
/// The values are kept as written so that the caller can point at them. They
/// are personal data: do not log a `Findings` (its `Debug` output included);
/// show the writer [`Findings::refusal_message`] or
/// [`Findings::warning_message`] instead.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Findings {
    /// Swedish personnummer or samordningsnummer (valid date part and Luhn check digit), as found in the text.
    pub identity_numbers: Vec<String>,
    /// E-mail addresses, as found in the text.
    pub emails: Vec<String>,
    /// Swedish phone numbers (starting with `0`, `+46` or `0046`), as found in the text.
    pub phone_numbers: Vec<String>,
}

impl Findings {
    /// True when nothing that may identify a person was found.
    pub fn is_clean(&self) -> bool {
        self.identity_numbers.is_empty() && self.emails.is_empty() && self.phone_numbers.is_empty()
    }

    /// Identity numbers are refused outright.
    ///
    /// Check this before [`Findings::needs_confirmation`]: a text that must be
    /// refused cannot be saved by confirming it.
    pub fn must_refuse(&self) -> bool {
        !self.identity_numbers.is_empty()
    }

    /// E-mail addresses and phone numbers need the writer's confirmation.
    pub fn needs_confirmation(&self) -> bool {
        !self.emails.is_empty() || !self.phone_numbers.is_empty()
    }

    /// The Swedish message for refusal, or `None` when nothing must be refused.
    ///
    /// The numbers are masked ("811218-****"): the birth date is enough for
    /// the writer to find the number in the text, and the message itself may
    /// end up in places (logs, screenshots) where the full number must not.
    pub fn refusal_message(&self) -> Option<String> {
        if !self.must_refuse() {
            return None;
        }
        let masked = unique(
            self.identity_numbers
                .iter()
                .map(|n| mask_identity_number(n)),
        );
        let (what, it) = if self.identity_numbers.len() == 1 {
            ("ett personnummer eller samordningsnummer", "det")
        } else {
            ("personnummer eller samordningsnummer", "dem")
        };
        Some(format!(
            "Texten innehåller {what} ({}). Ta bort {it} – texter i Samordna får inte identifiera personer.",
            masked.join(", ")
        ))
    }

    /// The Swedish warning for e-mail addresses and phone numbers, asking the
    /// writer to confirm that nobody can be identified; `None` when there are
    /// none.
    ///
    /// Unlike identity numbers these are shown in full: they are often an
    /// organisation's, and the writer needs to see which one is meant.
    pub fn warning_message(&self) -> Option<String> {
        if !self.needs_confirmation() {
            return None;
        }
        let mut parts = Vec::new();
        match self.emails.as_slice() {
            [] => {}
            [one] => parts.push(format!("en e-postadress ({one})")),
            many => parts.push(format!("e-postadresser ({})", many.join(", "))),
        }
        match self.phone_numbers.as_slice() {
            [] => {}
            [one] => parts.push(format!("ett telefonnummer ({one})")),
            many => parts.push(format!("telefonnummer ({})", many.join(", "))),
        }
        let (detail, it) = if self.emails.len() + self.phone_numbers.len() == 1 {
            ("uppgiften", "den")
        } else {
            ("uppgifterna", "dem")
        };
        Some(format!(
            "Texten innehåller {}. Bekräfta att ingen person kan identifieras genom {detail}, \
             eller ta bort {it} innan rapporten sparas.",
            parts.join(" och ")
        ))
    }
}

/// Checks a text for identity numbers, e-mail addresses and phone numbers.
///
/// Each value is listed once, in the order it first appears, as written in
/// the normalised text.
pub fn check(text: &str) -> Findings {
    let normalised = normalise(text);
    let text = normalised.as_str();
    let identity = identity_candidates(text);
    let emails: Vec<Range<usize>> = EMAIL.find_iter(text).map(|m| m.range()).collect();

    // Spans where a phone number must not start or continue: identity
    // numbers (valid or mistyped), e-mail addresses, numeric dates and clock
    // ranges. A bare
    // ten-digit run with a wrong check digit stays open to the phone scan,
    // because "0701234567" is a mobile number that happens to look like a
    // date of birth in 2007.
    let mut not_phone: Vec<Range<usize>> = identity
        .iter()
        .filter(|c| c.luhn_ok || c.classic)
        .map(|c| c.span.clone())
        .collect();
    not_phone.extend(emails.iter().cloned());
    not_phone.extend(
        NUMERIC_DATE
            .captures_iter(text)
            .filter_map(|c| c.get(1))
            .map(|m| m.range()),
    );
    not_phone.extend(CLOCK_RANGE.find_iter(text).map(|m| m.range()));

    Findings {
        identity_numbers: unique(
            identity
                .iter()
                .filter(|c| c.luhn_ok)
                .map(|c| text[c.span.clone()].to_owned()),
        ),
        emails: unique(emails.into_iter().map(|r| text[r].to_owned())),
        phone_numbers: unique(
            phone_numbers(text, &not_phone)
                .into_iter()
                .map(|r| text[r].to_owned()),
        ),
    }
}

/// True when `ten_digits` is exactly ten ASCII digits whose last digit is the
/// Luhn check digit of the first nine (as in YYMMDDNNNC).
pub fn luhn_valid(ten_digits: &str) -> bool {
    let digits = ten_digits.as_bytes();
    if digits.len() != 10 || !digits.iter().all(u8::is_ascii_digit) {
        return false;
    }
    let sum: u32 = digits
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let value = u32::from(d - b'0');
            // Weights 2, 1, 2, 1, …; the check digit itself gets weight 1.
            if i % 2 == 0 {
                let doubled = value * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                value
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// Pragmatic e-mail pattern: local@domain.tld, letters of any script (å, ä, ö
/// in domains), and the "(at)"/"[at]" spellings people use to dodge spam.
static EMAIL: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(
        r"(?i)[\p{L}\p{N}._%+-]+(?:@|\s?[(\[]at[)\]]\s?)[\p{L}\p{N}-]+(?:\.[\p{L}\p{N}-]+)*\.\p{L}{2,}",
    )
    .expect("the e-mail pattern is a valid regex")
});

/// Numeric dates such as "05-11-2026" or "5.11.26", which would otherwise read
/// as a phone number starting with 0. Group 1 is the date; the leading
/// non-digit keeps it from starting inside a longer number.
static NUMERIC_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:^|\D)((?:0?[1-9]|[12]\d|3[01])[-./](?:0?[1-9]|1[0-2])[-./](?:\d{4}|\d{2}))")
        .expect("the numeric-date pattern is a valid regex")
});

/// Clock ranges such as "0830-1700" or "08.30 – 17.00", which would
/// otherwise read as a phone number with a four-digit area code.
static CLOCK_RANGE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"\b(?:[01]\d|2[0-3])[.:]?[0-5]\d\s?[-–]\s?(?:[01]\d|2[0-3])[.:]?[0-5]\d\b")
        .expect("the clock-range pattern is a valid regex")
});

/// Characters that glue a number to a neighbouring one ("2024-811218-9876",
/// "811218-9876/12"): a candidate next to one of these followed by a digit is
/// part of a longer number. A space does not glue: "rum 12 811218-9876" still
/// holds a personnummer.
const JOINERS: &[char] = &[
    '-', '–', '‐', '‑', '‒', '—', '−', '+', '/', '\\', '.', ':', '_', '·',
];

/// Separators folded away inside an identity number: "811218-9876",
/// "811218.9876", "81/12/18_9876", "19811218 + 9876".
const ID_SEPARATORS: &[char] = &[
    '-', '–', '‐', '‑', '‒', '—', '−', '+', '/', '\\', '.', '_', '·',
];

/// Dashes between groups of a phone number.
const PHONE_DASHES: &[char] = &['-', '–', '‑', '−'];

/// Spaces between groups of a phone number (after NFKC every no-break and
/// typographic space is a plain space).
const SPACES: &[char] = &[' ', '\u{a0}'];

/// Fewest and most digits of a Swedish national significant number (the
/// number without the leading 0 or +46): at least 7 digits written
/// nationally, at most 10 ("070-123 45 67").
const MIN_SIGNIFICANT: usize = 6;
const MAX_SIGNIFICANT: usize = 9;

/// Characters that are removed before checking: they are invisible, so a
/// writer (or someone dodging the guard) can put them inside a number.
fn invisible(c: char) -> bool {
    matches!(
        c,
        '\u{00ad}'
            | '\u{034f}'
            | '\u{061c}'
            | '\u{115f}'
            | '\u{1160}'
            | '\u{17b4}'
            | '\u{17b5}'
            | '\u{180b}'..='\u{180f}'
            | '\u{200b}'..='\u{200f}'
            | '\u{202a}'..='\u{202e}'
            | '\u{2060}'..='\u{206f}'
            | '\u{3164}'
            | '\u{fe00}'..='\u{fe0f}'
            | '\u{feff}'
            | '\u{ffa0}'
    )
}

/// Decimal digits of other scripts as ASCII (NFKC leaves them alone).
fn ascii_digit(c: char) -> char {
    const ZEROS: &[u32] = &[
        0x0660, 0x06f0, 0x07c0, 0x0966, 0x09e6, 0x0a66, 0x0ae6, 0x0b66, 0x0be6, 0x0c66, 0x0ce6,
        0x0d66, 0x0de6, 0x0e50, 0x0ed0, 0x0f20, 0x1040, 0x1090, 0x17e0, 0x1810, 0xff10,
    ];
    let code = u32::from(c);
    ZEROS
        .iter()
        .find(|zero| (**zero..**zero + 10).contains(&code))
        .and_then(|zero| char::from_digit(code - zero, 10))
        .unwrap_or(c)
}

/// The text as the guard reads it: invisible characters removed, NFKC
/// (full-width digits, compatibility dashes and spaces), other scripts'
/// digits as ASCII, and tabs as spaces.
pub fn normalise(text: &str) -> String {
    let visible: String = text.chars().filter(|c| !invisible(*c)).collect();
    visible
        .nfkc()
        .filter(|c| !invisible(*c))
        .map(ascii_digit)
        .map(|c| if c == '\t' { ' ' } else { c })
        .collect()
}

/// Something shaped like an identity number with a valid date part.
struct IdentityCandidate {
    span: Range<usize>,
    luhn_ok: bool,
    /// The usual written shape: the date and the last four with one
    /// separator ("811218-9876"). Only this keeps a phone number from being
    /// found there when the check digit is wrong: "0701234567" and
    /// "070 123 4567" are phone numbers first.
    classic: bool,
}

/// How two digit groups are joined.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Link {
    /// Spaces only: "81 12 18 9876", also "rum 12 811218-9876".
    Space,
    /// A separator (with spaces around or not): "811218 - 9876".
    Glue,
}

/// The link between two digit groups, when `between` is at most three
/// spaces, one or two separators, and at most three spaces.
fn link(between: &str) -> Option<Link> {
    let trimmed = between.trim_matches(' ');
    let lead = between.len() - between.trim_start_matches(' ').len();
    let trail = between.len() - between.trim_end_matches(' ').len();
    if between.is_empty() || lead > 3 || trail > 3 {
        return None;
    }
    if trimmed.is_empty() {
        return Some(Link::Space);
    }
    let count = trimmed.chars().count();
    (count <= 2 && trimmed.chars().all(|c| ID_SEPARATORS.contains(&c))).then_some(Link::Glue)
}

/// All identity-number shapes in `text` whose date part is valid, with
/// whether their check digit is right. The digit groups of a number may be
/// split by spaces and separators anywhere ("81 12 18-9876"); a number glued
/// by a separator to more digits ("2024-811218-9876") is part of something
/// longer and not a candidate.
fn identity_candidates(text: &str) -> Vec<IdentityCandidate> {
    let runs = digit_runs(text);
    // links[k] joins runs[k] and runs[k + 1].
    let links: Vec<Option<Link>> = runs
        .windows(2)
        .map(|w| link(&text[w[0].end..w[1].start]))
        .collect();
    let mut found = Vec::new();
    for i in 0..runs.len() {
        // A separator before the first group that follows a digit glues it
        // to something longer.
        if i > 0 && links[i - 1] == Some(Link::Glue) {
            continue;
        }
        let mut digits = String::new();
        for j in i..runs.len() {
            if j > i && links[j - 1].is_none() {
                break;
            }
            digits.push_str(&text[runs[j].clone()]);
            if digits.len() > 12 {
                break;
            }
            if digits.len() != 10 && digits.len() != 12 {
                continue;
            }
            if j + 1 < runs.len() && links[j] == Some(Link::Glue) {
                continue;
            }
            let span = runs[i].start..runs[j].end;
            if !free_before(text, span.start) || !free_after(text, span.end) {
                continue;
            }
            let date = &digits[..digits.len() - 4];
            if !date_part_valid(date) {
                continue;
            }
            // The check digit is computed over the ten-digit form, also when
            // the number is written with the century.
            let ten = &digits[digits.len() - 10..];
            let classic = j == i + 1
                && runs[j].len() == 4
                && is_single(&text[runs[i].end..runs[j].start], &['-', '+', ' ']);
            found.push(IdentityCandidate {
                span,
                luhn_ok: luhn_valid(ten),
                classic,
            });
        }
    }
    found
}

/// Whether YYMMDD or YYYYMMDD is a possible birth date of a personnummer
/// (day 01–31) or samordningsnummer (day + 60). The day is not checked
/// against the month: without the century February 29 cannot be judged, and
/// a false refusal is cheaper than a missed number.
fn date_part_valid(date: &str) -> bool {
    let yymmdd = match date.len() {
        6 => date,
        8 if matches!(&date[..2], "18" | "19" | "20") => &date[2..],
        _ => return false,
    };
    let (Ok(month), Ok(day)) = (yymmdd[2..4].parse::<u8>(), yymmdd[4..6].parse::<u8>()) else {
        return false;
    };
    (1..=12).contains(&month) && ((1..=31).contains(&day) || (61..=91).contains(&day))
}

/// "811218-9876" → "811218-****", "19811218+9876" → "19811218+****".
fn mask_identity_number(number: &str) -> String {
    let digits: String = number.chars().filter(char::is_ascii_digit).collect();
    let date_len = digits.len().saturating_sub(4);
    // "+" means the person is 100 or older; keep it, it is no more revealing
    // than the date and tells the writer which number is meant.
    let separator = if number.contains('+') { '+' } else { '-' };
    format!("{}{separator}****", &digits[..date_len])
}

/// Byte ranges of the maximal runs of ASCII digits. Working on bytes is safe:
/// ASCII bytes never occur inside a multi-byte UTF-8 character, so every run
/// boundary is a character boundary.
fn digit_runs(text: &str) -> Vec<Range<usize>> {
    let bytes = text.as_bytes();
    let mut runs = Vec::new();
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i].is_ascii_digit() {
            let start = i;
            while i < bytes.len() && bytes[i].is_ascii_digit() {
                i += 1;
            }
            runs.push(start..i);
        } else {
            i += 1;
        }
    }
    runs
}

/// The run of ASCII digits starting exactly at `pos`, if any.
fn digit_run_at(text: &str, pos: usize) -> Option<Range<usize>> {
    let len = text
        .get(pos..)?
        .bytes()
        .take_while(u8::is_ascii_digit)
        .count();
    (len > 0).then_some(pos..pos + len)
}

/// Nothing directly before `start` makes it part of a longer number. A
/// letter does not: "pnr811218-9876" is still a personnummer.
fn free_before(text: &str, start: usize) -> bool {
    let mut before = text[..start].chars().rev();
    match before.next() {
        None => true,
        Some(c) if c.is_numeric() => false,
        Some(c) if JOINERS.contains(&c) => !before.next().is_some_and(|d| d.is_ascii_digit()),
        Some(_) => true,
    }
}

/// Nothing directly after `end` makes it part of a longer number.
fn free_after(text: &str, end: usize) -> bool {
    let mut after = text[end..].chars();
    match after.next() {
        None => true,
        Some(c) if c.is_numeric() => false,
        Some(c) if JOINERS.contains(&c) => !after.next().is_some_and(|d| d.is_ascii_digit()),
        Some(_) => true,
    }
}

/// Like [`free_before`] for phone numbers, where a letter glued in front
/// makes a code ("X0701234567"), not a number to call.
fn free_before_phone(text: &str, start: usize) -> bool {
    free_before(text, start)
        && !text[..start]
            .chars()
            .next_back()
            .is_some_and(char::is_alphanumeric)
}

/// `s` is exactly one character, one of `set`.
fn is_single(s: &str, set: &[char]) -> bool {
    let mut chars = s.chars();
    matches!((chars.next(), chars.next()), (Some(c), None) if set.contains(&c))
}

/// `pos` advanced past one character of `set`, if one is there.
fn skip_one(text: &str, pos: usize, set: &[char]) -> usize {
    match text[pos..].chars().next() {
        Some(c) if set.contains(&c) => pos + c.len_utf8(),
        _ => pos,
    }
}

fn inside(spans: &[Range<usize>], pos: usize) -> bool {
    spans.iter().any(|s| s.contains(&pos))
}

/// Byte ranges of the Swedish phone numbers in `text`, none starting or
/// continuing inside `excluded`.
fn phone_numbers(text: &str, excluded: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut found = Vec::new();
    let mut next_free = 0;
    for (start, c) in text.char_indices() {
        if start < next_free || !matches!(c, '0' | '+' | '(') {
            continue;
        }
        if let Some(end) = phone_at(text, start, excluded) {
            found.push(start..end);
            next_free = end;
        }
    }
    found
}

/// The end of the phone number starting at `start`, if one does.
///
/// Forms: "0701234567", "070-123 45 67", "08-123 456 78", "0581-123 45",
/// "(08) 123 45 67", "+46 70 123 45 67", "+46 (0)8-123 456 78",
/// "0046 70 …". Requiring the leading 0 or +46 is what keeps years, amounts
/// ("1 200 kr") and case numbers out; times and clock ranges fall below the
/// minimum length.
fn phone_at(text: &str, start: usize, excluded: &[Range<usize>]) -> Option<usize> {
    if !free_before_phone(text, start) || inside(excluded, start) {
        return None;
    }
    let rest = &text[start..];
    let (mut significant, mut end) =
        if let Some(prefix) = ["+46", "0046"].iter().find(|p| rest.starts_with(**p)) {
            let mut pos = skip_one(text, start + prefix.len(), SPACES);
            if text[pos..].starts_with("(0)") {
                pos = skip_one(text, pos + 3, SPACES);
            }
            let run = digit_run_at(text, pos)?;
            if text.as_bytes()[pos] == b'0' {
                return None;
            }
            (run.len(), run.end)
        } else if rest.starts_with('(') {
            // "(08) 123 45 67": the area code in brackets.
            let run = digit_run_at(text, start + 1)?;
            if !(2..=4).contains(&run.len())
                || !national_start(text, run.start)
                || !text[run.end..].starts_with(')')
            {
                return None;
            }
            (run.len() - 1, run.end + 1)
        } else {
            let run = digit_run_at(text, start)?;
            if !national_start(text, start) {
                return None;
            }
            (run.len() - 1, run.end)
        };
    if significant > MAX_SIGNIFICANT {
        return None;
    }
    // Further groups, separated by a space, a dash or both. A one-digit
    // group or one that would make the number too long belongs to what
    // follows ("… 45 67 2 st", "… 45 67 18 personer"), so the number ends
    // before it.
    while let Some(group) = next_group(text, end) {
        if group.len() < 2
            || inside(excluded, group.start)
            || significant + group.len() > MAX_SIGNIFICANT
        {
            break;
        }
        significant += group.len();
        end = group.end;
    }
    if significant < MIN_SIGNIFICANT {
        return None;
    }
    // A letter glued to the last digit makes it a code, not a phone number.
    if text[end..]
        .chars()
        .next()
        .is_some_and(char::is_alphanumeric)
    {
        return None;
    }
    Some(end)
}

/// A national number starts with 0 followed by a non-zero digit ("00" is an
/// international prefix).
fn national_start(text: &str, pos: usize) -> bool {
    let bytes = text.as_bytes();
    bytes.get(pos) == Some(&b'0')
        && bytes
            .get(pos + 1)
            .is_some_and(|b| (b'1'..=b'9').contains(b))
}

/// The next group of digits after `pos`, behind " ", "-", " - ", " -" or "- ".
fn next_group(text: &str, pos: usize) -> Option<Range<usize>> {
    let mut p = skip_one(text, pos, SPACES);
    let after_dash = skip_one(text, p, PHONE_DASHES);
    if after_dash != p {
        p = skip_one(text, after_dash, SPACES);
    }
    if p == pos {
        return None;
    }
    digit_run_at(text, p)
}

/// The items once each, in order of first appearance.
fn unique(items: impl IntoIterator<Item = String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    for item in items {
        if !out.contains(&item) {
            out.push(item);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A valid number from its first nine digits (YYMMDDNNN), so that tests
    /// need no hand-computed check digits.
    fn with_check_digit(nine: &str) -> String {
        (0..=9)
            .map(|c| format!("{nine}{c}"))
            .find(|ten| luhn_valid(ten))
            .expect("exactly one check digit makes nine digits Luhn-valid")
    }

    /// The same nine digits with a wrong check digit.
    fn with_wrong_check_digit(nine: &str) -> String {
        let valid = with_check_digit(nine);
        let last = valid.as_bytes()[9] - b'0';
        format!("{nine}{}", (last + 1) % 10)
    }

    fn refused(text: &str) -> bool {
        check(text).must_refuse()
    }

    /// Spellings that passed the guard before it normalised (issue 11), and
    /// more: every one holds a valid personnummer or samordningsnummer.
    #[test]
    fn identity_numbers_are_refused_in_every_spelling() {
        for text in [
            "811218-9876",
            "811218 - 9876",
            "811218 -9876",
            "811218-  9876",
            "811218\u{a0}-\u{a0}9876",
            "811218\u{a0}9876",
            "811218\u{202f}9876",
            "811218\u{2007}9876",
            "811218\t9876",
            "pnr811218-9876",
            "pnr:811218-9876",
            "Pnr8112189876",
            "8112189876abc",
            "nr811218-9876st",
            "811218.9876",
            "811218/9876",
            "811218_9876",
            "811218\\9876",
            "811218·9876",
            "811218--9876",
            "81 12 18-9876",
            "81-12-18-9876",
            "81.12.18.9876",
            "81 12 18 9876",
            "8112 18-9876",
            "1981-12-18-9876",
            "1981 12 18 - 9876",
            "19811218_9876",
            "811218-98 76",
            "８１１２１８－９８７６",
            "８１１２１８９８７６",
            "811218\u{ff0d}9876",
            "811218\u{2010}9876",
            "811218\u{2011}9876",
            "811218\u{2212}9876",
            "811218\u{2014}9876",
            "811218\u{fe63}9876",
            "811218\u{200b}-9876",
            "8\u{200b}1\u{200b}1\u{200b}2\u{200b}1\u{200b}8\u{200b}9876",
            "811218\u{ad}9876",
            "811218\u{2060}9876",
            "\u{feff}811218-9876",
            "811218\u{200d}-\u{200c}9876",
            "٨١١٢١٨-٩٨٧٦",
            "𝟖𝟏𝟏𝟐𝟏𝟖-𝟗𝟖𝟕𝟔",
            "701063-2391",
            "701063 - 2391",
            "19701063.2391",
            "70 10 63 2391",
            "0701234569",
            "070123-4569",
        ] {
            let findings = check(&format!("Personen ({text}) sågs vid entrén."));
            assert!(findings.must_refuse(), "{text:?}: {findings:?}");
            let message = findings.refusal_message().expect("refusal");
            assert!(!message.contains("9876\u{29}"), "{message}");
            assert!(check(text).must_refuse(), "alone: {text:?}");
        }
    }

    /// Numbers that look a little like identity numbers but are not, and
    /// must be let through.
    #[test]
    fn dates_phone_numbers_and_order_numbers_are_not_refused() {
        for text in [
            "2026-11-24",
            "2026-11-24 kl. 18:30",
            "24/11 2026",
            "Mötet 2026-11-24 – 2026-12-01 i stadshuset.",
            "Från 2026-11-24 - 2026-11-30.",
            "2026-11-24 1830-2100",
            "811218-9875",
            "81 12 18 - 9875",
            "８１１２１８－９８７５",
            "pnr811218-9875",
            "070-123 45 67",
            "070 123 4567",
            "+46 70 123 45 67",
            "08-123 456 78",
            "Order 12348112189876",
            "Ordernummer 2024-811218-9876",
            "Ärende 811218-9876-12",
            "Ref 811218-9876/2024",
            "Kort 4111 1234 5678 9010",
            "Kod 9811218-9876",
            "Kod 811218-98761",
            "Faktura 1.811218-9876",
            "KS 2024/70",
            "Org.nr 212000-1876",
            "556677-8899",
            "Kl 0830-1700",
            "Nr 21811218-9876",
            "811318-9876",
            "811232-9876",
        ] {
            let findings = check(text);
            assert!(!findings.must_refuse(), "{text:?}: {findings:?}");
        }
    }

    #[test]
    fn normalising_folds_compatibility_forms_and_drops_invisible_characters() {
        assert_eq!(normalise("８１\u{200b}１－\u{a0}x\tz"), "811- x z");
        assert_eq!(normalise("٠١٢٣"), "0123");
        assert_eq!(normalise("Åkervägen"), "Åkervägen");
    }

    #[test]
    fn the_luhn_check_accepts_the_known_test_numbers() {
        assert!(luhn_valid("8112189876"));
        assert!(luhn_valid("7010632391"));
        assert!(luhn_valid("8507099805"));
        assert!(!luhn_valid("8112189875"));
        assert!(!luhn_valid("7010632392"));
    }

    #[test]
    fn the_luhn_check_wants_exactly_ten_digits() {
        assert!(!luhn_valid(""));
        assert!(!luhn_valid("811218987"));
        assert!(!luhn_valid("198112189876"));
        assert!(!luhn_valid("811218-9876"));
        assert!(!luhn_valid("81121898a6"));
    }

    #[test]
    fn the_test_helper_builds_valid_numbers() {
        assert_eq!(with_check_digit("811218987"), "8112189876");
        assert_eq!(with_check_digit("701063239"), "7010632391");
        assert!(!luhn_valid(&with_wrong_check_digit("811218987")));
    }

    #[test]
    fn each_valid_form_of_a_personnummer_is_refused() {
        for number in [
            "811218-9876",
            "811218+9876",
            "8112189876",
            "811218 9876",
            "850709 9805",
            "19811218-9876",
            "198112189876",
            "19811218 9876",
            "811218–9876",
            "811218\u{a0}9876",
        ] {
            let text = format!("Vakten noterade {number} vid entrén.");
            let findings = check(&text);
            assert_eq!(
                findings.identity_numbers,
                vec![normalise(number)],
                "{number}"
            );
            assert!(findings.must_refuse(), "{number}");
        }
    }

    #[test]
    fn a_number_at_the_very_start_or_end_of_the_text_is_refused() {
        assert!(refused("811218-9876"));
        assert!(refused("811218-9876 stod vid busshållplatsen"));
        assert!(refused("Personen hade pnr:811218-9876."));
        assert!(refused("(811218-9876)"));
    }

    #[test]
    fn a_wrong_check_digit_is_neither_refused_nor_a_phone_number() {
        for number in ["811218-9875", "8112189875", "19811218-9875", "811218 9875"] {
            let findings = check(&format!("Nummer {number} i anteckningen."));
            assert!(findings.is_clean(), "{number}: {findings:?}");
        }
    }

    #[test]
    fn a_valid_samordningsnummer_is_refused() {
        assert!(refused("Samordningsnummer 701063-2391 lämnades."));
        let built = with_check_digit("990161123"); // day 61 = the 1st
        assert!(refused(&format!("Nr {}-{}", &built[..6], &built[6..])));
        let built = with_check_digit("200312915"); // day 91 = the 31st, 12-digit form
        assert!(refused(&format!("Nr 20{built}")));
    }

    #[test]
    fn an_invalid_samordningsnummer_is_not_refused() {
        assert!(!refused("Samordningsnummer 701063-2392 lämnades."));
        let wrong = with_wrong_check_digit("701063239");
        assert!(!refused(&format!("Nr {}-{}", &wrong[..6], &wrong[6..])));
    }

    #[test]
    fn impossible_dates_are_not_identity_numbers_even_with_a_valid_check_digit() {
        for nine in [
            "811318987", // month 13
            "810018987", // month 00
            "811200987", // day 00
            "811232987", // day 32
            "811260987", // day 60, just below samordningsnummer
            "811292987", // day 92
        ] {
            let number = with_check_digit(nine);
            assert!(!refused(&format!("Nr {number}")), "{number}");
            assert!(
                !refused(&format!("Nr {}-{}", &number[..6], &number[6..])),
                "{number}"
            );
        }
        // Only the centuries 18, 19 and 20.
        assert!(!refused("Nr 21811218-9876"));
        assert!(!refused("Nr 178112189876"));
        assert!(refused("Nr 18811218-9876"));
    }

    #[test]
    fn numbers_inside_longer_digit_runs_are_not_matched() {
        for text in [
            "Ordernummer 12348112189876 skickades.", // 14 digits
            "Kort 1234198112189876 spärrades.",      // 12 digits inside 16
            "Kort 4111 1234 5678 9010 spärrades.",   // grouped card number
            "Ärende 2024-811218-9876.",              // glued on before
            "Ärende 811218-9876-12.",                // glued on after
            "Ärende 811218-9876/2024.",              // glued on after
            "Kod 9811218-9876.",                     // seven digits before the dash
            "Kod 811218-98761.",                     // five digits after the dash
        ] {
            let findings = check(text);
            assert!(!findings.must_refuse(), "{text}: {findings:?}");
        }
    }

    #[test]
    fn dates_diarienummer_times_and_amounts_are_not_matched() {
        for text in [
            "Händelsen inträffade 2026-11-24 kl. 18:30.",
            "Se ärende KS 2024/70 och KS 2024/0070.",
            "Mellan 18.30–21.00 och 08-17 var det lugnt.",
            "Datum 05-11-2026, 5.11.26 och 24/11 2026.",
            "Skadan uppskattas till 1 200 kr, cirka 12 000 kr totalt.",
            "År 2026 var 20261124 en tisdag.",
            "Kl 0830-1700 bevakning, 3 väktare, 0 skadade.",
            "Öppet 0800 – 2200 och 08:00-22:00.",
        ] {
            let findings = check(text);
            assert!(findings.is_clean(), "{text}: {findings:?}");
        }
    }

    #[test]
    fn email_addresses_are_found_and_need_confirmation_but_are_not_refused() {
        let findings =
            check("Kontakta fastighetsvärden på service@bostäder.se eller anna.b@kommun.se.");
        assert_eq!(
            findings.emails,
            vec!["service@bostäder.se", "anna.b@kommun.se"]
        );
        assert!(findings.needs_confirmation());
        assert!(!findings.must_refuse());
        assert_eq!(
            check("Skriv till anna (at) kommun.se").emails,
            vec!["anna (at) kommun.se"]
        );
    }

    #[test]
    fn each_swedish_phone_form_is_found_and_needs_confirmation_but_is_not_refused() {
        for number in [
            "070-123 45 67",
            "0701234567",
            "070-1234567",
            "+46 70 123 45 67",
            "+46701234567",
            "+46 (0)70-123 45 67",
            "0046 70 123 45 67",
            "08-123 456 78",
            "08 - 123 456 78",
            "(08) 123 45 67",
            "0581-123 45",
            "031-12 34 56",
        ] {
            let findings = check(&format!("Ring {number} vid behov."));
            assert_eq!(findings.phone_numbers, vec![number.to_owned()], "{number}");
            assert!(findings.needs_confirmation(), "{number}");
            assert!(!findings.must_refuse(), "{number}");
        }
    }

    #[test]
    fn a_phone_number_ends_before_the_numbers_that_follow_it() {
        let findings =
            check("Ring 070-123 45 67 2 gånger, 070-123 45 67 18 personer, 0701234567 05-11-2026.");
        assert_eq!(findings.phone_numbers, vec!["070-123 45 67", "0701234567"]);
    }

    #[test]
    fn short_or_glued_numbers_are_not_phone_numbers() {
        for text in [
            "Rum 0581",
            "Kod 08-12",
            "Serienummer 070123456789",
            "Kod X0701234567",
            "0701234567B",
        ] {
            let findings = check(text);
            assert!(findings.phone_numbers.is_empty(), "{text}: {findings:?}");
        }
    }

    #[test]
    fn a_bare_ten_digit_number_that_is_a_valid_personnummer_is_refused_not_a_phone() {
        // 070123-4569 is a valid personnummer of someone born in 2007; written
        // without separator it reads as a mobile number too. Refusal wins.
        let findings = check("Nummer 0701234569.");
        assert_eq!(findings.identity_numbers, vec!["0701234569"]);
        assert!(findings.phone_numbers.is_empty());
    }

    #[test]
    fn a_text_with_several_findings_lists_them_all() {
        let text = "Två personer (811218-9876 och 19701063-2391) hördes. \
                    Väktaren nås på 070-123 45 67 eller +46 8 123 456 78, \
                    e-post vakt@securitas.se. Samma person: 811218-9876.";
        let findings = check(text);
        assert_eq!(
            findings.identity_numbers,
            vec!["811218-9876", "19701063-2391"]
        );
        assert_eq!(
            findings.phone_numbers,
            vec!["070-123 45 67", "+46 8 123 456 78"]
        );
        assert_eq!(findings.emails, vec!["vakt@securitas.se"]);
        assert!(findings.must_refuse());
        assert!(findings.needs_confirmation());
        let message = findings
            .refusal_message()
            .expect("identity numbers give a refusal");
        assert!(message.contains("811218-****, 19701063-****"), "{message}");
        assert!(message.contains("Ta bort dem"), "{message}");
        let warning = findings
            .warning_message()
            .expect("phone and e-mail give a warning");
        assert!(
            warning.contains("en e-postadress (vakt@securitas.se)"),
            "{warning}"
        );
        assert!(
            warning.contains("telefonnummer (070-123 45 67, +46 8 123 456 78)"),
            "{warning}"
        );
    }

    #[test]
    fn the_refusal_message_is_swedish_and_masks_the_last_four_digits() {
        let findings = check("Personen med nummer 811218-9876 sågs vid skolan.");
        let message = findings
            .refusal_message()
            .expect("an identity number gives a refusal");
        assert_eq!(
            message,
            "Texten innehåller ett personnummer eller samordningsnummer (811218-****). \
             Ta bort det – texter i Samordna får inte identifiera personer."
        );
        assert!(!message.contains("9876"));
        assert_eq!(findings.warning_message(), None);

        let message = check("Nr 8112189876").refusal_message().expect("refusal");
        assert!(message.contains("(811218-****)"), "{message}");
        let message = check("Nr 811218+9876").refusal_message().expect("refusal");
        assert!(message.contains("(811218+****)"), "{message}");
    }

    #[test]
    fn the_warning_message_is_swedish_and_asks_for_confirmation() {
        let warning = check("Ring 0701234567.")
            .warning_message()
            .expect("a phone number gives a warning");
        assert_eq!(
            warning,
            "Texten innehåller ett telefonnummer (0701234567). Bekräfta att ingen person kan \
             identifieras genom uppgiften, eller ta bort den innan rapporten sparas."
        );
        assert_eq!(check("Ring 0701234567.").refusal_message(), None);
    }

    #[test]
    fn clean_swedish_text_with_a_o_umlauts_is_clean() {
        let findings = check(
            "Vid 22-tiden samlades cirka 15 ungdomar på torget vid Åkervägen. \
             Några kastade ägg mot fönster i närheten av fritidsgården; ingen skadades. \
             Polisen kontaktades och ärendet följs upp på mötet 2026-11-24.",
        );
        assert!(findings.is_clean(), "{findings:?}");
        assert!(!findings.must_refuse());
        assert!(!findings.needs_confirmation());
        assert_eq!(findings.refusal_message(), None);
        assert_eq!(findings.warning_message(), None);
        assert_eq!(check(""), Findings::default());
    }
}
