//! F-OPS-5: the layers, the example file, and the errors an operator sees.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use figment::value::{Dict, Value};
use ninsho_testkit::TempDir;
use secrecy::ExposeSecret;

use super::keys::KEYS;
use super::*;
use crate::Config;

fn example() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../config/ninsho.example.toml")
}

fn env(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
    pairs.iter().map(|(k, v)| (k.to_string(), v.to_string())).collect()
}

fn leaves(dict: &Dict, prefix: &str, out: &mut BTreeSet<String>) {
    for (k, v) in dict {
        match v {
            Value::Dict(_, d) => leaves(d, &format!("{prefix}{k}."), out),
            Value::Empty(..) => {}
            _ => {
                out.insert(format!("{prefix}{k}"));
            }
        }
    }
}

fn secret(s: &str) -> Option<Secret> {
    Some(Secret(SecretString::from(s.to_string())))
}

/// Every field set, written without `..`: a field added to `Settings` does not
/// compile here until it is listed, and then the test below wants it in the table
/// and in the example file.
fn every_key_set() -> Settings {
    Settings {
        listen: SocketAddr::from(([127, 0, 0, 1], 1)),
        public_url: Some("https://x.example".into()),
        issuer: "x".into(),
        support_contact: Some("x".into()),
        data_dir: "x".into(),
        database_url: secret("sqlite://x"),
        master_key: secret("x"),
        default_region: "x".into(),
        default_time_zone: Some("UTC".into()),
        geoip_db: Some("x".into()),
        trust_forwarded: true,
        log: Log { format: LogFormat::Text, filter: "x".into() },
        metrics: Metrics { listen: Some(SocketAddr::from(([127, 0, 0, 1], 2))) },
        health: Health { outbox_stuck_secs: 1 },
        codes: Codes { ttl_secs: 1, max_attempts: 1, method_failure_ceiling: 1 },
        quotas: Quotas { account: "x".into(), destination: "x".into(), address: "x".into(), unsolicited: "x".into() },
        throttle: Throttle { account_free: 1, address_free: 1 },
        limits: Limits { hash_max_wait_ms: 1, max_clock_skew_ms: 1, request_timeout_secs: 1 },
        smtp: Smtp { url: secret("x"), from: "x".into(), username: Some("x".into()), password: secret("x") },
        kannel: Kannel { url: Some("x".into()), username: "x".into(), password: secret("x") },
        sms: Sms {
            from: "x".into(),
            webhook_url: Some("x".into()),
            allowed_countries: Some(vec!["x".into()]),
            prefix_digits: 1,
            prefix_floor_per_hour: 1,
            country_floor_per_hour: 1,
            baseline_multiplier: 1,
            baseline_hours: 1,
            pause_secs: 1,
            budget_per_hour: 1,
        },
        voice: Voice { webhook_url: Some("x".into()) },
        webhook: Webhook { secret: secret("x"), timeout_secs: 1 },
        official: Official { email_domains: Some(vec!["x".into()]), link_domains: Some(vec!["x".into()]) },
        audit: Audit { checkpoint_every_secs: 1 },
        event_webhooks: EventWebhooks { retry_base_secs: 1, retry_max_secs: 1, give_up_after_secs: 1, timeout_secs: 1, lease_secs: 1 },
        deliveries: Deliveries {
            amount_thresholds: vec!["x".into()],
            categories: vec!["x".into()],
            code_categories: vec!["x".into()],
            exempt_categories: vec!["x".into()],
            address_change_days: 1,
            code_countries: vec!["x".into()],
            max_attempts: 1,
        },
        oidc: Oidc { signing_alg: "x".into(), id_token_secs: 1, access_token_secs: 1 },
    }
}

/// The example with every `# key = value` line switched on.
fn example_with_everything() -> String {
    let text = std::fs::read_to_string(example()).unwrap();
    text.lines()
        .map(|l| match l.strip_prefix("# ") {
            Some(rest) if rest.split_once(" = ").is_some_and(|(k, _)| !k.is_empty() && k.chars().all(|c| c.is_ascii_lowercase() || c == '_')) => rest,
            _ => l,
        })
        .collect::<Vec<_>>()
        .join("\n")
}

