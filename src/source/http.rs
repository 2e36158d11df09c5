//! Fetching over HTTP: the one place that talks to the network. HTTPS only (plain HTTP for
//! loopback addresses alone), bounded redirects, timeouts, retries with backoff, and bodies
//! streamed into the cache while hashed, never held whole in memory.

use std::cell::OnceCell;
use std::error::Error as StdError;
use std::io::{self, Read, Write};
use std::time::{Duration, Instant};

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::redirect;
use url::Url;

use super::cache::{Cache, CachedArchive};
use super::error::SourceError;
use super::url_policy::{check_url, is_loopback, redact, redact_text, redirect_allowed};
use crate::bundle::HashReader;

/// Hears about transfers as they happen; the command line draws a progress bar from it.
/// The library itself never prints.
pub trait Progress {
    /// A transfer of `total` bytes (when the server said) from `what` begins.
    fn start(&self, _what: &str, _total: Option<u64>) {}
    /// `bytes` more arrived.
    fn advance(&self, _bytes: u64) {}
    /// The transfer ended, successfully or not.
    fn finish(&self) {}
    /// Attempt `attempt` of `attempts` failed with `reason`; the next begins after `delay`.
    fn retry(&self, _what: &str, _attempt: u32, _attempts: u32, _delay: Duration, _reason: &str) {}
}

/// Timeouts, pace and retry policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub connect_timeout: Duration,
    /// Longest wait for the response headers, and for each read of the body; also the
    /// window over which [`Settings::min_rate`] is measured.
    pub read_timeout: Duration,
    /// Slowest transfer kept going, in bytes per second averaged over each
    /// `read_timeout`: a body trickling in a byte at a time is abandoned. 0: no minimum.
    pub min_rate: u64,
    /// Longest a whole download may take, retries included.
    pub deadline: Duration,
    /// Attempts per request, the first included.
    pub attempts: u32,
    /// Delay before the first retry, doubled for each further one. `None`: 500 ms, or
    /// 10 ms when the server is on a loopback address.
    pub retry_base: Option<Duration>,
    pub max_redirects: usize,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            connect_timeout: Duration::from_secs(15),
            read_timeout: Duration::from_secs(30),
            min_rate: 100,
            deadline: Duration::from_secs(900),
            attempts: 4,
            retry_base: None,
            max_redirects: 5,
        }
    }
}

/// The environment variables [`Settings::from_vars`] reads.
pub const TIMEOUT_VAR: &str = "SKILLPACK_HTTP_TIMEOUT";
pub const DEADLINE_VAR: &str = "SKILLPACK_HTTP_DEADLINE";
pub const MIN_RATE_VAR: &str = "SKILLPACK_HTTP_MIN_RATE";
pub const RETRY_BASE_VAR: &str = "SKILLPACK_RETRY_BASE_MS";

/// A setting from the environment that is not a number in its range.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SettingsError {
    #[error("{var} is `{value}`, not {expected}")]
    Invalid {
        var: &'static str,
        /// The value as given, escaped and shortened for display.
        value: String,
        expected: &'static str,
    },
}

impl SettingsError {
    /// The stable id of the error.
    pub fn kind(&self) -> &'static str {
        match self {
            SettingsError::Invalid { .. } => "invalid-setting",
        }
    }

    /// The variable at fault.
    pub fn var(&self) -> &'static str {
        match self {
            SettingsError::Invalid { var, .. } => var,
        }
    }
}

/// `var`'s value read as a number in `min..=max`; `None` when unset or blank.
fn number_in(
    get: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    var: &'static str,
    min: f64,
    max: f64,
    expected: &'static str,
) -> Result<Option<f64>, SettingsError> {
    let Some(raw) = get(var) else {
        return Ok(None);
    };
    let text = raw.to_string_lossy();
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && (min..=max).contains(&v) => Ok(Some(v)),
        _ => Err(SettingsError::Invalid {
            var,
            value: crate::text::excerpt(text, 40),
            expected,
        }),
    }
}

