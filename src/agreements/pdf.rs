//! Uploaded PDFs with active content are refused: JavaScript, launch
//! actions, embedded files, automatic actions (`/AA`, a non-`GoTo`
//! `/OpenAction`), multimedia and XFA forms. Signed agreements and
//! kartläggning attachments are read by others; a document must not be
//! able to run code or open other files in their PDF reader.
//!
//! `lopdf` parses the file (names come out decoded, so `/J#61vaScript` is
//! `/JavaScript`), and every dictionary and name of every object, including
//! those inside compressed object streams, is looked at. The raw bytes
//! outside streams are scanned for the same names too, for objects a
//! forgiving reader would recover but `lopdf` skips. A file `lopdf` cannot
//! parse is refused as well.

use lopdf::{Document, Object};

/// Names that make a PDF active, and how they are described to the user.
const ACTIVE: &[(&[u8], &str)] = &[
    (b"JS", "JavaScript"),
    (b"JavaScript", "JavaScript"),
    (b"Launch", "en åtgärd som startar program (Launch)"),
    (b"EmbeddedFile", "inbäddade filer"),
    (b"EmbeddedFiles", "inbäddade filer"),
    (b"AA", "automatiska åtgärder (AA)"),
    (b"RichMedia", "multimedia (RichMedia)"),
    (b"XFA", "ett XFA-formulär"),
    (b"SubmitForm", "en åtgärd som skickar formulärdata"),
    (b"ImportData", "en åtgärd som läser in data"),
    (b"GoToE", "en länk till en inbäddad fil"),
    (b"Rendition", "multimedia (Rendition)"),
    (b"Movie", "multimedia (Movie)"),
    (b"Sound", "ljud som spelas upp"),
];

