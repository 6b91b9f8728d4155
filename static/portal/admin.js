// The admin's date-time widgets each add "You are N hours ahead of server time": one note is enough.
window.addEventListener("load", function () {
  var notes = document.querySelectorAll(".timezonewarning");
  for (var i = 1; i < notes.length; i++) { notes[i].remove(); }
});