impl Settings {
    /// The defaults, with `SKILLPACK_HTTP_TIMEOUT` (seconds), `SKILLPACK_HTTP_DEADLINE`
    /// (seconds), `SKILLPACK_HTTP_MIN_RATE` (bytes per second) and
    /// `SKILLPACK_RETRY_BASE_MS` applied. A value that is not a number in its range is an
    /// error naming the variable, never silently ignored or clamped. The variables are
    /// looked up through `get` (the process environment, read by the command line).
    pub fn from_vars(
        get: &dyn Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Settings, SettingsError> {
        let mut s = Settings::default();
        let timeout = number_in(
            get,
            TIMEOUT_VAR,
            0.1,
            3600.0,
            "a number of seconds from 0.1 to 3600",
        )?;
        if let Some(secs) = timeout {
            // In range, so the conversion cannot overflow.
            s.read_timeout = Duration::from_secs_f64(secs);
            // Waiting for a connection is waiting for an answer too.
            s.connect_timeout = s.connect_timeout.min(s.read_timeout);
        }
        let deadline = number_in(
            get,
            DEADLINE_VAR,
            1.0,
            86_400.0,
            "a number of seconds from 1 to 86400",
        )?;
        if let Some(secs) = deadline {
            s.deadline = Duration::from_secs_f64(secs);
        }
        let rate = number_in(
            get,
            MIN_RATE_VAR,
            0.0,
            1e9,
            "a number of bytes per second from 0 to 1000000000",
        )?;
        if let Some(rate) = rate {
            // In range and not negative: the cast neither wraps nor saturates.
            s.min_rate = rate as u64;
        }
        let base = number_in(
            get,
            RETRY_BASE_VAR,
            0.0,
            60_000.0,
            "a number of milliseconds from 0 to 60000",
        )?;
        if let Some(ms) = base {
            s.retry_base = Some(Duration::from_secs_f64(ms / 1000.0));
        }
        Ok(s)
    }
}

/// Why the redirect policy stopped a chain; found again in the error's source chain.
#[derive(Debug)]
struct RedirectRefused(String);

impl std::fmt::Display for RedirectRefused {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

impl StdError for RedirectRefused {}

fn redirect_policy(max: usize) -> redirect::Policy {
    redirect::Policy::custom(move |attempt| {
        if attempt.previous().len() > max {
            let why = format!(
                "more than {max} redirects (the last to `{}`)",
                redact(attempt.url())
            );
            return attempt.error(RedirectRefused(why));
        }
        let next = attempt.url();
        if redirect_allowed(attempt.previous().last(), next) {
            attempt.follow()
        } else {
            let why = format!(
                "refused a redirect to `{}`: only https:// is allowed (plain http only between loopback addresses)",
                redact(next)
            );
            attempt.error(RedirectRefused(why))
        }
    })
}

/// One failed attempt: the error, and whether (and after how long at least) to retry.
struct Failed {
    error: SourceError,
    retry: Option<Duration>,
}

impl Failed {
    fn fatal(error: SourceError) -> Failed {
        Failed { error, retry: None }
    }

    fn retry(error: SourceError) -> Failed {
        Failed {
            error,
            retry: Some(Duration::ZERO),
        }
    }
}

impl From<SourceError> for Failed {
    fn from(error: SourceError) -> Failed {
        Failed::fatal(error)
    }
}

/// The HTTP client: built on first use, with the TLS configuration of [`super::tls`].
/// Loopback requests bypass any proxy.
pub struct Http {
    settings: Settings,
    proxied: OnceCell<Client>,
    direct: OnceCell<Client>,
    /// Hosts found unreachable in this run, with the reason: not asked again.
    unreachable: std::cell::RefCell<std::collections::BTreeMap<String, String>>,
}

impl Http {
    pub fn new(settings: Settings) -> Http {
        Http {
            settings,
            proxied: OnceCell::new(),
            direct: OnceCell::new(),
            unreachable: Default::default(),
        }
    }

