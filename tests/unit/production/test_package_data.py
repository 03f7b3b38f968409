"""What the program reads at run time comes from the package; what a town changes does not."""

from __future__ import annotations

from pathlib import Path

import ivr
from admin.prompt_files import library_for
from ivr.package_data import DEFAULT_RULES, DIALPLANS_DIR, PROMPTS_DIR
from ivr.prompts import DEFAULT_CATALOGUE, PromptLibrary
from ivr.rules.loader import load_rules
from ivr.settings import Settings


def test_shipped_files_are_found_through_the_package() -> None:
    package = Path(ivr.__file__).parent
    for path in (DIALPLANS_DIR, PROMPTS_DIR, DEFAULT_RULES):
        assert path.is_relative_to(package / "data")
    assert (DIALPLANS_DIR / "extensions.conf.j2").is_file()
    assert DEFAULT_CATALOGUE == PROMPTS_DIR / "catalogue.yaml"
    assert "accueil" in load_rules(DEFAULT_RULES).departments


def test_recordings_and_edited_texts_live_in_the_prompts_dir(tmp_path: Path) -> None:
    own = tmp_path / "var-lib" / "prompts"
    settings = Settings.from_env({"TOWNHALL_HOME": str(tmp_path / "home"),
                                  "TOWNHALL_PROMPTS_DIR": str(own)})
    assert Settings.from_env(settings.to_env()).prompts_dir == own
    for library in (PromptLibrary(settings), library_for(own, settings.sounds_dir)):
        assert library.catalogue_path == DEFAULT_CATALOGUE
        assert library.recordings_dir == own / "recordings"
        assert library.overrides_path == own / "overrides.yaml"


def test_by_default_the_checkout_keeps_its_prompts_folder(tmp_path: Path) -> None:
    settings = Settings.from_env({"TOWNHALL_HOME": str(tmp_path)})
    assert settings.prompts_dir == PROMPTS_DIR
    assert PromptLibrary(settings).recordings_dir == PROMPTS_DIR / "recordings"
