//! Closed vocabularies stored as `text` columns with a check constraint
//! (statuses, kinds, roles, tiers).
//!
//! `text_enum!` declares the Rust enum once with each variant's database
//! text. It derives `sqlx::Type` (`type_name = "text"`), so a row read with
//! `status as "status: MeasureStatus"` decodes into the enum and an unknown
//! value is a decoding error, never a silent fallback. The same texts give
//! `as_str` (for binding and for form values), `FromStr` (for parsing form
//! input) and `ALL` (for choice lists). A variant written
//! `Variant = "text" => "Label"` also gets its Swedish `label()`; CSS
//! classes and other words are written by hand next to the enum, in its
//! feature's `model.rs`.
//!
//! Parse, don't validate (Z2P `domain/subscriber_email.rs`): a value of
//! one of these types is known to be one the database accepts.

/// A text in the database or a form that names no variant of `T`.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{value:?} is not a known {type_name}")]
pub struct Unknown {
    pub type_name: &'static str,
    pub value: String,
}

/// Declares an enum stored as text; see the module documentation.
#[macro_export]
macro_rules! text_enum {
    // With each variant's Swedish label (`Variant = "text" => "Label"`):
    // also `label()`, the one place the label is written.
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal => $label:literal ),+ $(,)?
        }
    ) => {
        $crate::text_enum! {
            $(#[$meta])*
            $vis enum $name {
                $( $(#[$vmeta])* $variant = $text ),+
            }
        }

        impl $name {
            /// The Swedish label that pages and lists show.
            pub fn label(self) -> &'static str {
                match self {
                    $( $name::$variant => $label ),+
                }
            }
        }
    };
    (
        $(#[$meta:meta])*
        $vis:vis enum $name:ident {
            $( $(#[$vmeta:meta])* $variant:ident = $text:literal ),+ $(,)?
        }
    ) => {
        $(#[$meta])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, sqlx::Type)]
        #[sqlx(type_name = "text")]
        $vis enum $name {
            $( $(#[$vmeta])* #[sqlx(rename = $text)] $variant ),+
        }

        impl $name {
            /// Every variant, in declaration order.
            pub const ALL: [$name; <[&str]>::len(&[$(stringify!($variant)),+])] =
                [$($name::$variant),+];

            /// The text stored in the database and sent by forms.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( $name::$variant => $text ),+
                }
            }
        }

        impl ::std::str::FromStr for $name {
            type Err = $crate::text_enum::Unknown;

            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                match value {
                    $( $text => Ok($name::$variant), )+
                    _ => Err($crate::text_enum::Unknown {
                        type_name: stringify!($name),
                        value: value.to_owned(),
                    }),
                }
            }
        }

        impl ::std::fmt::Display for $name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl ::serde::Serialize for $name {
            fn serialize<S: ::serde::Serializer>(&self, s: S) -> ::std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> ::serde::Deserialize<'de> for $name {
            fn deserialize<D: ::serde::Deserializer<'de>>(d: D) -> ::std::result::Result<Self, D::Error> {
                let text = <::std::borrow::Cow<'de, str> as ::serde::Deserialize>::deserialize(d)?;
                text.parse().map_err(::serde::de::Error::custom)
            }
        }
    };
}

#[cfg(test)]
mod tests {
    text_enum! {
        /// A vocabulary for the tests below.
        pub enum Colour {
            Red = "red",
            DarkBlue = "dark_blue",
        }
    }

    #[test]
    fn every_variant_round_trips_through_its_text() {
        for colour in Colour::ALL {
            assert_eq!(colour.as_str().parse::<Colour>(), Ok(colour));
        }
    }

    #[test]
    fn an_unknown_text_is_an_error_naming_the_type_and_the_value() {
        let err = "green".parse::<Colour>().expect_err("green is no Colour");
        assert_eq!(err.to_string(), r#""green" is not a known Colour"#);
        assert!("Red".parse::<Colour>().is_err(), "the text is exact");
    }
}