    fn client(&self, url: &Url) -> Result<&Client, SourceError> {
        let direct = is_loopback(url);
        let cell = if direct { &self.direct } else { &self.proxied };
        if let Some(c) = cell.get() {
            return Ok(c);
        }
        let tls = super::tls::client_config().map_err(|e| SourceError::Client {
            message: e.to_string(),
        })?;
        let mut builder = Client::builder()
            .tls_backend_preconfigured(tls)
            .user_agent(concat!("skillpack/", env!("CARGO_PKG_VERSION")))
            .connect_timeout(self.settings.connect_timeout)
            .timeout(self.settings.read_timeout)
            .redirect(redirect_policy(self.settings.max_redirects))
            .referer(false);
        if direct {
            builder = builder.no_proxy();
        }
        let client = builder.build().map_err(|e| SourceError::Client {
            message: describe(&e),
        })?;
        Ok(cell.get_or_init(|| client))
    }

    /// Runs `once` up to `attempts` times while it fails with a retryable error, sleeping
    /// with exponential backoff in between.
    fn with_retries<T>(
        &self,
        url: &Url,
        deadline: Option<Instant>,
        progress: &dyn Progress,
        mut once: impl FnMut() -> Result<T, Failed>,
    ) -> Result<T, SourceError> {
        let attempts = self.settings.attempts.max(1);
        let base = self.settings.retry_base.unwrap_or(if is_loopback(url) {
            Duration::from_millis(10)
        } else {
            Duration::from_millis(500)
        });
        let host = host_of(url);
        if let Some(reason) = self.unreachable.borrow().get(&host) {
            return Err(SourceError::Unreachable {
                host,
                reason: reason.clone(),
            });
        }
        let mut attempt = 1;
        loop {
            match once() {
                Ok(v) => return Ok(v),
                Err(Failed {
                    error: SourceError::Unreachable { host, reason },
                    ..
                }) => {
                    self.unreachable
                        .borrow_mut()
                        .insert(host.clone(), reason.clone());
                    return Err(SourceError::Unreachable { host, reason });
                }
                Err(Failed {
                    error,
                    retry: Some(at_least),
                }) if attempt < attempts
                    && Instant::now()
                        .checked_add(retry_delay(base, attempt, at_least))
                        .is_some_and(|t| deadline.is_none_or(|d| t < d)) =>
                {
                    let delay = retry_delay(base, attempt, at_least);
                    progress.retry(&redact(url), attempt, attempts, delay, &reason(&error));
                    std::thread::sleep(delay);
                    attempt += 1;
                }
                Err(Failed {
                    error,
                    retry: Some(_),
                }) if attempt > 1 => {
                    // A host that timed out on every attempt is not asked again in this run.
                    if matches!(&error, SourceError::Network { reason, .. } if reason == "timed out")
                    {
                        self.unreachable.borrow_mut().insert(
                            host.clone(),
                            format!("timed out on each of {attempt} attempts"),
                        );
                    }
                    return Err(SourceError::GaveUp {
                        attempts: attempt,
                        source: Box::new(error),
                    });
                }
                Err(Failed { error, .. }) => return Err(error),
            }
        }
    }

    /// Sends one GET and accepts only a 2xx answer. Within `read_timeout` of the
    /// `deadline`, the whole attempt (connection, headers, body) must end by the deadline.
    fn send(&self, url: &Url, deadline: Option<Instant>) -> Result<Response, Failed> {
        let mut request = self.client(url)?.get(url.clone());
        let past_deadline = || {
            Failed::fatal(SourceError::Deadline {
                url: redact(url),
                got: 0,
                expected: None,
                secs: secs(self.settings.deadline),
            })
        };
        let mut capped = false;
        if let Some(left) = deadline.map(|d| d.saturating_duration_since(Instant::now()))
            && left < self.settings.read_timeout
        {
            if left.is_zero() {
                return Err(past_deadline());
            }
            request = request.timeout(left);
            capped = true;
        }
        let response = request.send().map_err(|e| match classify(url, &e) {
            Failed { retry: Some(_), .. } if capped && e.is_timeout() => past_deadline(),
            failed => failed,
        })?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
        }
        if status.is_redirection()
            && let Some(to) = response
                .headers()
                .get(reqwest::header::LOCATION)
                .and_then(|v| v.to_str().ok())
        {
            // The client follows redirects to http(s) itself (through the policy); one
            // that comes back unfollowed points somewhere it cannot go, such as `file:`.
            let shown = match response.url().join(to) {
                Ok(next) => redact(&next),
                Err(_) => redact_text(to),
            };
            return Err(Failed::fatal(SourceError::Redirect {
                url: redact(url),
                reason: format!(
                    "refused a redirect to `{}`: only https:// is allowed (plain http only between loopback addresses)",
                    shown.escape_debug()
                ),
            }));
        }
        let error = SourceError::Status {
            url: redact(url),
            status: status.as_u16(),
            reason: status.canonical_reason().unwrap_or("").to_string(),
        };
        if status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS {
            Err(Failed {
                error,
                retry: Some(retry_after(&response)),
            })
        } else {
            Err(Failed::fatal(error))
        }
    }

