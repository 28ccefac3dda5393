// Behaviour that used to sit in inline handlers (onchange=, onclick=): the
// Content-Security-Policy allows no inline script, so it lives here.
document.addEventListener("change", function (event) {
  var el = event.target;
  if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
});
