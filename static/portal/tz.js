// The browser's time zone, for pages of a viewer who chose none (accounts/middleware.py).
// A file, not an inline script: the Content-Security-Policy allows scripts from 'self' only.
(function () {
  try {
    var zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    if (zone && document.cookie.indexOf("tz=" + encodeURIComponent(zone)) === -1) {
      document.cookie = "tz=" + encodeURIComponent(zone) + "; path=/; max-age=31536000; SameSite=Lax";
    }
  } catch (e) { /* no Intl: times stay in the default zone */ }
})();
