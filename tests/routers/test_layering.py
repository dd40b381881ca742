"""provisioning depends on routers, never the reverse; and it uses only routers' public names."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def imports_of(package: str) -> list[tuple[str, str, list[str]]]:
    """(file, module imported, names imported from it) for every import in a package's code."""
    found = []
    for path in sorted((ROOT / package).rglob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                found += [(str(path.relative_to(ROOT)), alias.name, []) for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [alias.name for alias in node.names]
                found.append((str(path.relative_to(ROOT)), node.module, names))
    return found


def test_no_module_of_routers_imports_provisioning():
    found = imports_of("routers")
    assert any(module.startswith("radtik") for _, module, _ in found)  # the walk sees imports
    wrong = [(path, module) for path, module, _ in found if module.split(".")[0] == "provisioning"]
    assert wrong == []


def test_provisioning_uses_only_public_names_of_routers():
    found = imports_of("provisioning")
    from_routers = [(p, m, names) for p, m, names in found if m.split(".")[0] == "routers"]
    assert from_routers
    private = [
        (path, module, name)
        for path, module, names in from_routers
        for name in names
        if name.startswith("_")
    ]
    assert private == []
