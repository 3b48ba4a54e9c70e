//! One configuration for the server: command-line flags first, then
//! environment variables, then an optional `yaolian.toml`, then defaults.
//! Library code reads none of these itself; `main` resolves them once and
//! passes what each part needs (`Settings` to the backend, [`HttpSettings`]
//! to the router, `DbOptions` to the connection).

use serde::Deserialize;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::time::Duration;
use yaolian_backend::Settings;
use yaolian_backend::auth::ThrottlePolicy;
use yaolian_backend::db::{DbOptions, Synchronous, redact_url};

pub const DEFAULT_DATABASE_URL: &str = "sqlite://yaolian.db";
pub const DEFAULT_LISTEN: &str = "127.0.0.1:8080";
/// Read when present in the working directory and no `--config` is given.
pub const DEFAULT_CONFIG_FILE: &str = "yaolian.toml";

/// What the HTTP layer enforces.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HttpSettings {
    /// A GraphQL request in JSON (and the operations part of an upload).
    pub max_json_body: usize,
    /// A multipart upload, files included.
    pub max_upload_body: usize,
    /// A request still running after this is answered 408.
    pub request_timeout: Duration,
}

impl Default for HttpSettings {
    fn default() -> Self {
        HttpSettings {
            max_json_body: crate::http::MAX_JSON_BODY,
            max_upload_body: crate::http::MAX_MULTIPART_BODY,
            request_timeout: Duration::from_secs(60),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum LogFormat {
    /// One readable line per event.
    #[default]
    Human,
    /// One JSON object per line, for a log collector.
    Json,
}

/// Everything `yaolian serve` runs with.
#[derive(Debug, Clone)]
pub struct Config {
    pub database_url: String,
    pub db: DbOptions,
    pub listen: SocketAddr,
    /// Where `/metrics` is served without sign-in; `None`: only on the main
    /// address, to an administrator or auditor.
    pub metrics_listen: Option<SocketAddr>,
    pub http: HttpSettings,
    pub backend: Settings,
    /// How long a shutdown waits for requests in flight.
    pub shutdown_grace: Duration,
    pub log_format: LogFormat,
    /// The file read, if any.
    pub file: Option<PathBuf>,
}

/// The flags (and their environment variables) that `serve` and `config`
/// share. Every one is optional: what is not given comes from the file or
/// the defaults.
#[derive(clap::Args, Debug, Clone, Default)]
pub struct ConfigArgs {
    /// A TOML file of settings (default: ./yaolian.toml when it exists).
    #[arg(long, env = "YAOLIAN_CONFIG", value_name = "FILE")]
    pub config: Option<PathBuf>,
    /// sqlite://path/to/file.db (created if missing) or postgres://user@host/db
    #[arg(long, env = "DATABASE_URL")]
    pub database_url: Option<String>,
    /// Address to listen on [default: 127.0.0.1:8080].
    #[arg(long, env = "YAOLIAN_LISTEN")]
    pub listen: Option<String>,
    /// Also serve /metrics here, without sign-in (keep it private).
    #[arg(long, env = "YAOLIAN_METRICS_LISTEN")]
    pub metrics_listen: Option<String>,
    /// Connections in the database pool [default: 8 SQLite, 32 PostgreSQL].
    #[arg(long, env = "YAOLIAN_POOL_SIZE")]
    pub pool_size: Option<u32>,
    /// SQLite `synchronous`: full (every acknowledged write survives a power
    /// cut) or normal (faster; the last writes may be lost) [default: full].
    #[arg(long, env = "YAOLIAN_SQLITE_SYNCHRONOUS")]
    pub sqlite_synchronous: Option<String>,
    /// Minutes a sign-in stays valid [default: 720].
    #[arg(long, env = "YAOLIAN_SESSION_TTL_MINUTES")]
    pub session_ttl_minutes: Option<i64>,
    /// Seconds before a request is answered 408 [default: 60].
    #[arg(long, env = "YAOLIAN_REQUEST_TIMEOUT_SECS")]
    pub request_timeout_secs: Option<u64>,
    /// Seconds a shutdown waits for requests in flight [default: 20].
    #[arg(long, env = "YAOLIAN_SHUTDOWN_GRACE_SECS")]
    pub shutdown_grace_secs: Option<u64>,
    /// human or json [default: human].
    #[arg(long, env = "YAOLIAN_LOG_FORMAT")]
    pub log_format: Option<String>,
}

/// `yaolian.toml`. Unknown keys are refused, so a misspelt setting is not
/// silently ignored.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct FileConfig {
    database_url: Option<String>,
    listen: Option<String>,
    metrics_listen: Option<String>,
    pool_size: Option<u32>,
    sqlite_synchronous: Option<String>,
    session_ttl_minutes: Option<i64>,
    request_timeout_secs: Option<u64>,
    shutdown_grace_secs: Option<u64>,
    log_format: Option<String>,
    max_json_body_bytes: Option<usize>,
    max_upload_body_bytes: Option<usize>,
    #[serde(default)]
    sign_in: SignInFile,
    #[serde(default)]
    procurement: ProcurementFile,
    #[serde(default)]
    distribution: DistributionFile,
}

/// `[distribution]`: the minimum shelf life left on delivery, per
/// destination kind, in days (an item's own minimum, when stricter, wins),
/// and the days from allocation to delivery when no run is planned.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct DistributionFile {
    village_clinic_min_shelf_life_days: Option<i64>,
    township_min_shelf_life_days: Option<i64>,
    county_hospital_min_shelf_life_days: Option<i64>,
    lead_days: Option<i64>,
}

/// `[procurement]`: months of stock per institution kind (`[min, max]`, in
/// months), what goods must be like on arrival, and the invoice match's
/// tolerances.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct ProcurementFile {
    village_clinic_months: Option<[f64; 2]>,
    township_months: Option<[f64; 2]>,
    county_hospital_months: Option<[f64; 2]>,
    centre_months: Option<[f64; 2]>,
    min_shelf_life_days: Option<i64>,
    cold_chain_celsius: Option<[f64; 2]>,
    invoice_price_tolerance_fen: Option<i64>,
    invoice_quantity_tolerance: Option<i64>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct SignInFile {
    pair_max_failures: Option<i32>,
    user_max_failures: Option<i32>,
    window_minutes: Option<i64>,
    first_lockout_minutes: Option<i64>,
    max_lockout_minutes: Option<i64>,
    address_burst: Option<u32>,
    address_per_minute: Option<u32>,
}

fn read_file(args_path: Option<&Path>) -> Result<(FileConfig, Option<PathBuf>), String> {
    let path = match args_path {
        Some(p) => p.to_path_buf(),
        None => {
            let default = PathBuf::from(DEFAULT_CONFIG_FILE);
            if !default.exists() {
                return Ok((FileConfig::default(), None));
            }
            default
        }
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| format!("cannot read the configuration {}: {e}", path.display()))?;
    let file: FileConfig = toml::from_str(&text)
        .map_err(|e| format!("the configuration {} is not valid: {e}", path.display()))?;
    Ok((file, Some(path)))
}

fn address(what: &str, text: &str) -> Result<SocketAddr, String> {
    text.parse()
        .map_err(|_| format!("{what} {text:?} is not an address like 127.0.0.1:8080"))
}

fn positive<T: PartialOrd + Default + std::fmt::Display + Copy>(
    what: &str,
    v: T,
) -> Result<T, String> {
    if v > T::default() {
        Ok(v)
    } else {
        Err(format!("{what} must be greater than 0, not {v}"))
    }
}

/// The database URL alone, for the commands that need nothing else.
pub fn database_url(args: &ConfigArgs) -> Result<String, String> {
    let (file, _) = read_file(args.config.as_deref())?;
    Ok(args
        .database_url
        .clone()
        .or(file.database_url)
        .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string()))
}