    /// Downloads `url` into the cache. The body is streamed to a `.partial` file while
    /// hashed, refused once it passes `max_size` bytes, and renamed to `<sha256>.zip` (its
    /// own digest) only when whole. A failed or interrupted download leaves nothing in the
    /// cache that a later run keeps. Whether it is the archive expected is decided once, by
    /// the install pipeline's verify stage, which drops a refused archive from the cache.
    pub fn download(
        &self,
        url: &Url,
        cache: &Cache,
        max_size: u64,
        progress: &dyn Progress,
    ) -> Result<CachedArchive, SourceError> {
        check_url(url)?;
        let shown = redact(url);
        let mut buf = vec![0u8; 64 * 1024];
        let pace = self.pace();
        self.with_retries(url, pace.deadline, progress, || {
            let mut response = self.send(url, pace.deadline)?;
            let total = response.content_length();
            if total.is_some_and(|t| t > max_size) {
                return Err(too_large(&shown, max_size).into());
            }
            let mut part = cache.partial()?;
            progress.start(&shown, total);
            let streamed = stream(
                total,
                &mut response,
                &mut part,
                &mut buf,
                max_size,
                &pace,
                progress,
            );
            progress.finish();
            let (sha256, size) = match streamed {
                Ok(done) => done,
                Err(Stop::Write(e)) => {
                    return Err(SourceError::io("cannot write", part.path(), e).into());
                }
                Err(stop) => {
                    return Err(self.stopped(&shown, total, max_size, pace.deadline, stop));
                }
            };
            if let Some(t) = total.filter(|t| *t != size) {
                return Err(Failed::retry(SourceError::Truncated {
                    url: shown.clone(),
                    got: size,
                    expected: Some(t),
                    reason: "the body does not match its Content-Length".into(),
                }));
            }
            Ok(part.persist(&sha256, size)?)
        })
    }

    /// Fetches a small document (an index) into memory, refusing more than `max_size` bytes.
    pub fn get_bytes(
        &self,
        url: &Url,
        max_size: u64,
        progress: &dyn Progress,
    ) -> Result<Vec<u8>, SourceError> {
        check_url(url)?;
        let shown = redact(url);
        let mut buf = vec![0u8; 16 * 1024];
        let pace = self.pace();
        self.with_retries(url, pace.deadline, progress, || {
            let mut response = self.send(url, pace.deadline)?;
            let total = response.content_length();
            if total.is_some_and(|t| t > max_size) {
                return Err(too_large(&shown, max_size).into());
            }
            let mut body = Vec::new();
            let streamed = stream(
                None,
                &mut response,
                &mut body,
                &mut buf,
                max_size,
                &pace,
                progress,
            );
            match streamed {
                Ok(_) => Ok(body),
                Err(stop) => Err(self.stopped(&shown, total, max_size, pace.deadline, stop)),
            }
        })
    }

    /// The pace a transfer starting now must keep.
    fn pace(&self) -> Pace {
        Pace {
            // A deadline past what an Instant can hold is no deadline.
            deadline: Instant::now().checked_add(self.settings.deadline),
            window: self.settings.read_timeout,
            min_rate: self.settings.min_rate,
        }
    }