#[test]
fn f_ops_5_the_example_file_parses_and_names_every_key_the_struct_has() {
    // As shipped, it loads and is a working configuration.
    let loaded = load(Some(&example()), &[], &[]).unwrap();
    Config::from_settings(&loaded).unwrap();

    let mut of_struct = BTreeSet::new();
    leaves(&Value::serialize(every_key_set()).unwrap().into_dict().unwrap(), "", &mut of_struct);
    let of_table: BTreeSet<String> = KEYS.iter().map(|k| k.path.to_string()).collect();
    assert_eq!(of_struct, of_table, "the key table and Settings differ");

    let dir = TempDir::new().unwrap();
    let full = dir.path.join("full.toml");
    std::fs::write(&full, example_with_everything()).unwrap();
    let loaded = load(Some(&full), &[], &[]).unwrap_or_else(|e| panic!("{e}"));
    let mut of_example = BTreeSet::new();
    leaves(&loaded.figment.find_value("").ok().and_then(|v| v.into_dict()).unwrap_or_default(), "", &mut of_example);
    let documented: BTreeSet<String> = of_example.into_iter().filter(|k| loaded.origin(k).starts_with("file ")).collect();
    assert_eq!(documented, of_table, "the example file does not document every key");
}

#[test]
fn f_ops_5_layers_override_defaults_file_variables_files_then_flags() {
    let dir = TempDir::new().unwrap();
    let file = dir.path.join("ninsho.toml");
    std::fs::write(&file, "issuer = \"From the file\"\nlisten = \"127.0.0.1:9000\"\n[codes]\nttl_secs = 300\nmax_attempts = 4\n[webhook]\nsecret = \"in-the-file\"\n").unwrap();
    let key = dir.path.join("secret");
    std::fs::write(&key, "from-a-file\n").unwrap();
    let env = env(&[
        ("NINSHO_CODE_TTL_SECS", "120"),
        ("NINSHO_WEBHOOK_SECRET", "from-a-variable"),
        ("NINSHO_WEBHOOK_SECRET_FILE", key.to_str().unwrap()),
        ("NINSHO_OFFICIAL_EMAIL_DOMAINS", "shop.example, mail.shop.example"),
        ("NINSHO_TRUST_FORWARDED", "yes"),
        ("NINSHO_SMS_FROM", "+815012345678"),
        // Not ours to judge: tools' variables far from any setting are left alone.
        ("NINSHO_TEST_POSTGRES", "1"),
    ]);
    let flags = [Flag { path: "listen", name: "--listen", value: "127.0.0.1:0".into() }];
    let loaded = load(Some(&file), &env, &flags).unwrap();
    let s = &loaded.settings;
    assert_eq!(s.issuer, "From the file");
    assert_eq!((s.codes.ttl_secs, s.codes.max_attempts, s.codes.method_failure_ceiling), (120, 4, 100));
    assert_eq!(s.webhook.secret.as_ref().map(|x| x.0.expose_secret().to_string()).as_deref(), Some("from-a-file"));
    assert_eq!(s.official.email_domains.as_deref(), Some(&["shop.example".to_string(), "mail.shop.example".to_string()][..]));
    assert!(s.trust_forwarded);
    // A number with a plus is text, not a number that loses it.
    assert_eq!(s.sms.from, "+815012345678");
    assert_eq!(s.listen.port(), 0);
    assert_eq!(loaded.origin("issuer"), format!("file {}", file.display()));
    assert_eq!(loaded.origin("codes.ttl_secs"), "NINSHO_CODE_TTL_SECS");
    assert_eq!(loaded.origin("codes.method_failure_ceiling"), "default");
    assert_eq!(loaded.origin("webhook.secret"), format!("NINSHO_WEBHOOK_SECRET_FILE ({})", key.display()));
    assert_eq!(loaded.origin("listen"), "--listen");
    // NINSHO_CONFIG names the file when --config does not.
    let by_variable = load(None, &[("NINSHO_CONFIG".into(), file.display().to_string())], &[]).unwrap();
    assert_eq!(by_variable.settings.issuer, "From the file");
}