impl Config {
    pub fn resolve(args: &ConfigArgs) -> Result<Config, String> {
        let (file, path) = read_file(args.config.as_deref())?;
        let pick = |flag: &Option<String>, file: &Option<String>| flag.clone().or(file.clone());

        let database_url = pick(&args.database_url, &file.database_url)
            .unwrap_or_else(|| DEFAULT_DATABASE_URL.to_string());
        let listen = address(
            "listen",
            &pick(&args.listen, &file.listen).unwrap_or_else(|| DEFAULT_LISTEN.to_string()),
        )?;
        let metrics_listen = pick(&args.metrics_listen, &file.metrics_listen)
            .map(|a| address("metrics_listen", &a))
            .transpose()?;
        let pool_size = args
            .pool_size
            .or(file.pool_size)
            .map(|n| positive("pool_size", n))
            .transpose()?;
        let synchronous = match pick(&args.sqlite_synchronous, &file.sqlite_synchronous)
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("full") => Synchronous::Full,
            Some("normal") => Synchronous::Normal,
            Some(other) => {
                return Err(format!("sqlite_synchronous {other:?}: use full or normal"));
            }
        };
        let log_format = match pick(&args.log_format, &file.log_format)
            .as_deref()
            .map(str::to_ascii_lowercase)
            .as_deref()
        {
            None | Some("human") => LogFormat::Human,
            Some("json") => LogFormat::Json,
            Some(other) => return Err(format!("log_format {other:?}: use human or json")),
        };

