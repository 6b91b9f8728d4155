// A read-only link (the calendar feed) is selected whole on click, ready to copy. A file, not an
// onclick attribute, as the Content-Security-Policy allows no inline script.
document.addEventListener("click", (event) => {
  const field = event.target.closest("[data-select-on-click]");
  if (field) field.select();
});