/// Why an uploaded PDF is refused.
#[derive(Debug, PartialEq, Eq)]
pub enum PdfProblem {
    /// `lopdf` could not parse the file.
    Unreadable,
    /// Encrypted: its contents cannot be checked.
    Encrypted,
    /// Active content; what was found, in Swedish.
    Active(&'static str),
}

impl PdfProblem {
    /// The message shown next to the file field.
    pub fn message(&self) -> String {
        match self {
            Self::Unreadable => "Filen går inte att läsa som PDF; den kan vara skadad. \
                Spara avtalet som PDF på nytt och ladda upp det igen."
                .to_owned(),
            Self::Encrypted => "PDF-filen är krypterad eller lösenordsskyddad, så innehållet \
                kan inte granskas. Spara den utan skydd och ladda upp den igen."
                .to_owned(),
            Self::Active(what) => format!(
                "PDF-filen innehåller {what}, som kan köra kod eller öppna andra filer \
                 i läsarens dator. Sådana filer tas inte emot. Skriv ut dokumentet till \
                 en ny PDF (”Skriv ut som PDF”) och ladda upp den i stället."
            ),
        }
    }
}

/// Checks a PDF (already known to start with `%PDF-`).
pub fn inspect(bytes: &[u8]) -> Result<(), PdfProblem> {
    let doc = Document::load_mem(bytes).map_err(|_| PdfProblem::Unreadable)?;
    if doc.is_encrypted() || doc.was_encrypted() || doc.trailer.has(b"Encrypt") {
        return Err(PdfProblem::Encrypted);
    }
    walk(&Object::Dictionary(doc.trailer.clone()))?;
    for object in doc.objects.values() {
        walk(object)?;
        if let Ok(dict) = object.as_dict()
            && let Ok(action) = dict.get(b"OpenAction")
        {
            open_action(&doc, action)?;
        }
    }
    scan_raw(bytes)
}

fn active(name: &[u8]) -> Result<(), PdfProblem> {
    match ACTIVE.iter().find(|(n, _)| *n == name) {
        Some((_, what)) => Err(PdfProblem::Active(what)),
        None => Ok(()),
    }
}

/// Every key and every name value, at any depth (lopdf limits nesting).
fn walk(object: &Object) -> Result<(), PdfProblem> {
    match object {
        Object::Name(name) => active(name),
        Object::Array(items) => items.iter().try_for_each(walk),
        Object::Dictionary(dict) => dict.iter().try_for_each(|(key, value)| {
            active(key)?;
            walk(value)
        }),
        Object::Stream(stream) => walk(&Object::Dictionary(stream.dict.clone())),
        _ => Ok(()),
    }
}

/// An `/OpenAction` may only go to a place in the document: a destination
/// array or a `GoTo` action.
fn open_action(doc: &Document, action: &Object) -> Result<(), PdfProblem> {
    let action = match action {
        Object::Reference(id) => doc.get_object(*id).map_err(|_| PdfProblem::Unreadable)?,
        other => other,
    };
    match action {
        Object::Array(_) | Object::Null => Ok(()),
        Object::Dictionary(dict) => match dict.get(b"S") {
            Ok(Object::Name(kind)) if kind == b"GoTo" => Ok(()),
            _ => Err(PdfProblem::Active("en åtgärd som körs när filen öppnas")),
        },
        _ => Err(PdfProblem::Active("en åtgärd som körs när filen öppnas")),
    }
}

/// Names in the raw bytes outside stream data, `#xx` escapes decoded.
fn scan_raw(bytes: &[u8]) -> Result<(), PdfProblem> {
    let delimiter = |b: u8| b.is_ascii_whitespace() || b"()<>[]{}/%\0".contains(&b);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i..].starts_with(b"stream") && i > 0 && delimiter(bytes[i - 1]) {
            // Skip the stream's data: compressed bytes may look like anything.
            let after = i + b"stream".len();
            if matches!(bytes.get(after), Some(b'\r' | b'\n')) {
                match find(&bytes[after..], b"endstream") {
                    Some(end) => i = after + end + b"endstream".len(),
                    None => return Err(PdfProblem::Unreadable),
                }
                continue;
            }
        }
        if bytes[i] == b'/' {
            let start = i + 1;
            let mut end = start;
            while end < bytes.len() && !delimiter(bytes[end]) {
                end += 1;
            }
            active(&decode_name(&bytes[start..end]))?;
            i = end;
            continue;
        }
        i += 1;
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

fn decode_name(raw: &[u8]) -> Vec<u8> {
    let hex = |b: u8| (b as char).to_digit(16);
    let mut out = Vec::with_capacity(raw.len());
    let mut i = 0;
    while i < raw.len() {
        match (
            raw[i],
            raw.get(i + 1).and_then(|b| hex(*b)),
            raw.get(i + 2).and_then(|b| hex(*b)),
        ) {
            (b'#', Some(high), Some(low)) => {
                out.push((high * 16 + low) as u8);
                i += 3;
            }
            (b, _, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// Small PDFs for tests, written by hand with a correct cross-reference
/// table: `objects` are the bodies of objects 1, 2, …; object 1 is the
/// catalog.
#[doc(hidden)]
pub fn build_test_pdf(objects: &[&str]) -> Vec<u8> {
    let mut out = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    let mut offsets = Vec::new();
    for (n, body) in objects.iter().enumerate() {
        offsets.push(out.len());
        out.extend_from_slice(format!("{} 0 obj\n{body}\nendobj\n", n + 1).as_bytes());
    }
    let xref = out.len();
    out.extend_from_slice(
        format!("xref\n0 {}\n0000000000 65535 f \n", objects.len() + 1).as_bytes(),
    );
    for offset in offsets {
        out.extend_from_slice(format!("{offset:010} 00000 n \n").as_bytes());
    }
    out.extend_from_slice(
        format!(
            "trailer\n<< /Size {} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n",
            objects.len() + 1
        )
        .as_bytes(),
    );
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PAGES: &str = "<< /Type /Pages /Kids [3 0 R] /Count 1 >>";
    const PAGE: &str = "<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] >>";

    fn with_catalog(catalog: &str, more: &[&str]) -> Vec<u8> {
        let mut objects = vec![catalog, PAGES, PAGE];
        objects.extend_from_slice(more);
        build_test_pdf(&objects)
    }

    #[test]
    fn a_plain_pdf_is_accepted() {
        assert_eq!(
            inspect(&with_catalog("<< /Type /Catalog /Pages 2 0 R >>", &[])),
            Ok(())
        );
        // A link that opens at page one is fine.
        let goto = with_catalog(
            "<< /Type /Catalog /Pages 2 0 R /OpenAction [3 0 R /Fit] >>",
            &[],
        );
        assert_eq!(inspect(&goto), Ok(()));
        let goto = with_catalog(
            "<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            &["<< /S /GoTo /D [3 0 R /Fit] >>"],
        );
        assert_eq!(inspect(&goto), Ok(()));
        assert_eq!(inspect(crate::agreements::demo::DEMO_PDF), Ok(()));
    }

    /// Catalogs (and the objects they point to) that carry active content,
    /// each spelled another way.
    const ACTIVE: &[(&str, &[&str])] = &[
        (
            "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /JavaScript /JS (app.alert(1)) >> >>",
            &[],
        ),
        (
            "<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            &["<< /S /JavaScript /JS (app.alert(1)) >>"],
        ),
        (
            "<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            &["<< /S /J#61vaScript /J#53 (x) >>"],
        ),
        (
            "<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            &["<< /S /#4A#61#76#61#53#63#72#69#70#74 >>"],
        ),
        (
            "<< /Type /Catalog /Pages 2 0 R /OpenAction 4 0 R >>",
            &["<< /S /URI /URI (https://evil.example) >>"],
        ),
        (
            "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /Launch /F (cmd.exe) >> >>",
            &[],
        ),
        (
            "<< /Type /Catalog /Pages 2 0 R /OpenAction << /S /L#61unch /F (cmd.exe) >> >>",
            &[],
        ),
        (
            "<< /Type /Catalog /Pages 2 0 R /Names << /EmbeddedFiles 4 0 R >> >>",
            &[
                "<< /Names [(a.exe) 5 0 R] >>",
                "<< /Type /Filespec /F (a.exe) /EF << /F 6 0 R >> >>",
                "<< /Type /EmbeddedFile /Length 0 >>\nstream\n\nendstream",
            ],
        ),
        (
            "<< /Type /Catalog /Pages 2 0 R /Names << /Emb#65ddedFiles 4 0 R >> >>",
            &["<< /Names [] >>"],
        ),
        (
            "<< /Type /Catalog /Pages 2 0 R /Names << /JavaScript 4 0 R >> >>",
            &["<< /Names [(x) 5 0 R] >>", "<< /S /JavaScript /JS (1) >>"],
        ),
        (
            "<< /Type /Catalog /Pages 2 0 R /AA << /WC << /S /GoTo /D [3 0 R /Fit] >> >> >>",
            &[],
        ),
        (
            "<< /Type /Catalog /Pages 2 0 R /AcroForm << /Fields [] /XFA 4 0 R >> >>",
            &["<< >>"],
        ),
        (
            "<< /Type /Catalog /Pages 2 0 R >>",
            &["<< /Type /Annot /Subtype /RichMedia >>"],
        ),
        (
            "<< /Type /Catalog /Pages 2 0 R >>",
            &[
                "<< /Type /Annot /Subtype /Link /A << /S /SubmitForm /F (https://evil.example) >> >>",
            ],
        ),
    ];

    #[test]
    fn active_content_is_refused_in_every_spelling() {
        for (catalog, more) in ACTIVE {
            let pdf = with_catalog(catalog, more);
            assert!(
                matches!(inspect(&pdf), Err(PdfProblem::Active(_))),
                "{catalog} {more:?}: {:?}",
                inspect(&pdf)
            );
        }
    }

    #[test]
    fn active_content_inside_a_compressed_object_stream_is_found() {
        use lopdf::dictionary;
        let mut doc = Document::with_version("1.7");
        let pages = doc.new_object_id();
        let page = doc.add_object(dictionary! { "Type" => "Page", "Parent" => pages });
        doc.objects.insert(
            pages,
            Object::Dictionary(
                dictionary! { "Type" => "Pages", "Kids" => vec![page.into()], "Count" => 1 },
            ),
        );
        let js = doc.add_object(
            dictionary! { "S" => "JavaScript", "JS" => Object::string_literal("app.alert(1)") },
        );
        let catalog = doc
            .add_object(dictionary! { "Type" => "Catalog", "Pages" => pages, "OpenAction" => js });
        doc.trailer.set("Root", catalog);
        let mut bytes = Vec::new();
        doc.save_modern(&mut bytes).expect("saved");
        assert!(
            find(&bytes, b"/JavaScript").is_none(),
            "the names are compressed away"
        );
        assert!(matches!(inspect(&bytes), Err(PdfProblem::Active(_))));
    }

    #[test]
    fn a_pdf_lopdf_cannot_parse_is_refused() {
        for broken in [
            &b"%PDF-1.4\n%%EOF\n"[..],
            b"%PDF-1.7\n1 0 obj << /Type /Catalog >> garbage %%EOF",
            b"%PDF-",
        ] {
            assert_eq!(inspect(broken), Err(PdfProblem::Unreadable), "{broken:?}");
        }
    }

    #[test]
    fn names_hidden_outside_the_parsed_objects_are_still_found() {
        // Object 4 is in the file but its cross-reference entry says "free",
        // so lopdf skips it; a reader rebuilding the table would not.
        let pdf = with_catalog(
            "<< /Type /Catalog /Pages 2 0 R >>",
            &["<< /S /J#61vaScript /JS (1) >>"],
        );
        let text = String::from_utf8_lossy(&pdf).into_owned();
        let last = text.rfind(" 00000 n \n").expect("entry");
        let mut hidden = pdf.clone();
        hidden[last + 7] = b'f';
        assert!(Document::load_mem(&hidden).is_ok());
        assert!(matches!(inspect(&hidden), Err(PdfProblem::Active(_))));
    }

    #[test]
    fn every_problem_has_a_swedish_message() {
        assert!(
            PdfProblem::Unreadable
                .message()
                .contains("går inte att läsa")
        );
        assert!(PdfProblem::Encrypted.message().contains("lösenordsskyddad"));
        assert!(
            PdfProblem::Active("JavaScript")
                .message()
                .contains("innehåller JavaScript")
        );
    }
}