        let mut backend = Settings::default();
        if let Some(m) = args.session_ttl_minutes.or(file.session_ttl_minutes) {
            backend.session_ttl = chrono::Duration::minutes(positive("session_ttl_minutes", m)?);
        }
        backend.throttle = throttle(&file.sign_in)?;
        procurement(&file.procurement, &mut backend)?;
        distribution(&file.distribution, &mut backend)?;

        let mut http = HttpSettings::default();
        if let Some(s) = args.request_timeout_secs.or(file.request_timeout_secs) {
            http.request_timeout = Duration::from_secs(positive("request_timeout_secs", s)?);
        }
        if let Some(n) = file.max_json_body_bytes {
            http.max_json_body = positive("max_json_body_bytes", n)?;
        }
        if let Some(n) = file.max_upload_body_bytes {
            http.max_upload_body = positive("max_upload_body_bytes", n)?;
        }
        let shutdown_grace = Duration::from_secs(
            args.shutdown_grace_secs
                .or(file.shutdown_grace_secs)
                .unwrap_or(20),
        );

        Ok(Config {
            database_url,
            db: DbOptions {
                pool_size,
                synchronous,
            },
            listen,
            metrics_listen,
            http,
            backend,
            shutdown_grace,
            log_format,
            file: path,
        })
    }

    /// What is in force, as `yaolian config` prints it: the database
    /// password masked.
    pub fn describe(&self) -> String {
        let t = &self.backend.throttle;
        let mut out = String::new();
        let mut line = |k: &str, v: String| out.push_str(&format!("{k} = {v}\n"));
        line(
            "# file",
            self.file
                .as_ref()
                .map_or("(none)".into(), |p| p.display().to_string()),
        );
        line(
            "database_url",
            format!("{:?}", redact_url(&self.database_url)),
        );
        line(
            "pool_size",
            self.db
                .pool_size
                .map_or("default (8 SQLite, 32 PostgreSQL)".into(), |n| {
                    n.to_string()
                }),
        );
        line(
            "sqlite_synchronous",
            format!("{:?}", format!("{:?}", self.db.synchronous).to_lowercase()),
        );
        line("listen", format!("{:?}", self.listen.to_string()));
        line(
            "metrics_listen",
            self.metrics_listen.map_or(
                "(none: /metrics on listen, for ADMIN or AUDITOR)".into(),
                |a| format!("{:?}", a.to_string()),
            ),
        );
        line(
            "session_ttl_minutes",
            self.backend.session_ttl.num_minutes().to_string(),
        );
        line(
            "request_timeout_secs",
            self.http.request_timeout.as_secs().to_string(),
        );
        line(
            "shutdown_grace_secs",
            self.shutdown_grace.as_secs().to_string(),
        );
        line(
            "log_format",
            format!("{:?}", format!("{:?}", self.log_format).to_lowercase()),
        );
        line("max_json_body_bytes", self.http.max_json_body.to_string());
        line(
            "max_upload_body_bytes",
            self.http.max_upload_body.to_string(),
        );
        out.push_str("\n[sign_in]\n");
        let mut line = |k: &str, v: String| out.push_str(&format!("{k} = {v}\n"));
        line("pair_max_failures", t.pair_max_failures.to_string());
        line("user_max_failures", t.user_max_failures.to_string());
        line("window_minutes", t.window.num_minutes().to_string());
        line(
            "first_lockout_minutes",
            t.first_lockout.num_minutes().to_string(),
        );
        line(
            "max_lockout_minutes",
            t.max_lockout.num_minutes().to_string(),
        );
        line("address_burst", t.address_burst.to_string());
        line("address_per_minute", t.address_per_minute.to_string());
        let r = &self.backend.replenishment;
        let g = &self.backend.receiving;
        let months =
            |(a, b): (i64, i64)| format!("[{:.1}, {:.1}]", a as f64 / 10.0, b as f64 / 10.0);
        out.push_str("\n[procurement]\n");
        let mut line = |k: &str, v: String| out.push_str(&format!("{k} = {v}\n"));
        line("village_clinic_months", months(r.village));
        line("township_months", months(r.township));
        line("county_hospital_months", months(r.county));
        line("centre_months", months(r.centre));
        line("min_shelf_life_days", g.min_shelf_life_days.to_string());
        line(
            "cold_chain_celsius",
            format!(
                "[{:.1}, {:.1}]",
                f64::from(g.cold_chain_min_decicelsius) / 10.0,
                f64::from(g.cold_chain_max_decicelsius) / 10.0
            ),
        );
        line(
            "invoice_price_tolerance_fen",
            self.backend.invoice_tolerance.price_fen.to_string(),
        );
        line(
            "invoice_quantity_tolerance",
            self.backend.invoice_tolerance.quantity.to_string(),
        );
        let d = &self.backend.distribution;
        out.push_str("\n[distribution]\n");
        let mut line = |k: &str, v: String| out.push_str(&format!("{k} = {v}\n"));
        line(
            "village_clinic_min_shelf_life_days",
            d.village_clinic_days.to_string(),
        );
        line("township_min_shelf_life_days", d.township_days.to_string());
        line(
            "county_hospital_min_shelf_life_days",
            d.county_hospital_days.to_string(),
        );
        line("lead_days", d.lead_days.to_string());
        out
    }
}

