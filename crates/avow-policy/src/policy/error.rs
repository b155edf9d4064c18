//! Why a policy could not be loaded.

use super::{Invalid, PathBuf, Policy};

/// Why a policy could not be loaded.
#[derive(Debug, thiserror::Error)]
pub enum PolicyError {
    /// The file could not be read.
    #[error("{}: cannot read the policy: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// Bad TOML, an unknown field, a wrong type or value.
    #[error(transparent)]
    Invalid(Invalid),
    /// `--preset NAME` names no preset.
    #[error("unknown preset `{name}`; known presets: {}", Policy::PRESETS.join(", "))]
    UnknownPreset {
        /// The name asked for.
        name: String,
    },
}
