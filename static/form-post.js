// OAuth 2.0 Form Post Response Mode: send the authorization response on without a click. The
// page works without this script too (its button submits the same form).
document.getElementById("form-post").submit();