/// Months of stock as tenths of a month, minimum not above maximum.
fn months(what: &str, v: Option<[f64; 2]>, into: &mut (i64, i64)) -> Result<(), String> {
    let Some([min, max]) = v else {
        return Ok(());
    };
    let ok = |m: f64| m.is_finite() && (0.0..=24.0).contains(&m);
    if !ok(min) || !ok(max) || min > max || max == 0.0 {
        return Err(format!(
            "procurement.{what} must be [minimum, maximum] months between 0 and 24, minimum not above maximum"
        ));
    }
    *into = ((min * 10.0).round() as i64, (max * 10.0).round() as i64);
    Ok(())
}

fn distribution(f: &DistributionFile, s: &mut Settings) -> Result<(), String> {
    let d = &mut s.distribution;
    for (what, v, into) in [
        (
            "village_clinic_min_shelf_life_days",
            f.village_clinic_min_shelf_life_days,
            &mut d.village_clinic_days,
        ),
        (
            "township_min_shelf_life_days",
            f.township_min_shelf_life_days,
            &mut d.township_days,
        ),
        (
            "county_hospital_min_shelf_life_days",
            f.county_hospital_min_shelf_life_days,
            &mut d.county_hospital_days,
        ),
    ] {
        if let Some(days) = v {
            if !(0..=3650).contains(&days) {
                return Err(format!("distribution.{what} must be 0 to 3650"));
            }
            *into = days;
        }
    }
    if let Some(days) = f.lead_days {
        if !(0..=60).contains(&days) {
            return Err("distribution.lead_days must be 0 to 60".into());
        }
        d.lead_days = days;
    }
    Ok(())
}

