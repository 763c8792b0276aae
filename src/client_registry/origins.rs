//! A client's allowed web origins: what a browser sends in `Origin`, checked and canonical.

use super::ClientError;
use crate::config::is_loopback_host;

/// A web origin as a browser sends it in `Origin`: `scheme://host[:port]`, nothing more, https
/// unless loopback. Returns it in its canonical form (lower-case host, no default port).
pub fn check_origin(origin: &str) -> Result<String, ClientError> {
    let invalid = |why: &str| ClientError::Invalid(format!("origin {origin:?} {why}"));
    let url = url::Url::parse(origin).map_err(|_| invalid("is not scheme://host[:port]"))?;
    if !url.origin().is_tuple()
        || url.path() != "/"
        || url.query().is_some()
        || url.fragment().is_some()
        || !url.username().is_empty()
        || url.password().is_some()
    {
        return Err(invalid(
            "must be scheme://host[:port], with no path, query or fragment",
        ));
    }
    let canonical = url.origin().ascii_serialization();
    match url.scheme() {
        "https" => Ok(canonical),
        "http" if is_loopback_host(&url) => Ok(canonical),
        _ => Err(invalid("must use https (http only on loopback)")),
    }
}

/// The origins in canonical form, each once, in the order given.
pub(super) fn canonical_origins(origins: &[String]) -> Result<Vec<String>, ClientError> {
    let mut canonical: Vec<String> = Vec::with_capacity(origins.len());
    for origin in origins {
        let origin = check_origin(origin)?;
        if !canonical.contains(&origin) {
            canonical.push(origin);
        }
    }
    Ok(canonical)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origin_rules() {
        let ok = |o: &str| check_origin(o).unwrap();
        assert_eq!(ok("https://app.example.com"), "https://app.example.com");
        assert_eq!(ok("https://App.Example.com/"), "https://app.example.com");
        assert_eq!(
            ok("https://app.example.com:8443"),
            "https://app.example.com:8443"
        );
        assert_eq!(ok("https://app.example.com:443"), "https://app.example.com");
        assert_eq!(ok("http://127.0.0.1:5173"), "http://127.0.0.1:5173");
        assert_eq!(ok("http://localhost:3000"), "http://localhost:3000");
        for bad in [
            "http://app.example.com",
            "https://app.example.com/cb",
            "https://app.example.com?x=1",
            "https://app.example.com#x",
            "https://user@app.example.com",
            "app.example.com",
            "null",
            "*",
            "file:///tmp",
            "data:text/html,x",
        ] {
            assert!(check_origin(bad).is_err(), "{bad}");
        }
    }
}
