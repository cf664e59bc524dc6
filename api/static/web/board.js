// The pipeline board's drag and drop (ADR 0048): a card dropped on another column submits the
// card's own "Move to" form with that column's stage, so a drag is the very command the form
// sends (htmx posts it and swaps the fresh board in). Keyboard and no-script users use the form.
(function () {
  "use strict";
  var dragged = null;
  document.addEventListener("dragstart", function (event) {
    var card = event.target.closest && event.target.closest(".card[draggable=true]");
    if (!card) { return; }
    dragged = card;
    event.dataTransfer.effectAllowed = "move";
    event.dataTransfer.setData("text/plain", card.getAttribute("data-deal"));
    card.classList.add("dragging");
  });
  document.addEventListener("dragend", function () {
    if (dragged) { dragged.classList.remove("dragging"); }
    dragged = null;
    document.querySelectorAll(".column.over").forEach(function (c) { c.classList.remove("over"); });
  });
  document.addEventListener("dragover", function (event) {
    var column = event.target.closest && event.target.closest(".column[data-stage]");
    if (!column || !dragged) { return; }
    event.preventDefault();
    column.classList.add("over");
  });
  document.addEventListener("dragleave", function (event) {
    var column = event.target.closest && event.target.closest(".column[data-stage]");
    if (column && !column.contains(event.relatedTarget)) { column.classList.remove("over"); }
  });
  document.addEventListener("drop", function (event) {
    var column = event.target.closest && event.target.closest(".column[data-stage]");
    if (!column || !dragged) { return; }
    event.preventDefault();
    var form = dragged.querySelector("form.move");
    var stage = column.getAttribute("data-stage");
    if (!form || form.elements.stage.value === stage) { return; }
    form.elements.stage.value = stage;
    form.requestSubmit();
  });
})();
