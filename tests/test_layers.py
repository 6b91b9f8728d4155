"""The layers of docs/architecture.md hold: import-linter's contracts (.importlinter) pass on the
code, and a contract that breaks names the offending import."""
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
LINT = [str(Path(sys.executable).with_name("lint-imports")), str(ROOT / ".importlinter"), "--no-cache"]


def _lint(cwd: Path) -> subprocess.CompletedProcess:
    env = {**os.environ, "PYTHONPATH": str(cwd)}
    return subprocess.run(LINT, cwd=cwd, env=env, capture_output=True, text=True, timeout=120)


def _listed(key: str) -> list[str]:
    """The indented names under the first `key =` of .importlinter."""
    names = []
    for line in (ROOT / ".importlinter").read_text().split(f"{key} =", 1)[1].splitlines()[1:]:
        if not line.startswith("    "):
            break
        names.append(line.strip())
    return names


def _root_packages() -> list[str]:
    return _listed("root_packages")


def test_the_project_keeps_its_import_layers():
    result = _lint(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


def _skeleton(root: Path) -> None:
    """Empty packages with the modules the contracts name, for a contract to be broken on purpose."""
    for package in _root_packages():
        (root / package).mkdir()
        (root / package / "__init__.py").write_text("")
    for module in _listed("source_modules"):  # the pure-logic modules (import-linter wants them to exist)
        *parents, name = module.split(".")
        if parents:
            (root.joinpath(*parents) / f"{name}.py").write_text("")
    (root / "email_intake" / "parsing.py").unlink()
    (root / "email_intake" / "parsing").mkdir()  # a package in the project: the test below writes into it
    (root / "email_intake" / "parsing" / "__init__.py").write_text("")


def test_a_base_app_importing_the_ticket_core_breaks_the_layers_contract_naming_the_import(tmp_path):
    _skeleton(tmp_path)
    (tmp_path / "tickets" / "models.py").write_text("")
    (tmp_path / "accounts" / "signals.py").write_text("from tickets import models\n")
    result = _lint(tmp_path)
    assert result.returncode != 0
    assert "BROKEN" in result.stdout and "accounts.signals -> tickets.models" in result.stdout


def test_pure_logic_importing_django_breaks_its_contract(tmp_path):
    _skeleton(tmp_path)
    (tmp_path / "email_intake" / "parsing" / "__init__.py").write_text("from django.conf import settings\n")
    result = _lint(tmp_path)
    assert result.returncode != 0 and "email_intake.parsing -> django (l.1)" in result.stdout
