// The rules page's code editor: Ace (installed by npm, served under /ace) over the form's
// text box, which stays in the form and is what gets submitted; the errors of the last
// check are marked at their lines. Without Ace or without scripts the text box remains.
"use strict";

// Ace's own words (screen-reader labels, tooltips, the search box of Ctrl+F) in French.
const ACE_FRENCH = {
  "editor.gutter.aria-label": "Marge de l’éditeur : Entrée pour parcourir ses commandes " +
    "avec les flèches, Échap pour en sortir",
  "editor.gutter.aria-roledescription": "marge de l’éditeur",
  "editor.scroller.aria-label": "Contenu de l’éditeur : Entrée pour commencer à modifier, " +
    "Échap pour en sortir",
  "editor.scroller.aria-roledescription": "éditeur",
  "editor.tooltip.disable-editing": "Modification désactivée",
  "error-marker.good-state": "Aucune erreur.",
  "gutter-tooltip.aria-label.error.plural": "erreurs",
  "gutter-tooltip.aria-label.error.singular": "erreur",
  "gutter-tooltip.aria-label.hint.plural": "suggestions",
  "gutter-tooltip.aria-label.hint.singular": "suggestion",
  "gutter-tooltip.aria-label.info.plural": "informations",
  "gutter-tooltip.aria-label.info.singular": "information",
  "gutter-tooltip.aria-label.security.plural": "alertes de sécurité",
  "gutter-tooltip.aria-label.security.singular": "alerte de sécurité",
  "gutter-tooltip.aria-label.warning.plural": "avertissements",
  "gutter-tooltip.aria-label.warning.singular": "avertissement",
  "gutter.annotation.aria-label.error": "Erreur, lire les annotations de la ligne $0",
  "gutter.annotation.aria-label.hint": "Suggestion, lire les annotations de la ligne $0",
  "gutter.annotation.aria-label.info": "Information, lire les annotations de la ligne $0",
  "gutter.annotation.aria-label.security":
    "Alerte de sécurité, lire les annotations de la ligne $0",
  "gutter.annotation.aria-label.warning": "Avertissement, lire les annotations de la ligne $0",
  "gutter.code-folding.closed.aria-label": "Replier ou déplier les lignes $0 à $1",
  "gutter.code-folding.closed.title": "Déplier",
  "gutter.code-folding.open.aria-label": "Replier ou déplier la ligne $0",
  "gutter.code-folding.open.title": "Replier",
  "gutter.code-folding.range.aria-label": "Replier ou déplier les lignes $0 à $1",
  "inline-fold.closed.title": "Déplier",
  "text-input.aria-label": "Curseur à la ligne $0",
  "text-input.aria-roledescription": "éditeur",
  "search-box.find-all.text": "Tout",
  "search-box.find.placeholder": "Rechercher",
  "search-box.replace-all.text": "Tout",
  "search-box.replace-next.text": "Remplacer",
  "search-box.replace.placeholder": "Remplacer par",
  "search-box.search-counter": "$0 sur $1",
  "search-box.toggle-case.title": "Respecter les majuscules",
  "search-box.toggle-in-selection.title": "Chercher dans la sélection",
  "search-box.toggle-regexp.title": "Expression régulière",
  "search-box.toggle-replace.title": "Remplacer aussi",
  "search-box.toggle-whole-word.title": "Mot entier",
};

(function () {
  const textarea = document.querySelector("textarea[data-code-editor]");
  if (!textarea || !window.ace) { return; }
  window.ace.config.setMessages(ACE_FRENCH, {placeholders: "dollarSigns"});
  const holder = document.createElement("div");
  holder.className = "code-editor";
  textarea.after(holder);
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
  textarea.hidden = true; // only once the editor stands: a failure leaves the text box
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
