//! The flag that gives each input the library names in its errors: a library error about an
//! input reaches the user naming the flag to fix.

use crate::error::{Error, Input};

/// The flag that gives `input`.
pub fn flag_of(input: Input) -> &'static str {
    match input {
        Input::Shape => "--shape",
        Input::Gemm => "--gemm",
        Input::KvHeads => "--kv-heads",
        Input::KvLen => "--kv-len",
        Input::Config => "--config",
        Input::Database => "--db",
        Input::Device => "--device",
        Input::ExportFolder => "--out",
        Input::ReplayLog => "--replay",
    }
}

/// `err`, when it is about an input, naming the flag that gives it.
pub fn flagged(err: Error) -> Error {
    match err {
        Error::BadInput { input, message } => Error::flag(flag_of(input), message),
        other => other,
    }
}

/// [`flagged`] for an error on its way out of a command (one without added context: context
/// is kept, and the input named as the library names it).
pub fn flagged_any(err: anyhow::Error) -> anyhow::Error {
    if err.chain().count() > 1 {
        return err;
    }
    match err.downcast::<Error>() {
        Ok(e) => flagged(e).into(),
        Err(other) => other,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_input_error_names_its_flag_with_the_same_message() {
        let err = crate::shape::Shape::parse("2,8,512").unwrap_err();
        let text = flagged_any(err.into()).to_string();
        assert!(
            text.starts_with("--shape expects B,H,S,D as four positive integers"),
            "{text}"
        );
        let other = flagged(Error::Other("x".into()));
        assert_eq!(other.to_string(), "x");
    }
}
