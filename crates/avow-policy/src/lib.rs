//! avow's keyring (`.avow/keyring.toml`: who may attest, with which keys,
//! when) and policy (`.avow/policy.toml`: what a project accepts), and the
//! evaluation of a commit against them.
#![deny(missing_docs)]

/// An enum written as a string in the policy file: `as_str`, `Display`,
/// `Deserialize` with an error that lists the values, and `ALL`.
macro_rules! string_enum {
    ($(#[$meta:meta])* $name:ident { $($(#[$vmeta:meta])* $variant:ident = $text:literal),+ $(,)? }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        pub enum $name {
            $($(#[$vmeta])* $variant),+
        }

        impl $name {
            /// Every value, in declaration order.
            pub const ALL: &'static [$name] = &[$($name::$variant),+];

            /// The value as written in the policy file.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $text),+
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl<'de> serde::Deserialize<'de> for $name {
            fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
                use serde::de::Error as _;
                let s = String::deserialize(d)?;
                match s.as_str() {
                    $($text => Ok($name::$variant),)+
                    other => Err(D::Error::custom(format!(
                        "{other:?} is not one of {}",
                        [$($text),+].join(", ")
                    ))),
                }
            }
        }
    };
}

pub mod diagnostics;
pub mod facts;
pub mod findings;
pub mod keyring;
pub mod markers;
pub mod policy;
pub mod text;

/// The directory, at the repository root, that holds the keyring and
/// policy; changing anything under it needs a maintainer's attestation.
pub const AVOW_DIR: &str = ".avow";
/// Where the keyring lives, relative to the repository root.
pub const KEYRING_PATH: &str = ".avow/keyring.toml";
/// Where the policy lives, relative to the repository root.
pub const POLICY_PATH: &str = ".avow/policy.toml";

#[cfg(test)]
mod tests {
    #[test]
    fn paths_are_under_the_avow_dir() {
        for path in [super::KEYRING_PATH, super::POLICY_PATH] {
            let rest = path.strip_prefix(super::AVOW_DIR).and_then(|r| r.strip_prefix('/'));
            assert!(rest.is_some_and(|rest| !rest.contains('/')), "{path}");
        }
    }
}
