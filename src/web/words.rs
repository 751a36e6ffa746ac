//! Small helpers for Swedish text in templates: counts with the right
//! number of their noun, titles that do not repeat their kind, job titles
//! in running text. Call them from a template by path, e.g.
//! `{{ crate::web::words::count(n, "möte", "möten") }}`.

/// A whole number that can be counted in words; templates hand over
/// references, so `&n` counts too.
pub trait Count: Copy {
    fn is_one(self) -> bool;
    fn text(self) -> String;
}

macro_rules! count_impl {
    ($($t:ty),*) => {$(
        impl Count for $t {
            fn is_one(self) -> bool { self == 1 }
            fn text(self) -> String { self.to_string() }
        }
    )*};
}
count_impl!(i16, i32, i64, u8, u16, u32, u64, usize);

impl<T: Count> Count for &T {
    fn is_one(self) -> bool {
        (*self).is_one()
    }
    fn text(self) -> String {
        (*self).text()
    }
}

/// `one` when `n` is 1, else `many` (Swedish: 0 takes the plural).
pub fn plural<'a>(n: impl Count, one: &'a str, many: &'a str) -> &'a str {
    if n.is_one() { one } else { many }
}

/// The count and its noun: `1 möte`, `3 möten`, `0 möten`.
pub fn count(n: impl Count, one: &str, many: &str) -> String {
    format!("{} {}", n.text(), plural(n, one, many))
}

/// `Kind: title`, unless the title already starts with the kind
/// (`Orsaksanalys: otrygghet …`, `Åtgärdsplan för …`): then the title alone.
pub fn with_kind(kind: &str, title: &str) -> String {
    let starts_with_kind = title
        .get(..kind.len())
        .is_some_and(|head| head.to_lowercase() == kind.to_lowercase());
    if starts_with_kind {
        title.to_owned()
    } else {
        format!("{kind}: {title}")
    }
}

/// A free text with each number kept on one line with the unit after it
/// (`75 %` cannot break before the `%`): the space between a digit and
/// `%` becomes a no-break space.
pub fn keep_units(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut previous = None;
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c == ' '
            && previous.is_some_and(|p: char| p.is_ascii_digit())
            && chars.peek() == Some(&'%')
        {
            out.push('\u{a0}');
        } else {
            out.push(c);
        }
        previous = Some(c);
    }
    out
}

/// A sentence as HTML (escaped) with each date (`2027-01-15`) in a
/// `<span class="date">`, so that a narrow screen does not break it at a
/// hyphen ("2027-/01-15"). For texts built in Rust that name dates.
pub fn dates_on_one_line(text: &str) -> String {
    let escape = |t: &str| {
        t.replace('&', "&amp;")
            .replace('<', "&lt;")
            .replace('>', "&gt;")
            .replace('"', "&quot;")
            .replace('\'', "&#39;")
    };
    let bytes = text.as_bytes();
    let is_date = |i: usize| {
        bytes.get(i..i + 10).is_some_and(|d| {
            d.iter().enumerate().all(|(k, b)| {
                if k == 4 || k == 7 {
                    *b == b'-'
                } else {
                    b.is_ascii_digit()
                }
            })
        })
    };
    let (mut out, mut from, mut i) = (String::new(), 0, 0);
    while i < bytes.len() {
        if is_date(i) {
            out.push_str(&escape(&text[from..i]));
            out.push_str(&format!("<span class=\"date\">{}</span>", &text[i..i + 10]));
            i += 10;
            from = i;
        } else {
            i += 1;
        }
    }
    out.push_str(&escape(&text[from..]));
    out
}

/// A job title as it reads inside a sentence (`som kommundirektör`): the
/// first letter lower-cased, unless the title begins with an abbreviation
/// (`KSO`, `IT-chef`), which keeps its capitals.
pub fn in_sentence(title: &str) -> String {
    let mut chars = title.chars();
    match (chars.next(), chars.next()) {
        (Some(first), Some(second)) if first.is_uppercase() && second.is_lowercase() => first
            .to_lowercase()
            .chain(title[first.len_utf8()..].chars())
            .collect(),
        _ => title.to_owned(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_takes_the_singular_and_every_other_count_the_plural() {
        assert_eq!(count(1usize, "möte", "möten"), "1 möte");
        assert_eq!(count(0i64, "möte", "möten"), "0 möten");
        assert_eq!(
            count(2i32, "försenad åtgärd", "försenade åtgärder"),
            "2 försenade åtgärder"
        );
        assert_eq!(plural(1u32, "händelse", "händelser"), "händelse");
        assert_eq!(plural(11u32, "händelse", "händelser"), "händelser");
    }

    #[test]
    fn a_title_that_names_its_kind_is_not_prefixed_again() {
        assert_eq!(
            with_kind("Orsaksanalys", "Orsaksanalys: otrygghet vid resecentrum"),
            "Orsaksanalys: otrygghet vid resecentrum"
        );
        assert_eq!(
            with_kind("Åtgärdsplan", "Åtgärdsplan för resecentrum"),
            "Åtgärdsplan för resecentrum"
        );
        assert_eq!(
            with_kind("Orsaksanalys", "Otrygghet vid resecentrum"),
            "Orsaksanalys: Otrygghet vid resecentrum"
        );
        assert_eq!(with_kind("Åtgärdsplan", "Å"), "Åtgärdsplan: Å");
    }

    #[test]
    fn job_titles_are_lower_cased_in_a_sentence_but_abbreviations_are_kept() {
        assert_eq!(in_sentence("Kommundirektör"), "kommundirektör");
        assert_eq!(in_sentence("Ägarrepresentant"), "ägarrepresentant");
        assert_eq!(in_sentence("KSO"), "KSO");
        assert_eq!(
            dates_on_one_line("Avtalet <A & B> går ut 2027-01-15."),
            "Avtalet &lt;A &amp; B&gt; går ut <span class=\"date\">2027-01-15</span>."
        );
        assert_eq!(
            keep_units("från 8 % till 5 %"),
            "från 8\u{a0}% till 5\u{a0}%"
        );
        assert_eq!(keep_units("5% och 6  %"), "5% och 6  %");
        assert_eq!(in_sentence("IT-chef"), "IT-chef");
        assert_eq!(in_sentence(""), "");
    }
}
