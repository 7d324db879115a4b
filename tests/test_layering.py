"""The layering the README promises, checked on the source: the domain is pure, the service layer never
sees a database session, and no module reaches back into its service's composition root."""

import ast
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SERVICES = sorted(p for p in (REPO / "services").iterdir() if (p / "src").is_dir())
INFRASTRUCTURE = {"fastapi", "starlette", "pymongo", "bson", "motor", "aiokafka", "faust", "httpx", "aiosmtplib"}


def modules(service: Path, layer: str) -> list[Path]:
    package = service / "src" / service.name / layer
    return sorted(package.rglob("*.py")) if package.is_dir() else []


def imported(path: Path) -> set[str]:
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.Import):
            names |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names.add(node.module)
    return names


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_the_domain_imports_no_framework_driver_or_client(service):
    offending = {
        str(path.relative_to(REPO)): sorted(n for n in imported(path) if n.split(".")[0] in INFRASTRUCTURE)
        for path in modules(service, "domain")
    }
    assert modules(service, "domain"), f"{service.name} has no domain package"
    assert {path: names for path, names in offending.items() if names} == {}


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_no_handler_or_use_case_takes_a_database_session(service):
    found = []
    for layer in ("handlers", "usecases"):
        for path in modules(service, layer):
            tree = ast.parse(path.read_text())
            for node in ast.walk(tree):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    args = node.args.posonlyargs + node.args.args + node.args.kwonlyargs
                    for arg in args:
                        annotation = ast.unparse(arg.annotation) if arg.annotation else ""
                        if arg.arg == "session" or "ClientSession" in annotation:
                            found.append(f"{path.relative_to(REPO)}:{node.lineno} {node.name}({arg.arg})")
            if "pymongo" in {name.split(".")[0] for name in imported(path)}:
                found.append(f"{path.relative_to(REPO)} imports pymongo")
    assert modules(service, "handlers"), f"{service.name} has no handlers package"
    assert found == []


@pytest.mark.parametrize("service", SERVICES, ids=lambda p: p.name)
def test_no_module_imports_from_its_composition_root(service):
    """Only the entry points (the app, ``__main__``, commands run with ``python -m``) start from it."""
    root = f"{service.name}.bootstrap"

    def entry_point(path: Path) -> bool:
        return path.name in {"app.py", "__main__.py", "bootstrap.py", "mover.py"} or "__main__" in path.read_text()

    offending = [
        str(path.relative_to(REPO))
        for path in (service / "src" / service.name).rglob("*.py")
        if not entry_point(path) and root in imported(path)
    ]
    assert offending == []
