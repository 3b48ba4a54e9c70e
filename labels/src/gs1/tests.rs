use chrono::NaiveDate;
use proptest::prelude::*;

use super::*;

fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap_or_default()
}

fn today() -> NaiveDate {
    d(2026, 6, 1)
}

fn ok(raw: &str) -> ElementString {
    match parse(raw, today()) {
        Ok(es) => es,
        Err(e) => panic!("{raw:?} failed: {e}"),
    }
}

fn err(raw: &str) -> Gs1Error {
    match parse(raw, today()) {
        Ok(es) => panic!("{raw:?} parsed as {}", es.human_readable()),
        Err(e) => e,
    }
}

fn hri(raw: &str) -> String {
    ok(raw).human_readable()
}

// ---- The pharmaceutical pack layout: GTIN, expiry, lot, serial ----

#[test]
fn typical_pack_in_every_form() {
    let expected = "(01)06901234567892(17)271231(10)A213B1(21)1234";
    for raw in [
        "]C101069012345678921727123110A213B1\u{1D}211234",
        "]d2\u{1D}010690123456789217271231\u{1D}10A213B1\u{1D}211234",
        "010690123456789217271231\u{1D}10A213B1<GS>211234",
        "010690123456789217271231{gs}10A213B1\t211234\r\n",
        "\u{FEFF}010690123456789217271231\u{1D}10A213B1^]211234\u{0}",
        "(01)06901234567892(17)271231(10)A213B1(21)1234",
    ] {
        let es = ok(raw);
        assert_eq!(es.human_readable(), expected, "{raw:?}");
        assert_eq!(es.gtin(), Some("06901234567892"));
        assert_eq!(es.expiry(), Some(d(2027, 12, 31)));
        assert_eq!(es.lot(), Some("A213B1"));
        assert_eq!(es.serial(), Some("1234"));
        assert!(!es.recovered_missing_separator());
    }
    assert_eq!(
        ok("]d2010690123456789217271231").symbology(),
        Some(Symbology::Gs1DataMatrix)
    );
}

#[test]
fn day_zero_dates() {
    assert_eq!(
        ok("010690123456789217250200").expiry(),
        Some(d(2025, 2, 28))
    );
    assert_eq!(
        ok("010690123456789217240200").expiry(),
        Some(d(2024, 2, 29))
    );
    assert_eq!(ok("(17)251100").expiry(), Some(d(2025, 11, 30)));
}

#[test]
fn invalid_dates_are_errors() {
    assert_eq!(
        err("010690123456789217271331"),
        Gs1Error::InvalidDate {
            ai: Ai::EXPIRY,
            value: "271331".into()
        }
    );
    assert_eq!(err("(17)270230").code(), "gs1.invalid_date");
    assert_eq!(err("(11)250229").code(), "gs1.invalid_date");
    assert_eq!(ok("(11)240229").production_date(), Some(d(2024, 2, 29)));
}

#[test]
fn century_follows_today() {
    assert_eq!(ok("(17)760101").expiry(), Some(d(2076, 1, 1)));
    assert_eq!(ok("(11)770101").production_date(), Some(d(1977, 1, 1)));
    let es = parse("(17)050101", d(2090, 1, 1))
        .ok()
        .and_then(|e| e.expiry());
    assert_eq!(es, Some(d(2105, 1, 1)));
}

