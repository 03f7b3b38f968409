// The rules page's code editor: Ace (installed by npm, served under /ace) over the form's
// text box, which stays in the form and is what gets submitted; the errors of the last
// check are marked at their lines. Without Ace or without scripts the text box remains.
"use strict";

(function () {
  const textarea = document.querySelector("textarea[data-code-editor]");
  if (!textarea || !window.ace) { return; }
  const holder = document.createElement("div");
  holder.className = "code-editor";
  textarea.after(holder);
  textarea.hidden = true;
  const editor = window.ace.edit(holder, {
    // before the mode, which would start its own checker (a worker the CSP refuses): the
    // errors come from the server's check, the same as « rules check »
    useWorker: false,
    mode: "ace/mode/yaml",
    value: textarea.value,
    tabSize: 2,
    useSoftTabs: true,
    showPrintMargin: false,
    fontSize: "14px",
    enableKeyboardAccessibility: true,
  });
  editor.clearSelection();
  const input = editor.textInput.getElement();
  input.setAttribute("aria-label", textarea.labels[0].textContent);
  textarea.labels[0].addEventListener("click", () => editor.focus());
  editor.session.on("change", () => { textarea.value = editor.getValue(); });
  markIssues(editor);
  const listing = document.querySelector("ol.source");
  if (listing) { listing.hidden = true; } // the editor shows the same lines, marked
})();

// Each listed error becomes an annotation in the gutter and a highlighted line; its link
// moves the cursor there. The first one is scrolled into view.
function markIssues(editor) {
  const Range = window.ace.require("ace/range").Range;
  const annotations = [];
  for (const link of document.querySelectorAll("ul.issues a[data-line]")) {
    const row = Number(link.dataset.line) - 1;
    if (!(row >= 0)) { continue; } // an error of the whole file, without a line
    const column = Math.max(Number(link.dataset.col || 1) - 1, 0);
    annotations.push({row: row, column: column, text: link.dataset.message, type: "error"});
    editor.session.addMarker(new Range(row, 0, row, 1), "ligne-erreur", "fullLine");
    link.addEventListener("click", (event) => {
      event.preventDefault();
      editor.gotoLine(row + 1, column, true);
      editor.focus();
    });
  }
  editor.session.setAnnotations(annotations);
  if (annotations.length) {
    editor.gotoLine(annotations[0].row + 1, annotations[0].column, false);
    editor.scrollToLine(annotations[0].row, true, false, () => {});
  }
}
