//! Distribution to members: requisitions, shipments, delivery runs, and
//! their paper (pick lists, delivery notes, package labels).

pub mod files;