#[test]
fn all_supported_ais() {
    let es = ok(concat!(
        "]C1",
        "00376104250021234569",
        "0206901234567892",
        "11240101",
        "15270615",
        "\u{1D}",
        "16271231",
        "2005",
        "13260701",
        "12301231",
        "10L1\u{1D}",
        "21S1\u{1D}",
        "3012\u{1D}",
        "3748\u{1D}",
        "240ADD\u{1D}",
        "241CPN\u{1D}",
        "70032712312359\u{1D}",
        "7104567890\u{1D}",
        "715NDC\u{1D}",
        "91INT",
    ));
    assert_eq!(es.sscc(), Some("376104250021234569"));
    assert_eq!(es.content_gtin(), Some("06901234567892"));
    assert_eq!(es.production_date(), Some(d(2024, 1, 1)));
    assert_eq!(es.best_before(), Some(d(2027, 6, 15)));
    assert_eq!(es.sell_by(), Some(d(2027, 12, 31)));
    assert_eq!(es.variant(), Some("05"));
    assert_eq!(es.packaging_date(), Some(d(2026, 7, 1)));
    assert_eq!(es.due_date(), Some(d(2030, 12, 31)));
    assert_eq!(es.lot(), Some("L1"));
    assert_eq!(es.serial(), Some("S1"));
    assert_eq!(es.count(), Some(12));
    assert_eq!(es.content_count(), Some(48));
    assert_eq!(es.additional_product_id(), Some("ADD"));
    assert_eq!(es.customer_part_number(), Some("CPN"));
    assert_eq!(
        es.expiry_date_time(),
        d(2027, 12, 31).and_hms_opt(23, 59, 0)
    );
    assert_eq!(es.nhrn(), Some((Ai::NHRN_DE, "4567890")));
    assert_eq!(es.get(Ai::NHRN_US), Some("NDC"));
    assert_eq!(es.internal(91), Some("INT"));
    assert_eq!(es.expiry(), None);
    assert_eq!(es.elements().len(), 18);
}

// ---- Errors name what and where ----

#[test]
fn error_variants() {
    assert_eq!(err(""), Gs1Error::Empty);
    assert_eq!(err(" \r\n"), Gs1Error::Empty);
    assert_eq!(err("]C1"), Gs1Error::Empty);
    assert_eq!(err("]C1\u{1D}"), Gs1Error::Empty);
    assert_eq!(err("HELLO"), Gs1Error::NotGs1);
    assert_eq!(
        err("]C0010690123456789"),
        Gs1Error::UnsupportedSymbology { id: "]C0".into() }
    );
    assert_eq!(
        err("010690123456789214ABC"),
        Gs1Error::UnknownAi {
            ai: "14".into(),
            offset: 16
        }
    );
    // (3100)–(3105) exist; (3106) does not.
    assert_eq!(
        err("01069012345678923106000123"),
        Gs1Error::UnknownAi {
            ai: "3106".into(),
            offset: 16
        }
    );
    assert_eq!(
        err("01069012345678"),
        Gs1Error::Truncated {
            ai: Ai::GTIN,
            expected: 14,
            found: 12
        }
    );
    assert_eq!(
        err("0106901234567892172712\u{1D}10A"),
        Gs1Error::Truncated {
            ai: Ai::EXPIRY,
            expected: 6,
            found: 4
        }
    );
    assert_eq!(
        err("0106901234567893"),
        Gs1Error::BadCheckDigit {
            ai: Ai::GTIN,
            value: "06901234567893".into()
        }
    );
    assert_eq!(
        err("(10)ABCDEFGHIJKLMNOPQRSTU"),
        Gs1Error::TooLong {
            ai: Ai::BATCH,
            max: 20,
            found: 21
        }
    );
    assert_eq!(
        err("0106901234567892\u{1D}10AB CD"),
        Gs1Error::InvalidCharacter {
            ai: Ai::BATCH,
            ch: ' ',
            offset: 21
        }
    );
    assert_eq!(
        err("(10)批号"),
        Gs1Error::InvalidCharacter {
            ai: Ai::BATCH,
            ch: '批',
            offset: 4
        }
    );
    assert_eq!(
        err("0106901234567892\u{1D}10\u{1D}17271231"),
        Gs1Error::EmptyValue {
            ai: Ai::BATCH,
            offset: 19
        }
    );
    assert_eq!(
        err("(17)271231(17)281231"),
        Gs1Error::DuplicateAi {
            ai: Ai::EXPIRY,
            first: "271231".into(),
            second: "281231".into()
        }
    );
    assert_eq!(
        err("(01)06901234567892(02)06901234567892"),
        Gs1Error::ConflictingAi {
            first: Ai::GTIN,
            second: Ai::CONTENT_GTIN
        }
    );
    // An identical repeat is allowed and kept once.
    assert_eq!(hri("(17)271231(17)271231"), "(17)271231");
}