fn procurement(f: &ProcurementFile, s: &mut Settings) -> Result<(), String> {
    let r = &mut s.replenishment;
    months(
        "village_clinic_months",
        f.village_clinic_months,
        &mut r.village,
    )?;
    months("township_months", f.township_months, &mut r.township)?;
    months(
        "county_hospital_months",
        f.county_hospital_months,
        &mut r.county,
    )?;
    months("centre_months", f.centre_months, &mut r.centre)?;
    if let Some(d) = f.min_shelf_life_days {
        if !(0..=3650).contains(&d) {
            return Err("procurement.min_shelf_life_days must be 0 to 3650".into());
        }
        s.receiving.min_shelf_life_days = d;
    }
    if let Some([lo, hi]) = f.cold_chain_celsius {
        if !(lo.is_finite() && hi.is_finite() && lo < hi && lo >= -50.0 && hi <= 60.0) {
            return Err(
                "procurement.cold_chain_celsius must be [low, high] °C, low below high".into(),
            );
        }
        s.receiving.cold_chain_min_decicelsius = (lo * 10.0).round() as i32;
        s.receiving.cold_chain_max_decicelsius = (hi * 10.0).round() as i32;
    }
    if let Some(t) = f.invoice_price_tolerance_fen {
        if t < 0 {
            return Err("procurement.invoice_price_tolerance_fen must not be negative".into());
        }
        s.invoice_tolerance.price_fen = t;
    }
    if let Some(t) = f.invoice_quantity_tolerance {
        if t < 0 {
            return Err("procurement.invoice_quantity_tolerance must not be negative".into());
        }
        s.invoice_tolerance.quantity = t;
    }
    Ok(())
}

