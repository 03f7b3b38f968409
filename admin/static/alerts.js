// The alert's live page: polls its JSON status and redraws the figures and lists
// without reloading. Text only (textContent), never HTML from the server.
"use strict";

(function () {
  const root = document.getElementById("suivi");
  if (!root) { return; }
  const url = root.dataset.statusUrl;
  const every = Number(root.dataset.refresh || "3") * 1000;

  function cell(row, text) {
    const td = document.createElement("td");
    td.textContent = text === null || text === undefined ? "—" : String(text);
    row.appendChild(td);
    return td;
  }

  const columns = {
    help: (p, row) => {
      cell(row, p.name); cell(row, p.phone); cell(row, p.vulnerable ? "oui" : "non");
      cell(row, p.help_at);
      const td = cell(row, p.help_url ? "" : p.help_reference);
      if (p.help_url) {
        const a = document.createElement("a");
        a.href = p.help_url;
        a.textContent = "Demande " + p.help_reference;
        td.appendChild(a);
      }
    },
    failed: (p, row) => {
      cell(row, p.name); cell(row, p.phone); cell(row, p.vulnerable ? "oui" : "non");
      cell(row, p.attempts); cell(row, (p.state_label || p.state) + (p.why ? " : " + p.why : ""));
    },
    pending: (p, row) => {
      cell(row, p.name); cell(row, p.phone); cell(row, p.vulnerable ? "oui" : "non");
      cell(row, p.attempts); cell(row, p.state === "en_cours" ? "appel en cours" : p.next_attempt_at);
    },
  };

  function draw(data) {
    document.getElementById("etat").textContent = data.campaign.status_label;
    root.querySelector("[data-total]").textContent = data.total;
    root.querySelector("[data-reached]").textContent = data.reached;
    for (const [state, count] of Object.entries(data.counts)) {
      root.querySelectorAll('[data-count="' + state + '"]').forEach((el) => { el.textContent = count; });
    }
    for (const [name, fill] of Object.entries(columns)) {
      const body = root.querySelector('[data-list="' + name + '"]');
      body.replaceChildren();
      for (const person of data[name]) {
        const row = document.createElement("tr");
        row.dataset.recipient = person.id;
        fill(person, row);
        body.appendChild(row);
      }
    }
    document.getElementById("maj").textContent =
      "Mis à jour à " + new Date().toLocaleTimeString("fr-FR") + ".";
  }

  async function poll() {
    try {
      const answer = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (answer.ok) {
        draw(await answer.json());
      } else {
        document.getElementById("maj").textContent = "Mise à jour impossible (" + answer.status + ").";
      }
    } catch (err) {
      document.getElementById("maj").textContent = "Mise à jour impossible : serveur injoignable.";
    }
    window.setTimeout(poll, every);
  }

  poll();
}());