#[test]
fn error_messages_are_clear() {
    assert_eq!(
        err("0106901234567893").to_string(),
        "AI (01) value 06901234567893 has a wrong check digit"
    );
    assert_eq!(
        err("010690123456789214ABC").to_string(),
        "unknown or unsupported Application Identifier (14) at byte 16"
    );
    assert!(
        err("010690123456789210A213B1211234567890123")
            .to_string()
            .contains("dropped the GS")
    );
}

// ---- Dropped separator recovery ----

#[test]
fn recovers_lot_then_expiry() {
    let es = ok("010690123456789210A213B117271231");
    assert_eq!(es.lot(), Some("A213B1"));
    assert_eq!(es.expiry(), Some(d(2027, 12, 31)));
    assert!(es.recovered_missing_separator());
    // Lot followed by expiry and then a serial that runs to the end.
    let es = ok("010690123456789210LOT917271231211234");
    assert_eq!(
        es.human_readable(),
        "(01)06901234567892(10)LOT9(17)271231(21)1234"
    );
    assert!(es.recovered_missing_separator());
}

#[test]
fn lot_last_needs_no_recovery() {
    let es = ok("010690123456789217271231102105213");
    assert_eq!(es.lot(), Some("2105213"));
    assert!(!es.recovered_missing_separator());
    // The lot contains 17+valid date, but 17 was already given: kept whole.
    let es = ok("01069012345678921727123110AB17250101");
    assert_eq!(es.lot(), Some("AB17250101"));
    assert!(!es.recovered_missing_separator());
}

#[test]
fn lot_containing_21_is_kept_whole_when_it_fits() {
    let es = ok("01069012345678921727123110LOT2021");
    assert_eq!(es.lot(), Some("LOT2021"));
    let es = ok("01069012345678921727123110A213B1211234");
    assert_eq!(es.lot(), Some("A213B1211234"));
    assert_eq!(es.serial(), None);
    assert!(!es.recovered_missing_separator());
}

#[test]
fn recovers_lot_then_serial_when_lot_cannot_hold_it() {
    let es = ok("010690123456789210LOT000121ABCDEFGHIJKLMN");
    assert_eq!(es.lot(), Some("LOT0001"));
    assert_eq!(es.serial(), Some("ABCDEFGHIJKLMN"));
    assert!(es.recovered_missing_separator());
}

#[test]
fn ambiguous_splits_are_refused() {
    // "A" + 21"3B1211234567890123" and "A213B1" + 21"1234567890123" both fit.
    assert_eq!(
        err("010690123456789210A213B1211234567890123"),
        Gs1Error::Ambiguous {
            ai: Ai::BATCH,
            offset: 18,
            splits: 2
        }
    );
    // Two splits at 17: lot AB + (17)250101(240)X17260101, or lot
    // AB17250101240X + (17)260101.
    assert_eq!(
        err("010690123456789210AB17250101240X17260101").code(),
        "gs1.ambiguous"
    );
}

#[test]
fn no_recovery_when_separators_are_sent() {
    let es = ok("010690123456789210A213B117271231\u{1D}211234");
    assert_eq!(es.lot(), Some("A213B117271231"));
    assert_eq!(es.expiry(), None);
    assert!(!es.recovered_missing_separator());
}

#[test]
fn separator_after_fixed_field_is_tolerated() {
    assert_eq!(
        hri("0106901234567892\u{1D}17271231\u{1D}10X"),
        "(01)06901234567892(17)271231(10)X"
    );
    assert_eq!(
        hri("\u{1D}\u{1D}0106901234567892\u{1D}"),
        "(01)06901234567892"
    );
}

// ---- Published vectors ----

