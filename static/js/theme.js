// Dark mode from the phone's setting (prefers-color-scheme), through Bootstrap 5.3's
// data-bs-theme. Loaded in <head>, before the page draws, so it never flashes light first.
(function () {
  var query = window.matchMedia ? window.matchMedia("(prefers-color-scheme: dark)") : null;
  function apply() {
    document.documentElement.setAttribute("data-bs-theme", query && query.matches ? "dark" : "light");
  }
  apply();
  if (query && query.addEventListener) query.addEventListener("change", apply);
})();
