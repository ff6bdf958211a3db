/* The initiative form, sent with its files while a bar shows how much is sent (a slow commune line, a 20 MB
   scan). Without JavaScript the form posts as usual; with it, the same POST goes by XMLHttpRequest and the
   answer (the dossier's page after the redirect, or the form with its errors) replaces the page. */
(function () {
  "use strict";
  var box = document.getElementById("upload-progress");
  var form = box && box.closest("form");
  if (!form || !window.XMLHttpRequest || !window.FormData) { return; }
  var bar = document.getElementById("upload-bar");
  var status = document.getElementById("upload-status");
  var sending = false;

  function say(text) { status.textContent = text; }

  form.addEventListener("submit", function (event) {
    var files = form.querySelector("input[type=file]");
    if (!files || !files.files || files.files.length === 0) { return; }  // nothing heavy: the usual post
    event.preventDefault();
    if (sending) { return; }
    sending = true;
    var button = form.querySelector("button[type=submit]");
    if (button) { button.disabled = true; }
    box.hidden = false;
    say("Đang gửi… (Sending…)");
    var xhr = new XMLHttpRequest();
    xhr.open("POST", form.action);
    xhr.upload.addEventListener("progress", function (e) {
      if (e.lengthComputable) {
        var percent = Math.round(100 * e.loaded / e.total);
        bar.value = percent;
        say("Đã gửi " + percent + "% (" + Math.round(e.loaded / 1024) + " / " + Math.round(e.total / 1024) + " KB)");
      }
    });
    xhr.upload.addEventListener("load", function () { bar.value = 100; say("Đã gửi xong, đang lưu hồ sơ… (Saving…)"); });
    xhr.addEventListener("load", function () {
      if (xhr.status < 400 && xhr.responseURL && xhr.responseURL !== form.action) {
        window.location.assign(xhr.responseURL);  // the dossier's page: a GET the browser may keep in history
        return;
      }
      document.open();
      document.write(xhr.responseText);  // the form again, every value kept, the errors beside the fields
      document.close();
    });
    xhr.addEventListener("error", function () {
      sending = false;
      if (button) { button.disabled = false; }
      say("Mất kết nối, hồ sơ chưa được gửi. Bấm «Nộp» lại khi có mạng; không có gì bị nộp hai lần. " +
          "(Connection lost: nothing was recorded twice; submit again.)");
    });
    xhr.send(new FormData(form));
  });
}());