/// Facts from gs1/gs1-syntax-engine `src/c-lib/scandata.c` (scan data with
/// symbology identifiers → bracketed AI data). Its 99 is accepted here as
/// internal company data.
#[test]
fn gs1_syntax_engine_scandata_vectors() {
    for (raw, expected) in [
        (
            "]C1011231231231233310ABC123\u{1D}99TESTING",
            "(01)12312312312333(10)ABC123(99)TESTING",
        ),
        (
            "]d2011231231231233310ABC123\u{1D}99TESTING",
            "(01)12312312312333(10)ABC123(99)TESTING",
        ),
        (
            "]Q3011231231231233310ABC123\u{1D}99TESTING",
            "(01)12312312312333(10)ABC123(99)TESTING",
        ),
        (
            "]e0011231231231233310ABC123\u{1D}99TESTING",
            "(01)12312312312333(10)ABC123(99)TESTING",
        ),
        ("]E09501101530003", "(01)09501101530003"),
        ("]E00012345678905", "(01)00012345678905"),
        ("]E402345673", "(01)00000002345673"),
        ("]C100006141411234567890", "(00)006141411234567890"),
        (
            "]C1\u{1D}011231231231233310ABC123",
            "(01)12312312312333(10)ABC123",
        ),
    ] {
        assert_eq!(hri(raw), expected, "{raw:?}");
    }
    assert_eq!(ok("]E09501101530003").symbology(), Some(Symbology::Ean13));
    // Failures: bad check digit, wrong length for the symbology, unknown
    // symbology identifier, nothing after the identifier.
    assert_eq!(err("]E09501101530004").code(), "gs1.bad_check_digit");
    assert_eq!(err("]E4023456731").code(), "gs1.invalid_retail_code");
    assert_eq!(err("]E0950110153000A").code(), "gs1.invalid_retail_code");
    assert_eq!(
        err("]X1011231231231233").code(),
        "gs1.unsupported_symbology"
    );
    assert_eq!(err("]d2").code(), "gs1.empty");
    assert_eq!(err("]C10112312312312334").code(), "gs1.bad_check_digit");
}

/// Facts from gs1/gs1-syntax-engine `src/c-lib/ai.c` (AI table and
/// bracketed-data tests), restated for the AIs supported here.
#[test]
fn gs1_syntax_engine_ai_vectors() {
    assert_eq!(ok("(01)12345678901231").gtin(), Some("12345678901231"));
    assert_eq!(err("(01)12345678901234").code(), "gs1.bad_check_digit");
    assert_eq!(err("(01)1234567890123").code(), "gs1.truncated");
    assert_eq!(err("(01)123456789012311").code(), "gs1.too_long");
    assert_eq!(err("(01)1234567890123A").code(), "gs1.invalid_character");
    assert_eq!(
        ok("(00)006141411234567890").sscc(),
        Some("006141411234567890")
    );
    // Escaped bracket inside a value.
    assert_eq!(ok("(10)12\\(34(21)X").lot(), Some("12(34"));
    assert_eq!(ok("(10)ABC(21)XYZ").serial(), Some("XYZ"));
    assert_eq!(err("(10)").code(), "gs1.empty_value");
    assert_eq!(err("(1)ABC").code(), "gs1.not_gs1");
    assert_eq!(err("(01)12345678901231(89)X").code(), "gs1.unknown_ai");
    // Day 00 is allowed in YYMMDD dates, not in the 7003 date-time.
    assert_eq!(ok("(17)990200").expiry(), Some(d(1999, 2, 28)));
    assert_eq!(err("(7003)9912002359").code(), "gs1.invalid_date");
    assert_eq!(err("(30)123456789").code(), "gs1.too_long");
    assert_eq!(err("(30)12A").code(), "gs1.invalid_character");
}

