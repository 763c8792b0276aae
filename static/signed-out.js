// Front-Channel Logout: the signed-out page loads each relying party's logout URI in a hidden
// iframe. Once the page has loaded (which waits for every iframe), or after a few seconds if
// one hangs, go on to where the relying party asked to be returned. Without this script the
// page's link does the same.
(function () {
  var link = document.getElementById("signed-out-continue");
  if (!link) {
    return;
  }
  var gone = false;
  function go() {
    if (!gone) {
      gone = true;
      window.location.assign(link.href);
    }
  }
  window.addEventListener("load", go);
  window.setTimeout(go, 5000);
})();
