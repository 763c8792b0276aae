//! `application/x-www-form-urlencoded` request bodies as RFC 6749 reads them.

use crate::error::OAuthError;

pub struct Form {
    params: Vec<(String, String)>,
}

impl Form {
    pub fn parse(content_type: Option<&str>, body: &[u8]) -> Result<Form, OAuthError> {
        let media_type = content_type
            .and_then(|ct| ct.split(';').next())
            .map(|t| t.trim().to_ascii_lowercase());
        if media_type.as_deref() != Some("application/x-www-form-urlencoded") {
            return Err(OAuthError::invalid_request(
                "the body must be application/x-www-form-urlencoded",
            ));
        }
        Ok(Form::from_pairs(body))
    }

    /// The form body of a request, whatever its declared content type says.
    pub fn from_request(req: &actix_web::HttpRequest, body: &[u8]) -> Result<Form, OAuthError> {
        let content_type = req
            .headers()
            .get(actix_web::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok());
        Form::parse(content_type, body)
    }

    /// The parameters of a query string.
    pub fn from_query(query: &str) -> Form {
        Form::from_pairs(query.as_bytes())
    }

    fn from_pairs(encoded: &[u8]) -> Form {
        let params = url::form_urlencoded::parse(encoded)
            .map(|(k, v)| (k.into_owned(), v.into_owned()))
            // §3.1: a parameter sent without a value is treated as omitted.
            .filter(|(_, v)| !v.is_empty())
            .collect();
        Form { params }
    }

    /// A parameter that may appear at most once (RFC 6749 §3.1, §3.2).
    pub fn single<'a>(&'a self, name: &str) -> Result<Option<&'a str>, OAuthError> {
        match self.all(name).as_slice() {
            [] => Ok(None),
            [value] => Ok(Some(value)),
            _ => Err(OAuthError::invalid_request(format!(
                "parameter {name} is repeated"
            ))),
        }
    }

    pub fn required<'a>(&'a self, name: &str) -> Result<&'a str, OAuthError> {
        self.single(name)?
            .ok_or_else(|| OAuthError::invalid_request(format!("parameter {name} is missing")))
    }

    pub fn all<'a>(&'a self, name: &str) -> Vec<&'a str> {
        self.params
            .iter()
            .filter(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FORM: Option<&str> = Some("application/x-www-form-urlencoded; charset=UTF-8");

    #[test]
    fn parses_and_refuses_repeats() {
        let form = Form::parse(FORM, b"a=1&b=2&b=3&c=&resource=x&resource=y").unwrap();
        assert_eq!(form.single("a").unwrap(), Some("1"));
        assert!(form.single("b").is_err());
        assert_eq!(form.single("c").unwrap(), None);
        assert_eq!(form.all("resource").len(), 2);
        assert!(form.required("missing").is_err());
    }

    #[test]
    fn refuses_other_media_types() {
        assert!(Form::parse(Some("application/json"), b"{}").is_err());
        assert!(Form::parse(None, b"a=1").is_err());
    }
}