/// Facts from jodal/biip `README` and `tests/gs1/` (element strings and dates).
#[test]
fn biip_vectors() {
    let es = ok("]C1010703206980498815210526100329");
    assert_eq!(es.gtin(), Some("07032069804988"));
    assert_eq!(es.best_before(), Some(d(2021, 5, 26)));
    assert_eq!(es.lot(), Some("0329"));
    assert_eq!(es.symbology(), Some(Symbology::Gs1_128));
    assert_eq!(
        ok("(01)07032069804988(15)210526(10)0329"),
        ok("0107032069804988152105261003 29".replace(' ', "").as_str())
    );
    assert_eq!(ok("15200200").best_before(), Some(d(2020, 2, 29)));
    assert_eq!(ok("15210200").best_before(), Some(d(2021, 2, 28)));
    assert_eq!(ok("17211231").expiry(), Some(d(2021, 12, 31)));
    assert_eq!(ok("11210930").production_date(), Some(d(2021, 9, 30)));
    assert_eq!(ok("3012").count(), Some(12));
    assert_eq!(ok("37102").content_count(), Some(102));
    assert_eq!(
        ok("0107032069804988\u{1D}10ABC123\u{1D}17221231").expiry(),
        Some(d(2022, 12, 31))
    );
    assert_eq!(
        ok("00376104250021234569").sscc(),
        Some("376104250021234569")
    );
    assert_eq!(err("0107032069804987").code(), "gs1.bad_check_digit");
    assert_eq!(err("15210231").code(), "gs1.invalid_date");
}

// ---- Builder ----

#[test]
fn builder_orders_fixed_first_and_separates_variables() {
    let b = ElementStringBuilder::new()
        .lot("A213B1")
        .serial("1234")
        .gtin("6901234567892")
        .expiry(d(2027, 12, 31));
    assert_eq!(
        b.build().ok().as_deref(),
        Some("01069012345678921727123110A213B1\u{1D}211234")
    );
    assert_eq!(
        b.human_readable().ok().as_deref(),
        Some("(01)06901234567892(17)271231(10)A213B1(21)1234")
    );
    let es = b.element_string(today()).ok();
    assert_eq!(es.as_ref().and_then(|e| e.serial()), Some("1234"));
    assert_eq!(es.map(|e| e.data_string()), b.build().ok());
}

#[test]
fn builder_validates() {
    assert_eq!(
        ElementStringBuilder::new().gtin("6901234567893").build(),
        Err(Gs1Error::BadCheckDigit {
            ai: Ai::GTIN,
            value: "06901234567893".into()
        })
    );
    assert_eq!(ElementStringBuilder::new().build(), Err(Gs1Error::Empty));
    assert_eq!(
        build(&[(Ai::BATCH, "A"), (Ai::BATCH, "B")]).map_err(|e| e.code()),
        Err("gs1.duplicate_ai")
    );
    assert_eq!(
        build(&[
            (Ai::SERIAL, "X"),
            (Ai::VAR_COUNT, "5"),
            (Ai::GTIN, "06901234567892")
        ])
        .ok(),
        Some("010690123456789221X\u{1D}305".to_owned())
    );
}

// ---- Properties ----

fn cset82() -> impl Strategy<Value = char> {
    proptest::sample::select(
        "!\"%&'()*+,-./0123456789:;<=>?ABCDEFGHIJKLMNOPQRSTUVWXYZ_abcdefghijklmnopqrstuvwxyz"
            .chars()
            .collect::<Vec<_>>(),
    )
}

fn field(max: usize) -> impl Strategy<Value = String> {
    proptest::collection::vec(cset82(), 1..=max).prop_map(|v| v.into_iter().collect())
}

fn gtin13() -> impl Strategy<Value = String> {
    "[0-9]{12}".prop_map(|s| crate::gtin::with_check_digit(&s))
}

fn in_window() -> impl Strategy<Value = NaiveDate> {
    // Within the century window around today(), so YY round-trips.
    (0i64..36_000).prop_map(|n| {
        d(1978, 1, 1)
            .checked_add_days(chrono::Days::new(n as u64))
            .unwrap_or_default()
    })
}

#[derive(Debug, Clone)]
struct Pack {
    gtin: String,
    expiry: NaiveDate,
    lot: Option<String>,
    serial: Option<String>,
    count: Option<u32>,
}

fn pack() -> impl Strategy<Value = Pack> {
    (
        gtin13(),
        in_window(),
        proptest::option::of(field(20)),
        proptest::option::of(field(20)),
        proptest::option::of(0u32..100_000_000),
    )
        .prop_map(|(gtin, expiry, lot, serial, count)| Pack {
            gtin,
            expiry,
            lot,
            serial,
            count,
        })
}