#[test]
fn f_ops_5_config_check_masks_every_secret_and_says_where_values_came_from() {
    let dir = TempDir::new().unwrap();
    let file = dir.path.join("ninsho.toml");
    std::fs::write(
        &file,
        "master_key = \"00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff\"\n\
         database_url = \"postgres://app:pg-secret-1@127.0.0.1:5432/ninsho?password=pg-secret-2\"\n\
         [smtp]\nurl = \"smtp://mailer:smtp-secret-1@127.0.0.1:2525\"\nusername = \"mailer\"\npassword = \"smtp-secret-2\"\n\
         [kannel]\nurl = \"http://127.0.0.1:13013/cgi-bin/sendsms\"\npassword = \"kannel-secret\"\n\
         [webhook]\nsecret = \"webhook-secret\"\n",
    )
    .unwrap();
    let loaded = load(Some(&file), &env(&[("NINSHO_ISSUER", "Shop")]), &[]).unwrap();
    let text = effective(&loaded).join("\n");
    for secret in ["00112233445566778899", "pg-secret-1", "pg-secret-2", "smtp-secret-1", "smtp-secret-2", "kannel-secret", "webhook-secret"] {
        assert!(!text.contains(secret), "{secret} printed:\n{text}");
    }
    assert!(text.contains("postgres://app:********@127.0.0.1:5432/ninsho?password=********"), "{text}");
    assert!(text.lines().any(|l| l.starts_with("issuer = \"Shop\"") && l.ends_with("# NINSHO_ISSUER")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("codes.ttl_secs = 600") && l.ends_with("# default")), "{text}");
    assert!(text.lines().any(|l| l.starts_with("# public_url is not set")), "{text}");
    assert_eq!(text.lines().count(), KEYS.len());
}

fn errors_of(file_text: &str, env_pairs: &[(&str, &str)]) -> Vec<String> {
    let dir = TempDir::new().unwrap();
    let file = dir.path.join("ninsho.toml");
    std::fs::write(&file, file_text).unwrap();
    let result = load(Some(&file), &env(env_pairs), &[]).and_then(|l| Config::from_settings(&l).map(|_| ()));
    match result {
        Ok(()) => vec![],
        Err(e) => e.0.iter().map(|e| e.to_string().replace(&file.display().to_string(), "FILE")).collect(),
    }
}

