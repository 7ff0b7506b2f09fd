//! The widget's components, one file each.

pub mod connector_list;
pub mod status;