fn builder(p: &Pack) -> ElementStringBuilder {
    let mut b = ElementStringBuilder::new().gtin(&p.gtin).expiry(p.expiry);
    if let Some(l) = &p.lot {
        b = b.lot(l.clone());
    }
    if let Some(s) = &p.serial {
        b = b.serial(s.clone());
    }
    if let Some(c) = p.count {
        b = b.count(c);
    }
    b
}

proptest! {
    #[test]
    fn build_then_parse_round_trips(p in pack()) {
        let data = builder(&p).build();
        prop_assert!(data.is_ok());
        let es = parse(&data.unwrap_or_default(), today());
        prop_assert!(es.is_ok(), "{:?}", es);
        let es = es.unwrap_or_else(|_| ElementString::with_capacity(None, 0));
        let gtin14 = format!("0{}", p.gtin);
        prop_assert_eq!(es.gtin(), Some(gtin14.as_str()));
        prop_assert_eq!(es.expiry(), Some(p.expiry));
        prop_assert_eq!(es.lot(), p.lot.as_deref());
        prop_assert_eq!(es.serial(), p.serial.as_deref());
        prop_assert_eq!(es.count(), p.count);
        prop_assert!(!es.recovered_missing_separator());
        prop_assert_eq!(es.data_string(), builder(&p).build().unwrap_or_default());
    }

    #[test]
    fn bracketed_form_parses_like_gs_form(p in pack()) {
        let gs = parse(&builder(&p).build().unwrap_or_default(), today());
        prop_assert!(gs.is_ok());
        let gs = gs.unwrap_or_else(|_| ElementString::with_capacity(None, 0));
        prop_assert_eq!(parse(&gs.bracketed(), today()), Ok(gs.clone()));
        if !gs.human_readable().contains("\\(") && !gs.elements().any(|(_, v)| v.contains('(')) {
            prop_assert_eq!(parse(&gs.human_readable(), today()), Ok(gs));
        }
    }

    #[test]
    fn every_separator_spelling_parses_alike(p in pack()) {
        prop_assume!(!p.lot.as_deref().unwrap_or("").contains('<'));
        prop_assume!(!p.serial.as_deref().unwrap_or("").contains('<'));
        let data = builder(&p).build().unwrap_or_default();
        let reference = parse(&data, today());
        prop_assert!(reference.is_ok());
        for sep in ["\t", "<GS>", "<gs>", "{GS}", "^]", "\u{241D}"] {
            let variant = format!("]C1{}", data.replace('\u{1D}', sep));
            let got = parse(&variant, today()).map(|mut e| { e.symbology = None; e });
            prop_assert_eq!(&got, &reference, "{:?}", variant);
        }
    }

    #[test]
    fn never_panics_on_any_string(s in "\\PC*") {
        let _ = parse(&s, today());
    }

    #[test]
    fn never_panics_on_gs1_shaped_noise(s in "(\\]C1|\\]d2|\\]E0|\\(|)[0-9A-Za-z\u{1D}()<>{}\\\\^\\]\t]{0,60}") {
        let _ = parse(&s, today());
    }

    #[test]
    fn whatever_parses_reparses_from_its_bracketed_form(
        s in "(\\]C1|\\]d2|)(01069012345678921727123110|0106901234567892|10|21|17)[0-9A-Za-z(\u{1D}]{0,30}"
    ) {
        if let Ok(es) = parse(&s, today()) {
            let again = parse(&es.bracketed(), today());
            prop_assert!(again.is_ok(), "{:?} -> {:?}", es.bracketed(), again);
            let again = again.unwrap_or_else(|_| ElementString::with_capacity(None, 0));
            prop_assert_eq!(again.elements().collect::<Vec<_>>(), es.elements().collect::<Vec<_>>());
        }
    }

    #[test]
    fn never_panics_on_bytes(bytes in proptest::collection::vec(any::<u8>(), 0..80)) {
        let _ = parse(&String::from_utf8_lossy(&bytes), today());
    }
}