#[test]
fn f_ops_5_unknown_keys_bad_values_and_unreadable_files_are_one_line_each() {
    let unknown = errors_of("lisen = \"127.0.0.1:1\"\ncolour = \"red\"\n[log]\nfromat = \"text\"\n[smpt]\nurl = \"x\"\n", &[]);
    assert_eq!(
        unknown,
        [
            "colour: unknown setting (from file FILE)",
            "lisen: unknown setting (did you mean listen?) (from file FILE)",
            "log.fromat: unknown setting (did you mean log.format?) (from file FILE)",
            "smpt: unknown section (did you mean [smtp]?) (from file FILE)",
        ]
    );
    let bad = errors_of("[codes]\nttl_secs = \"ten minutes\"\n", &[]);
    assert_eq!(bad.len(), 1, "{bad:?}");
    assert!(bad[0].starts_with("codes.ttl_secs: invalid type") && bad[0].ends_with("(from file FILE)"), "{bad:?}");
    let bad = errors_of("[log]\nformat = \"xml\"\n", &[]);
    assert!(bad[0].starts_with("log.format: ") && bad[0].contains("json") && bad[0].contains("text"), "{bad:?}");
    let checked = errors_of("[codes]\nttl_secs = 5\n[quotas]\naccount = \"ten\"\n", &[("NINSHO_DEFAULT_TIME_ZONE", "Mars/Olympus_Mons")]);
    assert_eq!(checked.len(), 3, "{checked:?}");
    assert!(checked.iter().any(|e| e.starts_with("codes.ttl_secs: must be at least 30") && e.ends_with("(from file FILE)")), "{checked:?}");
    assert!(checked.iter().any(|e| e.starts_with("quotas.account: ")), "{checked:?}");
    assert!(checked.iter().any(|e| e.starts_with("default_time_zone: ") && e.ends_with("(from NINSHO_DEFAULT_TIME_ZONE)")), "{checked:?}");
    let vars = errors_of("", &[("NINSHO_CODE_TTL_SECS", "600s"), ("NINSHO_LISTN", "127.0.0.1:1"), ("NINSHO_MASTER_KEY_FILE", "/nonexistent/key"), ("NINSHO_LISTEN_FILE", "/x")]);
    assert_eq!(
        vars,
        [
            "NINSHO_CODE_TTL_SECS: expected a whole number, got \"600s\"",
            "NINSHO_LISTEN_FILE: only secrets are read from files; set NINSHO_LISTEN itself",
            "NINSHO_LISTN: not a setting (did you mean NINSHO_LISTEN?)",
            "NINSHO_MASTER_KEY_FILE: cannot read /nonexistent/key: No such file or directory (os error 2)",
        ]
    );
    let syntax = errors_of("listen = \n", &[]);
    assert_eq!(syntax.len(), 1, "{syntax:?}");
    assert!(syntax[0].starts_with("--config: cannot read FILE: "), "{syntax:?}");
    let missing = load(Some(Path::new("/nonexistent/ninsho.toml")), &[], &[]).err().unwrap();
    assert_eq!(missing.to_string(), "--config: cannot read /nonexistent/ninsho.toml: No such file or directory (os error 2)");
    let providers = errors_of("[kannel]\nurl = \"http://127.0.0.1:13013/cgi-bin/sendsms\"\n[smtp]\nurl = \"smtp://127.0.0.1:25\"\nusername = \"u\"\n", &[]);
    assert!(providers.iter().all(|e| !e.contains('\n')), "{providers:?}");
    assert!(providers[0].starts_with("smtp.password: "), "{providers:?}");
}

#[test]
fn f_ops_5_the_packaged_settings_load() {
    let packaged = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../packaging/deb/ninsho.toml");
    let loaded = load(Some(&packaged), &[], &[]).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(loaded.settings.data_dir, Path::new("/var/lib/ninsho"));
    Config::from_settings(&loaded).unwrap();
}

#[test]
fn f_limit_4_sms_countries_default_to_the_region_and_bad_limits_are_one_line_each() {
    let dir = TempDir::new().unwrap();
    let file = dir.path.join("ninsho.toml");
    std::fs::write(&file, "default_region = \"FR\"\n").unwrap();
    let config = Config::from_settings(&load(Some(&file), &[], &[]).unwrap()).unwrap();
    assert_eq!(config.policy.sms.allowed_countries, ["FR"]);
    let listed = load(Some(&file), &env(&[("NINSHO_SMS_ALLOWED_COUNTRIES", "jp, gb"), ("NINSHO_SMS_BUDGET_PER_HOUR", "50")]), &[]).unwrap();
    let config = Config::from_settings(&listed).unwrap();
    assert_eq!((config.policy.sms.allowed_countries.as_slice(), config.policy.sms.budget_per_hour), (&["JP".to_string(), "GB".to_string()][..], 50));
    let bad = errors_of("[sms]\nallowed_countries = [\"JP\", \"Japan\"]\nprefix_digits = 0\nbudget_per_hour = 0\n", &[]);
    assert_eq!(bad.len(), 3, "{bad:?}");
    for key in ["sms.allowed_countries: ", "sms.prefix_digits: ", "sms.budget_per_hour: "] {
        assert!(bad.iter().any(|e| e.starts_with(key) && e.ends_with("(from file FILE)")), "{key} {bad:?}");
    }
}
