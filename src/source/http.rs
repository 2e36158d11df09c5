//! Fetching over HTTP: the one place that talks to the network. HTTPS only (plain HTTP for
//! loopback addresses alone), bounded redirects, timeouts, retries with backoff, and bodies
//! streamed into the cache while hashed, never held whole in memory.

use std::cell::OnceCell;
use std::error::Error as StdError;
use std::io::{self, Read, Write};
use std::time::Duration;

use reqwest::StatusCode;
use reqwest::blocking::{Client, Response};
use reqwest::redirect;
use url::{Host, Url};

use super::SourceError;
use super::cache::{Cache, CachedArchive, HashReader};

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

/// A [`Progress`] that ignores everything.
pub struct Silent;

impl Progress for Silent {}

/// Timeouts and retry policy.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settings {
    pub connect_timeout: Duration,
    /// Longest wait for the response headers, and for each read of the body: a slow but
    /// steady transfer is never cut off, a stalled one is.
    pub read_timeout: Duration,
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
            attempts: 4,
            retry_base: None,
            max_redirects: 5,
        }
    }
}

impl Settings {
    /// The defaults, with `SKILLPACK_HTTP_TIMEOUT` (seconds, for the read timeout) and
    /// `SKILLPACK_RETRY_BASE_MS` applied.
    pub fn from_env() -> Settings {
        let number = |var: &str| {
            std::env::var(var)
                .ok()
                .and_then(|v| v.trim().parse::<f64>().ok())
                .filter(|v| v.is_finite() && *v >= 0.0)
        };
        let mut s = Settings::default();
        if let Some(secs) = number("SKILLPACK_HTTP_TIMEOUT").filter(|v| *v > 0.0) {
            s.read_timeout = Duration::from_secs_f64(secs);
        }
        if let Some(ms) = number("SKILLPACK_RETRY_BASE_MS") {
            s.retry_base = Some(Duration::from_secs_f64(ms / 1000.0));
        }
        s
    }
}

/// Whether `url` names this machine: 127.0.0.0/8, `::1` or `localhost`.
pub fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Refuses anything but `https://`, and `http://` to a loopback address.
pub fn check_url(url: &Url) -> Result<(), SourceError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        _ => Err(SourceError::Insecure { url: redact(url) }),
    }
}

