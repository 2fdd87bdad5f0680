//! Workflows as data: [`model`] is what administrators write (versioned JSON) and the store
//! keeps; [`refs`] lists the objects a definition names, so what it names can be checked on
//! save and protected from deletion. Validating, compiling and running workflows is the
//! `workflow` crate's.

pub mod model;
pub mod refs;