    /// The failed attempt a stopped transfer makes: a body broken off or too slow is worth
    /// another attempt, one too large or past the deadline is not.
    fn stopped(
        &self,
        shown: &str,
        total: Option<u64>,
        max_size: u64,
        deadline: Option<Instant>,
        stop: Stop,
    ) -> Failed {
        // A read cut off by the attempt's timeout, which [`Http::send`] set to end at the
        // deadline, is the deadline's doing.
        let stop = match stop {
            Stop::Read { got, .. }
                if deadline.is_some_and(|d| Instant::now() + Duration::from_millis(100) >= d) =>
            {
                Stop::Deadline { got }
            }
            stop => stop,
        };
        match stop {
            Stop::TooLarge => too_large(shown, max_size).into(),
            Stop::Write(e) => Failed::fatal(SourceError::Network {
                url: shown.to_string(),
                reason: format!("cannot keep the body: {e}"),
            }),
            Stop::Read { got, error } => Failed::retry(SourceError::Truncated {
                url: shown.to_string(),
                got,
                expected: total,
                reason: describe(&error),
            }),
            Stop::TooSlow { got, window } => Failed::retry(SourceError::TooSlow {
                url: shown.to_string(),
                got,
                secs: secs(window),
                min_rate: self.settings.min_rate,
            }),
            Stop::Deadline { got } => Failed::fatal(SourceError::Deadline {
                url: shown.to_string(),
                got,
                expected: total,
                secs: secs(self.settings.deadline),
            }),
        }
    }
}

/// `d` in seconds, for messages: whole when it is whole.
fn secs(d: Duration) -> String {
    let s = d.as_secs_f64();
    if s.fract() == 0.0 {
        format!("{s:.0}")
    } else {
        format!("{s:.1}")
    }
}

/// The delay before retry number `attempt` (from 1): `base` doubled each time, at least
/// what the server asked for, at most 30 s.
fn retry_delay(base: Duration, attempt: u32, at_least: Duration) -> Duration {
    base.saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
        .max(at_least)
        .min(Duration::from_secs(30))
}

/// What a transfer must keep up: done by `deadline`, and at least `min_rate` bytes per
/// second over every `window`.
struct Pace {
    deadline: Option<Instant>,
    window: Duration,
    min_rate: u64,
}

/// What went wrong in a failed attempt, without the URL the retry line already shows.
fn reason(error: &SourceError) -> String {
    match error {
        SourceError::Network { reason, .. } => reason.clone(),
        SourceError::Status { status, reason, .. } => {
            format!("the server answered {status} {reason}")
        }
        SourceError::Truncated {
            got,
            expected,
            reason,
            ..
        } => match expected {
            Some(total) => format!("broke off after {got} of {total} bytes ({reason})"),
            None => format!("broke off after {got} bytes ({reason})"),
        },
        SourceError::TooSlow {
            got,
            secs,
            min_rate,
            ..
        } => format!("too slow: {got} bytes in {secs} s, under {min_rate} bytes per second"),
        other => other.to_string(),
    }
}

fn too_large(url: &str, limit: u64) -> SourceError {
    SourceError::TooLarge {
        url: url.to_string(),
        limit,
    }
}

enum Stop {
    TooLarge,
    Read {
        got: u64,
        error: io::Error,
    },
    Write(io::Error),
    /// Fewer than the minimum rate's bytes arrived over `window`.
    TooSlow {
        got: u64,
        window: Duration,
    },
    Deadline {
        got: u64,
    },
}

/// Copies the body into `out` through a [`HashReader`]; returns the hex digest and size.
/// Stops past `max_size` bytes, past the deadline, or when a window of the pace brought
/// too few bytes: each read waits at most the read timeout, so a trickle of single bytes
/// cannot hold the transfer open for ever.
fn stream(
    expected_len: Option<u64>,
    body: &mut impl Read,
    out: &mut impl Write,
    buf: &mut [u8],
    max_size: u64,
    pace: &Pace,
    progress: &dyn Progress,
) -> Result<(String, u64), Stop> {
    let mut reader = HashReader::background(body, expected_len.unwrap_or(0));
    let mut window_start = Instant::now();
    let mut window_bytes = 0u64;
    let min_in_window = (pace.min_rate as f64 * pace.window.as_secs_f64()) as u64;
    loop {
        let n = match reader.read(buf) {
            Ok(0) => break,
            Ok(n) => n,
            Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
            Err(error) => {
                return Err(Stop::Read {
                    got: reader.len(),
                    error,
                });
            }
        };
        if reader.len() > max_size {
            return Err(Stop::TooLarge);
        }
        // `n` is what `read` returned: at most `buf.len()`.
        out.write_all(&buf[..n]).map_err(Stop::Write)?;
        progress.advance(n as u64);
        let now = Instant::now();
        if pace.deadline.is_some_and(|d| now >= d) {
            return Err(Stop::Deadline { got: reader.len() });
        }
        window_bytes += n as u64;
        let elapsed = now.duration_since(window_start);
        if elapsed >= pace.window {
            if window_bytes < min_in_window {
                return Err(Stop::TooSlow {
                    got: window_bytes,
                    window: elapsed,
                });
            }
            window_start = now;
            window_bytes = 0;
        }
    }
    Ok(reader.finish())
}

/// `Retry-After` in seconds, when the server sent one.
fn retry_after(response: &Response) -> Duration {
    response
        .headers()
        .get(reqwest::header::RETRY_AFTER)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.trim().parse::<u64>().ok())
        .map(Duration::from_secs)
        .unwrap_or(Duration::ZERO)
}

