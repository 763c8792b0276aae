// A single-page app on oidc-client-ts's UserManager: a public client with PKCE (the library's
// default), every token, userinfo and revocation request made by the browser cross-origin.
"use strict";
const manager = new oidc.UserManager({
  authority: "__ISSUER__",
  client_id: "__CLIENT_ID__",
  redirect_uri: location.origin + "/callback.html",
  post_logout_redirect_uri: location.origin + "/logged-out.html",
  response_type: "code",
  scope: "openid profile offline_access",
  loadUserInfo: true,
  automaticSilentRenew: false,
});
const show = (id, value) => {
  document.getElementById(id).value = typeof value === "string" ? value : JSON.stringify(value);
};
const guard = (work) => () => work().catch((e) => show("error", "error: " + (e && e.message || e)));

async function userinfo(accessToken) {
  const endpoint = await manager.metadataService.getUserInfoEndpoint();
  const response = await fetch(endpoint, { headers: { Authorization: "Bearer " + accessToken } });
  return {
    status: response.status,
    www_authenticate: response.headers.get("WWW-Authenticate"),
    body: response.ok ? await response.json() : null,
  };
}

async function page() {
  if (location.pathname === "/callback.html") {
    await manager.signinCallback();
    location.replace("/app.html");
    return;
  }
  const user = await manager.getUser();
  if (user) {
    show("user", { sub: user.profile.sub, name: user.profile.name, has_refresh_token: !!user.refresh_token });
  }
  document.getElementById("signin").onclick = guard(() => manager.signinRedirect());
  document.getElementById("userinfo").onclick = guard(async () => {
    const user = await manager.getUser();
    show("userinfo-out", await userinfo(user.access_token));
  });
  document.getElementById("renew").onclick = guard(async () => {
    const first = await manager.getUser();
    const second = await manager.signinSilent();
    const third = await manager.signinSilent();
    const info = await userinfo(third.access_token);
    show("renew-out", {
      refresh_tokens_rotated: new Set([first.refresh_token, second.refresh_token, third.refresh_token]).size === 3,
      access_tokens_new: new Set([first.access_token, second.access_token, third.access_token]).size === 3,
      sub_kept: first.profile.sub === third.profile.sub,
      first_refresh_token: first.refresh_token,
      userinfo: info,
    });
  });
  document.getElementById("revoke").onclick = guard(async () => {
    const user = await manager.getUser();
    await manager.revokeTokens(["access_token"]);
    show("revoke-out", await userinfo(user.access_token));
  });
  document.getElementById("signout").onclick = guard(() => manager.signoutRedirect());
}
document.addEventListener("DOMContentLoaded", guard(page));