/// `url` as it may be shown or recorded: without user name and password.
pub fn redact(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Parses a URL argument; the error message never repeats credentials.
pub fn parse_url(text: &str) -> Result<Url, SourceError> {
    Url::parse(text).map_err(|e| SourceError::BadUrl {
        url: redact_text(text),
        message: e.to_string(),
    })
}

/// Drops a `user:password@` part from text that did not parse as a URL.
fn redact_text(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => text.to_string(),
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
        // Plain HTTP stays allowed only while the whole chain is on this machine, so a
        // remote server cannot steer a download to a local service or downgrade it.
        let from_loopback = attempt.previous().last().is_some_and(is_loopback);
        let allowed = next.scheme() == "https"
            || (next.scheme() == "http" && is_loopback(next) && from_loopback);
        if allowed {
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

/// The HTTP client: built on first use, with the platform's certificate verifier and the
/// ring crypto provider. Loopback requests bypass any proxy.
pub struct Http {
    settings: Settings,
    proxied: OnceCell<Client>,
    direct: OnceCell<Client>,
}

impl Http {
    pub fn new(settings: Settings) -> Http {
        Http {
            settings,
            proxied: OnceCell::new(),
            direct: OnceCell::new(),
        }
    }

    fn client(&self, url: &Url) -> Result<&Client, SourceError> {
        let direct = is_loopback(url);
        let cell = if direct { &self.direct } else { &self.proxied };
        if let Some(c) = cell.get() {
            return Ok(c);
        }
        // Several providers may be compiled in by dependencies; ring is the one chosen
        // here, and a second install (another client in this process) is harmless.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let mut builder = Client::builder()
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
        progress: &dyn Progress,
        mut once: impl FnMut() -> Result<T, Failed>,
    ) -> Result<T, SourceError> {
        let attempts = self.settings.attempts.max(1);
        let base = self.settings.retry_base.unwrap_or(if is_loopback(url) {
            Duration::from_millis(10)
        } else {
            Duration::from_millis(500)
        });
        let mut attempt = 1;
        loop {
            match once() {
                Ok(v) => return Ok(v),
                Err(Failed {
                    error,
                    retry: Some(at_least),
                }) if attempt < attempts => {
                    let delay = base
                        .saturating_mul(2u32.saturating_pow(attempt - 1))
                        .max(at_least)
                        .min(Duration::from_secs(30));
                    progress.retry(&redact(url), attempt, attempts, delay, &reason(&error));
                    std::thread::sleep(delay);
                    attempt += 1;
                }
                Err(Failed {
                    error,
                    retry: Some(_),
                }) if attempts > 1 => {
                    return Err(SourceError::GaveUp {
                        attempts,
                        source: Box::new(error),
                    });
                }
                Err(Failed { error, .. }) => return Err(error),
            }
        }
    }

    /// Sends one GET and accepts only a 2xx answer.
    fn send(&self, url: &Url) -> Result<Response, Failed> {
        let response = self
            .client(url)?
            .get(url.clone())
            .send()
            .map_err(|e| classify(url, &e))?;
        let status = response.status();
        if status.is_success() {
            return Ok(response);
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
    /// hashed, refused once it passes `max_size` bytes, and renamed to `<sha256>.zip` only
    /// when whole and, if `expected` is given, equal to it. A failed or interrupted
    /// download leaves nothing in the cache that a later run keeps.
    pub fn download(
        &self,
        url: &Url,
        cache: &Cache,
        max_size: u64,
        expected: Option<&str>,
        progress: &dyn Progress,
    ) -> Result<CachedArchive, SourceError> {
        check_url(url)?;
        let shown = redact(url);
        let mut buf = vec![0u8; 64 * 1024];
        self.with_retries(url, progress, || {
            let mut response = self.send(url)?;
            let total = response.content_length();
            if total.is_some_and(|t| t > max_size) {
                return Err(too_large(&shown, max_size).into());
            }
            let mut part = cache.partial()?;
            progress.start(&shown, total);
            let streamed = stream(&mut response, &mut part, &mut buf, max_size, progress);
            progress.finish();
            let (sha256, size) = match streamed {
                Ok(done) => done,
                Err(Stop::TooLarge) => return Err(too_large(&shown, max_size).into()),
                Err(Stop::Write(e)) => {
                    return Err(SourceError::io("cannot write", part.path(), e).into());
                }
                Err(Stop::Read { got, error }) => {
                    return Err(Failed::retry(SourceError::Truncated {
                        url: shown.clone(),
                        got,
                        expected: total,
                        reason: describe(&error),
                    }));
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
            if let Some(expected) = expected {
                let expected = expected.trim_start_matches("sha256:").to_ascii_lowercase();
                if expected != sha256 {
                    return Err(SourceError::ArchiveDigest {
                        url: shown.clone(),
                        expected,
                        actual: sha256,
                    }
                    .into());
                }
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
        self.with_retries(url, progress, || {
            let response = self.send(url)?;
            let total = response.content_length();
            let mut body = Vec::new();
            let read = response.take(max_size + 1).read_to_end(&mut body);
            if let Err(error) = read {
                return Err(Failed::retry(SourceError::Truncated {
                    url: shown.clone(),
                    got: body.len() as u64,
                    expected: total,
                    reason: describe(&error),
                }));
            }
            if body.len() as u64 > max_size {
                return Err(too_large(&shown, max_size).into());
            }
            Ok(body)
        })
    }
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
    Read { got: u64, error: io::Error },
    Write(io::Error),
}

/// Copies the body into `out` through a [`HashReader`]; returns the hex digest and size.
fn stream(
    body: &mut impl Read,
    out: &mut impl Write,
    buf: &mut [u8],
    max_size: u64,
    progress: &dyn Progress,
) -> Result<(String, u64), Stop> {
    let mut reader = HashReader::new(body);
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
        out.write_all(&buf[..n]).map_err(Stop::Write)?;
        progress.advance(n as u64);
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
    Failed::retry(SourceError::Network {
        url: redact(url),
        reason: describe(e),
    })
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
    use super::*;

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