/// The errors behind `e`, looking inside `io::Error` wrappers, whose `source` skips them.
fn chain<'a>(e: &'a (dyn StdError + 'static)) -> Vec<&'a (dyn StdError + 'static)> {
    let mut out = Vec::new();
    let mut current = Some(e);
    while let Some(err) = current {
        out.push(err);
        current = match err.downcast_ref::<io::Error>().and_then(|io| io.get_ref()) {
            Some(inner) => Some(inner as &(dyn StdError + 'static)),
            None => err.source(),
        };
    }
    out
}

/// Sorts a transport error into refusals (redirects, certificates) and retryable failures.
fn classify(url: &Url, e: &reqwest::Error) -> Failed {
    let errors = chain(e);
    if let Some(r) = errors
        .iter()
        .find_map(|x| x.downcast_ref::<RedirectRefused>())
    {
        return Failed::fatal(SourceError::Redirect {
            url: redact(url),
            reason: r.0.clone(),
        });
    }
    if errors
        .iter()
        .any(|x| x.downcast_ref::<rustls::Error>().is_some())
    {
        return Failed::fatal(SourceError::Tls {
            url: redact(url),
            reason: describe(e),
        });
    }
    // No address for the name, nothing listening, or no answer to the connection at all
    // within the connect timeout: asking again (or for another file) will not help.
    if e.is_connect() {
        return Failed::fatal(SourceError::Unreachable {
            host: host_of(url),
            reason: describe(e),
        });
    }
    Failed::retry(SourceError::Network {
        url: redact(url),
        reason: describe(e),
    })
}

/// `host[:port]` of `url`, as messages name it.
fn host_of(url: &Url) -> String {
    match (url.host_str(), url.port()) {
        (Some(h), Some(p)) => format!("{h}:{p}"),
        (Some(h), None) => h.to_string(),
        _ => String::new(),
    }
}

/// A short reason for a transport error, without the URL (which may hold credentials).
fn describe(e: &(dyn StdError + 'static)) -> String {
    let errors = chain(e);
    let timed_out = errors.iter().any(|x| {
        x.downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_timeout)
            || x.downcast_ref::<io::Error>()
                .is_some_and(|io| io.kind() == io::ErrorKind::TimedOut)
    });
    if timed_out {
        return "timed out".into();
    }
    let deepest = errors
        .iter()
        .rev()
        .map(|x| match x.downcast_ref::<reqwest::Error>() {
            Some(r) => r.to_string(),
            None => x.to_string(),
        })
        .find(|m| !m.is_empty() && !m.contains("://"))
        .unwrap_or_else(|| "the connection failed".into());
    let connect = errors.iter().any(|x| {
        x.downcast_ref::<reqwest::Error>()
            .is_some_and(reqwest::Error::is_connect)
    });
    if connect && !deepest.to_ascii_lowercase().contains("connect") {
        format!("cannot connect: {deepest}")
    } else {
        deepest
    }
}

#[cfg(test)]
mod tests {
    /// A [`Progress`] that ignores everything.
    struct Silent;

    impl Progress for Silent {}

    use super::*;
    use crate::source::url_policy::parse_url;

    #[test]
    fn only_https_or_loopback_http() {
        let ok = [
            "https://example.com/a.zip",
            "http://127.0.0.1:8080/a.zip",
            "http://127.1.2.3/a.zip",
            "http://[::1]:9/a.zip",
            "http://localhost/a.zip",
        ];
        for u in ok {
            assert!(check_url(&Url::parse(u).unwrap()).is_ok(), "{u}");
        }
        let refused = [
            "http://example.com/a.zip",
            "http://10.0.0.1/a.zip",
            "ftp://127.0.0.1/a.zip",
            "file:///tmp/a.zip",
        ];
        for u in refused {
            assert!(check_url(&Url::parse(u).unwrap()).is_err(), "{u}");
        }
    }

    #[test]
    fn settings_from_the_environment_are_checked() {
        use std::collections::HashMap;
        use std::ffi::OsString;
        let with = |pairs: &[(&str, &str)]| {
            let vars: HashMap<String, OsString> = pairs
                .iter()
                .map(|(k, v)| (k.to_string(), OsString::from(v)))
                .collect();
            Settings::from_vars(&move |k| vars.get(k).cloned())
        };
        assert_eq!(with(&[]), Ok(Settings::default()));
        let s = with(&[
            (TIMEOUT_VAR, " 2.5 "),
            (RETRY_BASE_VAR, "0"),
            (DEADLINE_VAR, ""),
            (MIN_RATE_VAR, "0"),
        ])
        .unwrap();
        assert_eq!(s.read_timeout, Duration::from_millis(2500));
        assert_eq!(s.retry_base, Some(Duration::ZERO));
        assert_eq!(s.deadline, Settings::default().deadline);
        assert_eq!(s.min_rate, 0);
        for (var, bad) in [
            (TIMEOUT_VAR, "1e20"),
            (TIMEOUT_VAR, "-1"),
            (TIMEOUT_VAR, "NaN"),
            (TIMEOUT_VAR, "inf"),
            (TIMEOUT_VAR, "0.01"),
            (RETRY_BASE_VAR, "1e300"),
            (RETRY_BASE_VAR, "-0.5"),
            (DEADLINE_VAR, "x"),
            (MIN_RATE_VAR, "1e10"),
        ] {
            let e = with(&[(var, bad)]).unwrap_err();
            assert_eq!(e.var(), var);
            assert!(e.to_string().contains(bad), "{e}");
        }
        let e = with(&[(TIMEOUT_VAR, &"é\u{7}".repeat(30))]).unwrap_err();
        assert!(e.to_string().contains("\\u{7}…"), "{e}");
    }

    #[test]
    fn a_trickle_is_stopped_by_the_pace() {
        struct Trickle(u32);
        impl Read for Trickle {
            fn read(&mut self, buf: &mut [u8]) -> io::Result<usize> {
                if self.0 == 0 {
                    return Ok(0);
                }
                self.0 -= 1;
                std::thread::sleep(Duration::from_millis(20));
                buf[0] = b'x';
                Ok(1)
            }
        }
        let pace = |min_rate, deadline: Duration| Pace {
            deadline: Instant::now().checked_add(deadline),
            window: Duration::from_millis(50),
            min_rate,
        };
        let mut buf = [0u8; 16];
        let run = |pace: Pace, buf: &mut [u8]| {
            stream(
                None,
                &mut Trickle(10),
                &mut Vec::new(),
                buf,
                100,
                &pace,
                &Silent,
            )
        };
        let slow = run(pace(1000, Duration::from_secs(60)), &mut buf);
        assert!(matches!(slow, Err(Stop::TooSlow { .. })));
        let late = run(pace(0, Duration::from_millis(60)), &mut buf);
        assert!(matches!(late, Err(Stop::Deadline { got: 3.. })));
        let fine = run(pace(0, Duration::from_secs(60)), &mut buf);
        assert!(matches!(fine, Ok((_, 10))));
    }

    #[test]
    fn credentials_are_not_shown() {
        let u = Url::parse("https://user:secret@example.com/a.zip?x=1").unwrap();
        assert_eq!(redact(&u), "https://example.com/a.zip?x=1");
        assert_eq!(
            redact_text("https://user:secret@exa mple.com/a"),
            "https://exa mple.com/a"
        );
        let e = parse_url("https://user:secret@exa mple.com/").unwrap_err();
        assert!(!e.to_string().contains("secret"));
    }
}
