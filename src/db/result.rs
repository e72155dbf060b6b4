//! The database's result type: an error is a message about the file, and the caller names the
//! flag or file it came from.

/// What a database error is about; the caller names the flag or file.
pub type DbResult<T> = std::result::Result<T, String>;

/// A SQLite error as the message of a [`DbResult`].
pub(super) fn err(e: rusqlite::Error) -> String {
    e.to_string()
}
