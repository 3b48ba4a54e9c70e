//! `cargo +nightly fuzz run parse`: neither parser may panic on any bytes.
#![no_main]

use chrono::NaiveDate;
use libfuzzer_sys::fuzz_target;
use yaolian_labels::{gs1, scan};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    let Some(today) = NaiveDate::from_ymd_opt(2026, 6, 1) else {
        return;
    };
    if let Ok(es) = gs1::parse(&text, today) {
        // Whatever parses must survive its own round trip.
        let again = gs1::parse(&es.bracketed(), today);
        assert!(again.is_ok(), "{:?} -> {:?}", es.bracketed(), again);
        let _ = es.data_string();
    }
    let _ = scan::classify(&text, today);
});
