"""The rules page's code editor (Ace, from npm), served from where npm installed it.

``admin/editor/package.json`` and its lock pin ``ace-builds``; ``npm ci`` in that folder
(``scripts/bootstrap`` in a checkout; the README's « Production » for an installed wheel,
which ships the two files) puts it in ``admin/editor/node_modules``. Nothing of Ace is
copied into the repository or the wheel. When it is absent the page keeps its plain text
box and says so in French: the form works the same, only without colours and markers.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask

# The minified build without the global ``require``: one script, the YAML mode beside it.
ACE_DIR = Path(__file__).parent / "editor" / "node_modules" / "ace-builds" / "src-min-noconflict"
URL_PATH = "/ace"


def init_app(app: Flask) -> None:
    """Serve Ace's files under ``/ace`` when they are installed (``config.CODE_EDITOR``)."""
    folder = Path(app.config.get("CODE_EDITOR_DIR", ACE_DIR))
    found = (folder / "ace.js").is_file()
    app.config["CODE_EDITOR"] = found
    if found:
        app.register_blueprint(Blueprint("ace", __name__, static_folder=folder,
                                         static_url_path=URL_PATH))
