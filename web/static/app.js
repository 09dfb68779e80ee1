// The app's only script (the pages work without it): match navigation on the report page,
// and folding the filters away above the results on narrow screens.
"use strict";

document.addEventListener("DOMContentLoaded", function () {
  var filters = document.querySelector("details.filters");
  if (filters && window.matchMedia("(max-width: 760px)").matches) {
    filters.open = false;
  }

  var text = document.getElementById("report-text");
  var counter = document.getElementById("match-count");
  var previous = document.getElementById("prev-match");
  var next = document.getElementById("next-match");
  if (!text || !counter || !previous || !next) {
    return;
  }
  var marks = text.querySelectorAll("mark");
  var current = -1;
  previous.hidden = false;
  next.hidden = false;

  function show(index) {
    if (!marks.length) {
      return;
    }
    if (current >= 0) {
      marks[current].classList.remove("current");
    }
    current = (index + marks.length) % marks.length;
    var mark = marks[current];
    mark.classList.add("current");
    mark.scrollIntoView({ block: "center" });
    counter.textContent = "第 " + (current + 1) + " 处，共 " + marks.length + " 处";
  }

  previous.addEventListener("click", function () { show(current - 1); });
  next.addEventListener("click", function () { show(current + 1); });
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey ||
        (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName))) {
      return;
    }
    if (event.key === "n") { show(current + 1); }
    if (event.key === "p") { show(current - 1); }
  });
});