fn throttle(f: &SignInFile) -> Result<ThrottlePolicy, String> {
    let mut t = ThrottlePolicy::default();
    let minutes = |what: &str, m: i64| positive(what, m).map(chrono::Duration::minutes);
    if let Some(n) = f.pair_max_failures {
        t.pair_max_failures = positive("sign_in.pair_max_failures", n)?;
    }
    if let Some(n) = f.user_max_failures {
        t.user_max_failures = positive("sign_in.user_max_failures", n)?;
    }
    if let Some(m) = f.window_minutes {
        t.window = minutes("sign_in.window_minutes", m)?;
    }
    if let Some(m) = f.first_lockout_minutes {
        t.first_lockout = minutes("sign_in.first_lockout_minutes", m)?;
    }
    if let Some(m) = f.max_lockout_minutes {
        t.max_lockout = minutes("sign_in.max_lockout_minutes", m)?;
    }
    if let Some(n) = f.address_burst {
        t.address_burst = positive("sign_in.address_burst", n)?;
    }
    if let Some(n) = f.address_per_minute {
        t.address_per_minute = positive("sign_in.address_per_minute", n)?;
    }
    if t.first_lockout > t.max_lockout {
        return Err("sign_in.first_lockout_minutes must not exceed max_lockout_minutes".into());
    }
    Ok(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn write(text: &str) -> PathBuf {
        let path =
            std::env::temp_dir().join(format!("yaolian-config-{}.toml", uuid::Uuid::now_v7()));
        std::fs::write(&path, text).unwrap();
        path
    }

    #[test]
    fn flags_override_the_file_and_the_file_overrides_defaults() {
        let path = write(
            "database_url = \"postgres://app:s3cret@db/yaolian\"\nlisten = \"0.0.0.0:9000\"\n\
             session_ttl_minutes = 60\n[sign_in]\npair_max_failures = 3\n",
        );
        let args = ConfigArgs {
            config: Some(path.clone()),
            listen: Some("127.0.0.1:7000".into()),
            ..Default::default()
        };
        let config = Config::resolve(&args).unwrap();
        assert_eq!(config.listen.to_string(), "127.0.0.1:7000");
        assert_eq!(config.database_url, "postgres://app:s3cret@db/yaolian");
        assert_eq!(config.backend.session_ttl, chrono::Duration::minutes(60));
        assert_eq!(config.backend.throttle.pair_max_failures, 3);
        assert_eq!(config.backend.throttle.user_max_failures, 20);
        assert_eq!(config.db.synchronous, Synchronous::Full);
        let shown = config.describe();
        assert!(!shown.contains("s3cret"), "{shown}");
        assert!(shown.contains("listen = \"127.0.0.1:7000\""), "{shown}");
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn a_misspelt_or_impossible_setting_is_refused() {
        for (text, needle) in [
            ("sesion_ttl_minutes = 5\n", "sesion_ttl_minutes"),
            ("session_ttl_minutes = 0\n", "greater than 0"),
            ("sqlite_synchronous = \"off\"\n", "full or normal"),
            ("listen = \"port 80\"\n", "not an address"),
            (
                "[sign_in]\nfirst_lockout_minutes = 90\nmax_lockout_minutes = 60\n",
                "must not exceed",
            ),
            (
                "[procurement]\nvillage_clinic_months = [3, 2]\n",
                "minimum not above maximum",
            ),
            (
                "[procurement]\ncold_chain_celsius = [8, 2]\n",
                "low below high",
            ),
        ] {
            let path = write(text);
            let args = ConfigArgs {
                config: Some(path.clone()),
                ..Default::default()
            };
            let err = Config::resolve(&args).unwrap_err();
            assert!(err.contains(needle), "{text}: {err}");
            std::fs::remove_file(path).ok();
        }
    }

    #[test]
    fn procurement_settings_come_from_the_file() {
        let path = write(
            "[procurement]\nvillage_clinic_months = [1.5, 2.5]\nmin_shelf_life_days = 90\n\
             cold_chain_celsius = [2, 10]\ninvoice_price_tolerance_fen = 1\n",
        );
        let args = ConfigArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        let config = Config::resolve(&args).unwrap();
        assert_eq!(config.backend.replenishment.village, (15, 25));
        assert_eq!(config.backend.replenishment.township, (15, 30));
        assert_eq!(config.backend.receiving.min_shelf_life_days, 90);
        assert_eq!(config.backend.receiving.cold_chain_max_decicelsius, 100);
        assert_eq!(config.backend.invoice_tolerance.price_fen, 1);
        let shown = config.describe();
        assert!(
            shown.contains("village_clinic_months = [1.5, 2.5]"),
            "{shown}"
        );
        std::fs::remove_file(path).ok();
    }

    #[test]
    fn distribution_settings_come_from_the_file_and_are_checked() {
        let path =
            write("[distribution]\nvillage_clinic_min_shelf_life_days = 90\nlead_days = 2\n");
        let args = ConfigArgs {
            config: Some(path.clone()),
            ..Default::default()
        };
        let config = Config::resolve(&args).unwrap();
        assert_eq!(config.backend.distribution.village_clinic_days, 90);
        assert_eq!(config.backend.distribution.township_days, 60);
        assert_eq!(config.backend.distribution.lead_days, 2);
        assert!(
            config
                .describe()
                .contains("village_clinic_min_shelf_life_days = 90")
        );
        std::fs::remove_file(path).ok();
        let bad = write("[distribution]\nlead_days = -1\n");
        let args = ConfigArgs {
            config: Some(bad.clone()),
            ..Default::default()
        };
        assert!(Config::resolve(&args).unwrap_err().contains("lead_days"));
        std::fs::remove_file(bad).ok();
    }

    #[test]
    fn a_named_file_that_is_missing_is_an_error() {
        let args = ConfigArgs {
            config: Some("/no/such/yaolian.toml".into()),
            ..Default::default()
        };
        assert!(Config::resolve(&args).unwrap_err().contains("cannot read"));
    }
}
