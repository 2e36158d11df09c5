//! Byte sizes on the command line: `--max-size 200M`, `1G`, `512K`, or plain bytes.

/// Parses a size with an optional binary unit (`K`, `M`, `G`, `T`, with or without `B` or
/// `iB`, any case): `200M` is 200 MiB; a bare number is bytes.
pub(crate) fn parse_size(text: &str) -> Result<u64, String> {
    parse_size::Config::new()
        .with_binary()
        .parse_size(text.trim())
        .map_err(|e| format!("{e}: expected bytes or a size such as 512K, 200M or 1G"))
}

#[cfg(test)]
mod tests {
    use super::parse_size;

    #[test]
    fn plain_numbers_are_bytes() {
        assert_eq!(parse_size("134217728"), Ok(134_217_728));
        assert_eq!(parse_size("0"), Ok(0));
    }

    #[test]
    fn units_are_powers_of_1024() {
        assert_eq!(parse_size("512K"), Ok(512 << 10));
        assert_eq!(parse_size("200M"), Ok(200 << 20));
        assert_eq!(parse_size("1G"), Ok(1 << 30));
        assert_eq!(parse_size("1g"), Ok(1 << 30));
        assert_eq!(parse_size("2GiB"), Ok(2 << 30));
        assert_eq!(parse_size("3MB"), Ok(3 << 20));
        assert_eq!(parse_size("1.5K"), Ok(1536));
    }

    #[test]
    fn nonsense_is_refused() {
        assert!(parse_size("").is_err());
        assert!(parse_size("big").is_err());
        assert!(parse_size("-1M").is_err());
        assert!(parse_size("12Q").is_err());
    }
}
