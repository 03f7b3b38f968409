// « Mon poste »: listens to the rings of the chosen phone (server-sent events) and puts
// each caller's card, rendered by the server from the store, at the top of the page.
"use strict";

(function () {
  const list = document.getElementById("appels");
  const status = document.getElementById("etat-poste");
  if (!list || !status) { return; }
  const shown = new Set(); // the queue rings again while no one answers: one card a call
  const source = new EventSource(list.dataset.streamUrl);
  source.addEventListener("appel", async (event) => {
    const ring = JSON.parse(event.data);
    if (shown.has(ring.call)) { return; }
    shown.add(ring.call);
    const query = new URLSearchParams({numero: ring.caller, file: ring.queue});
    const card = await fetch(list.dataset.cardUrl + encodeURIComponent(ring.call) + "?" + query);
    if (!card.ok) {
      status.textContent = "Appel de " + (ring.caller || "numéro masqué") +
        " : la fiche n’a pas pu être affichée (rechargez la page).";
      return;
    }
    const section = document.createElement("section");
    section.innerHTML = await card.text();
    list.prepend(section);
    status.textContent = "Appel entrant affiché ci-dessous.";
  });
  source.onopen = () => { list.dataset.listening = "oui"; };
  source.onerror = () => { status.textContent = "Connexion perdue, reconnexion…"; };
})();
