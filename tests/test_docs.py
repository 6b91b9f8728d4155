"""The README's links work in a clone of the repository (issue 12.12: the support guide's link
pointed outside it)."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_readme_links_point_to_files_inside_the_repository():
    targets = re.findall(r"\]\(([^)\s]+)\)", (ROOT / "README.md").read_text())
    local = [t.split("#", 1)[0] for t in targets if not re.match(r"[a-z]+:|#", t)]
    assert "docs/support-guide.txt" in local
    for target in local:
        path = (ROOT / target).resolve()
        assert path.is_relative_to(ROOT) and path.exists(), target
