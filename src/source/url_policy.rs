//! URL policy, in one place: https only (plain http between loopback addresses alone),
//! which redirects may be followed, and how a URL is shown without its credentials.

use url::{Host, Url};

use super::error::SourceError;

/// Whether `url` names this machine: 127.0.0.0/8, `::1` or `localhost`.
pub(crate) fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(Host::Ipv4(ip)) => ip.is_loopback(),
        Some(Host::Ipv6(ip)) => ip.is_loopback(),
        Some(Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// Refuses anything but `https://`, and `http://` to a loopback address.
pub(crate) fn check_url(url: &Url) -> Result<(), SourceError> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        _ => Err(SourceError::Insecure { url: redact(url) }),
    }
}

/// Checks a git repository URL against the same rule as downloads: encrypted transports
/// (`https://`, `ssh://`, `git@host:path`) or a local repository (`file://`, a path);
/// plain `http://` and `git://` only to a loopback address. Returns whether the URL uses
/// an unencrypted transport, which `git` must then be allowed.
pub(crate) fn check_git_url(text: &str) -> Result<bool, SourceError> {
    let refused = || SourceError::InsecureGit {
        url: redact_git(text),
    };
    let Some((scheme, _)) = text.split_once("://") else {
        // `git@host:path` (ssh) or a local path; never git's `transport::address` form.
        return if text.contains("::") {
            Err(refused())
        } else {
            Ok(false)
        };
    };
    match scheme.to_ascii_lowercase().as_str() {
        "https" | "ssh" | "git+ssh" | "ssh+git" | "file" => Ok(false),
        // `git://` is not a scheme the URL standard knows, so its host is never parsed as
        // an address: an opaque host that reads as a loopback address counts as one.
        "http" | "git" => match Url::parse(text) {
            Ok(url)
                if is_loopback(&url)
                    || matches!(url.host(), Some(Host::Domain(d))
                        if d.parse::<std::net::IpAddr>().is_ok_and(|ip| ip.is_loopback())) =>
            {
                Ok(true)
            }
            _ => Err(refused()),
        },
        _ => Err(refused()),
    }
}

/// `url` as it may be shown or recorded: without user name and password.
pub(crate) fn redact(url: &Url) -> String {
    let mut shown = url.clone();
    let _ = shown.set_username("");
    let _ = shown.set_password(None);
    shown.to_string()
}

/// Parses a URL argument; the error message never repeats credentials.
pub(crate) fn parse_url(text: &str) -> Result<Url, SourceError> {
    Url::parse(text).map_err(|e| SourceError::BadUrl {
        url: redact_text(text),
        message: e.to_string(),
    })
}

/// Drops a `user:password@` part from text that did not parse as a URL.
pub(crate) fn redact_text(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_string();
    };
    // Offsets of ASCII characters found in `rest` (and its end) are char boundaries.
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    match rest[..end].rfind('@') {
        Some(at) => format!("{scheme}://{}", &rest[at + 1..]),
        None => text.to_string(),
    }
}

/// A git repository URL as it may be recorded and shown: a password is never kept, and
/// neither is a user name on https (where it is a token); `ssh://git@host/…` and
/// `git@host:…` keep their user, which names the account, not a secret.
pub(crate) fn redact_git(text: &str) -> String {
    let Some((scheme, rest)) = text.split_once("://") else {
        return text.to_string();
    };
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let Some(at) = rest[..end].rfind('@') else {
        return text.to_string();
    };
    let user = &rest[..at];
    if scheme.ends_with("ssh") && !user.contains(':') {
        return text.to_string();
    }
    format!("{scheme}://{}", &rest[at + 1..])
}

/// Whether a redirect from `previous` to `next` may be followed: to https, or plain http
/// only while the whole chain stays on this machine, so a remote server cannot steer a
/// download to a local service or downgrade it.
pub(crate) fn redirect_allowed(previous: Option<&Url>, next: &Url) -> bool {
    let from_loopback = previous.is_some_and(is_loopback);
    next.scheme() == "https" || (next.scheme() == "http" && is_loopback(next) && from_loopback)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn git_repositories_over_plain_transports_only_on_loopback() {
        for ok in [
            "https://example.test/r.git",
            "ssh://git@example.test/r.git",
            "git@example.test:r.git",
            "file:///srv/r.git",
            "/srv/r.git",
        ] {
            assert!(!check_git_url(ok).unwrap(), "{ok}");
        }
        for plain in [
            "http://127.0.0.1:9/r.git",
            "git://localhost/r.git",
            "git://127.0.0.1:9418/r.git",
            "git://[::1]/r.git",
        ] {
            assert!(check_git_url(plain).unwrap(), "{plain}");
        }
        for bad in [
            "http://example.test/r.git",
            "git://10.9.9.9/r.git",
            "ext::sh -c id",
            "ftp://example.test/r.git",
        ] {
            assert!(check_git_url(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn plain_http_only_between_loopback_addresses() {
        let local = Url::parse("http://127.0.0.1:9/a").unwrap();
        let remote = Url::parse("http://example.test/a").unwrap();
        let secure = Url::parse("https://example.test/a").unwrap();
        let file = Url::parse("file:///etc/passwd").unwrap();
        assert!(check_url(&local).is_ok() && check_url(&secure).is_ok());
        assert!(check_url(&remote).is_err() && check_url(&file).is_err());
        assert!(redirect_allowed(Some(&local), &local));
        assert!(!redirect_allowed(Some(&secure), &local));
        assert!(!redirect_allowed(Some(&local), &file));
        assert!(redirect_allowed(Some(&local), &secure));
        assert_eq!(
            redact(&Url::parse("https://u:p@x.test/a").unwrap()),
            "https://x.test/a"
        );
    }
}
