"""Models, migrations and ORM lookups obey the layer rule that import-linter checks on imports.

import-linter sees `import` statements only. A model or a migration names other apps by string
("partner.StockRecord", ("hubs", "0004_...")) and a query follows relations by name
("cycle_orders__order__total"): none of these is an import. These tests walk every model's
relations, every migration's dependencies and the lookups written in our code, and fail when a
package points at a package above it. The layers are read from the import-linter contract in
pyproject.toml, so one list rules imports, models and migrations.
"""

from __future__ import annotations

import ast
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.apps import apps
from django.conf import settings
from django.db.migrations.loader import MigrationLoader
from django.db.models import ForeignObjectRel

ROOT = Path(settings.BASE_DIR)
# The wiring package (settings, URLs, demo command) may point anywhere; nothing points at it.
WIRING = {"foodhub"}


@dataclass(frozen=True)
class Place:
    """Where an app's package sits: a layer (0 = bottom), the wiring, or third-party code."""

    package: str
    kind: str  # "layer", "wiring" or "third-party"
    rank: int = -1
    independent: bool = True  # siblings in a "a | b" layer may not point at each other

    def __str__(self) -> str:
        if self.kind == "layer":
            return f"{self.package} (layer {self.rank})"
        return f"{self.package} ({self.kind})"


def importlinter_config() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["importlinter"]


def layers_from_contract() -> dict[str, tuple[int, bool]]:
    """package -> (rank, independent) from the layers contract, bottom layer = 0."""
    contracts = [c for c in importlinter_config()["contracts"] if c["type"] == "layers"]
    assert len(contracts) == 1, "expected exactly one import-linter layers contract"
    contract = contracts[0]
    assert not contract.get("containers"), "layers inside containers are not supported here"
    ranks = {}
    for rank, raw in enumerate(reversed(contract["layers"])):  # listed top first
        independent = ":" not in raw
        for name in re.split(r"[|:]", raw):
            ranks[name.strip().strip("()").strip()] = (rank, independent)
    return ranks


LAYERS = layers_from_contract()
ROOT_PACKAGES = set(importlinter_config()["root_packages"])


def is_first_party(package: str, path: str) -> bool:
    resolved = Path(path).resolve()
    inside = resolved.is_relative_to(ROOT) and "site-packages" not in resolved.parts
    return package in ROOT_PACKAGES or inside


def place_of(app_label: str) -> Place:
    config = apps.get_app_config(app_label)
    return place_of_module(config.name, config.path, app_label=app_label)


def place_of_module(module: str, path: str, *, app_label: str) -> Place:
    package = module.split(".")[0]
    if package in WIRING:
        return Place(package, "wiring")
    if package in LAYERS:
        rank, independent = LAYERS[package]
        return Place(package, "layer", rank, independent)
    if is_first_party(package, path):
        raise AssertionError(
            f"App {app_label!r} belongs to the package {package!r}, which has no layer: add it "
            "to the layers contract in pyproject.toml ([tool.importlinter], bottom layer last) "
            "and to root_packages."
        )
    return Place(package, "third-party")


def may_point(source: Place, target: Place) -> bool:
    """Whether code of `source` may depend on `target`."""
    if source.kind != "layer" or source.package == target.package:
        # Third-party code is not ours to change; the wiring may use everything.
        return True
    if target.kind == "wiring":
        return False
    if target.kind == "third-party":
        return True
    if target.rank == source.rank:
        return not source.independent
    return target.rank < source.rank


def breach(what: str, source_label: str, target_label: str) -> str | None:
    source, target = place_of(source_label), place_of(target_label)
    if may_point(source, target):
        return None
    return f"{what}: {source} points at {target}"


def label_of(model) -> str:
    if isinstance(model, str):  # a lazy reference Django could not resolve
        return model.split(".")[0]
    return model._meta.app_label


# --- models ----------------------------------------------------------------------------------


def model_breaches() -> list[str]:
    found = []
    for model in apps.get_models(include_auto_created=True):
        label = model._meta.label
        targets = []
        for field in model._meta.get_fields(include_hidden=True):
            if isinstance(field, ForeignObjectRel) or not field.is_relation:
                continue  # reverse relations are declared by the other side
            if field.related_model is not None:  # None: a generic foreign key
                targets.append((f"{label}.{field.name}", field.related_model))
            through = getattr(field.remote_field, "through", None)
            if through is not None:
                targets.append((f"{label}.{field.name} (through)", through))
        for parent in model._meta.parents:
            targets.append((f"{label} (parent)", parent))
        if model._meta.proxy:
            targets.append((f"{label} (proxy)", model._meta.proxy_for_model))
        for what, target in targets:
            problem = breach(f"model field {what} -> {label_of(target)}", model._meta.app_label,
                             label_of(target))
            if problem:
                found.append(problem)
    return found


def test_no_model_points_to_a_higher_layer():
    problems = model_breaches()
    assert not problems, "Models refer to a higher layer:\n" + "\n".join(sorted(problems))


# --- migrations ------------------------------------------------------------------------------


def migration_breaches() -> list[str]:
    loader = MigrationLoader(None, ignore_no_migrations=True)
    found = []
    for (label, name), migration in loader.disk_migrations.items():
        for dep_label, dep_name in migration.dependencies:
            problem = breach(f"migration {label}.{name} depends on {dep_label}.{dep_name}",
                             label, dep_label)
            if problem:
                found.append(problem)
        for other_label, other_name in getattr(migration, "run_before", []):
            # run_before makes the other migration depend on this one.
            problem = breach(f"migration {label}.{name} runs before {other_label}.{other_name}",
                             other_label, label)
            if problem:
                found.append(problem)
    return found


def test_no_migration_depends_on_a_higher_layer():
    problems = migration_breaches()
    assert not problems, "Migrations depend on a higher layer:\n" + "\n".join(sorted(problems))


# --- lookups across relations declared above -------------------------------------------------


def reverse_names_declared_above() -> dict[str, dict[str, str]]:
    """package -> {lookup name: declaring model} for reverse relations that a higher package
    declares on a model this package may use (e.g. `cycle_orders` on hubs' OrderCycle, declared
    by orders). Names that are also legitimate for the package (a field, or a relation declared
    at or below it) are left out: the scan sees names, not models."""
    names: dict[str, dict[str, str]] = {}
    for package, (rank, independent) in LAYERS.items():
        source = Place(package, "layer", rank, independent)
        above, allowed = {}, set()
        for model in apps.get_models():
            if not may_point(source, place_of(model._meta.app_label)):
                continue  # the package cannot query this model at all
            for field in model._meta.get_fields(include_hidden=True):
                if not isinstance(field, ForeignObjectRel):
                    allowed.add(field.name)
                elif not field.hidden:
                    declaring = field.related_model._meta
                    if may_point(source, place_of(declaring.app_label)):
                        allowed.add(field.name)
                    else:
                        above[field.name] = declaring.label
        names[package] = {name: label for name, label in above.items() if name not in allowed}
    return names


def lookups_in(path: Path):
    """ORM-lookup-like names in a module: string constants and keyword names, split on __."""
    lookup = re.compile(r"^-?[a-z_][a-z0-9_]*$")
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            text = node.value
        elif isinstance(node, ast.keyword) and node.arg:
            text = node.arg
        else:
            continue
        if lookup.match(text):
            yield node.lineno if hasattr(node, "lineno") else 0, text.lstrip("-").split("__")


def test_lower_packages_do_not_follow_relations_declared_above():
    problems = []
    for package, names in reverse_names_declared_above().items():
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, parts in lookups_in(path):
                for part in set(parts) & names.keys():
                    problems.append(
                        f"{path.relative_to(ROOT)}:{line:<4} follows {part!r}, a relation declared "
                        f"by {names[part]} in a higher layer (read it through a selector there)"
                    )
    assert not problems, "Lookups cross into a higher layer:\n" + "\n".join(sorted(problems))


# --- the rule itself -------------------------------------------------------------------------


def test_layers_come_from_the_import_linter_contract():
    assert LAYERS["cms"][0] > LAYERS["orders"][0] > LAYERS["hubs"][0] > LAYERS["producers"][0]
    # The Oscar forks belong to the package that owns the concept.
    assert place_of("partner").package == place_of("catalogue").package == "producers"


def test_a_package_without_a_layer_is_reported():
    with pytest.raises(AssertionError, match="has no layer: add it to the layers contract"):
        place_of_module("newpkg.apps", str(ROOT / "newpkg"), app_label="newpkg")
    assert place_of_module("oscar.apps.order", "/x/site-packages/oscar/apps/order",
                           app_label="order").kind == "third-party"


def test_the_rule_between_places():
    source = Place("hubs", "layer", *LAYERS["hubs"])
    assert not may_point(source, Place("orders", "layer", *LAYERS["orders"]))
    assert may_point(source, Place("producers", "layer", *LAYERS["producers"]))
    assert may_point(source, Place("oscar", "third-party"))
    assert not may_point(source, Place("foodhub", "wiring"))
    assert may_point(Place("oscar", "third-party"), source)
    assert not is_first_party("django", apps.get_app_config("auth").path)


# --- models read by name ---------------------------------------------------------------------


def models_named_in(path: Path):
    """(line, app label) of models a module reads by name: `get_model("order", "Line")`,
    `apps.get_model("order.Line")`, Oscar's `get_class("order.models", ...)` and
    `get_classes(...)`, and a constant naming an installed model ("order.Line")."""
    labels = {model._meta.label_lower: model._meta.app_label for model in apps.get_models()}
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
                node.func, "id", "")
            first = node.args[0].value
            if func in ("get_model", "get_class", "get_classes") and isinstance(first, str):
                yield node.lineno, first.split(".")[0]
        elif (isinstance(node, ast.Constant) and isinstance(node.value, str)
              and node.value.lower() in labels):
            yield node.lineno, labels[node.value.lower()]


def test_lower_packages_do_not_read_higher_models_by_name():
    problems = []
    known = {config.label for config in apps.get_app_configs()}
    for package in LAYERS:
        source = Place(package, "layer", *LAYERS[package])
        for path in sorted((ROOT / package).rglob("*.py")):
            if "migrations" in path.parts:
                continue
            for line, label in models_named_in(path):
                if label in known and not may_point(source, place_of(label)):
                    problems.append(f"{path.relative_to(ROOT)}:{line:<4} reads {label} models "
                                    f"by name: {place_of(label)} is above {source}")
    assert not problems, "Models read by name across layers:\n" + "\n".join(sorted(problems))


def test_every_app_of_ours_has_its_layer():
    """The Oscar forks sit with the package that owns them; cms is the top, teams the bottom."""
    expected = {"teams": "teams", "producers": "producers", "catalogue": "producers",
                "partner": "producers", "hubs": "hubs", "orders": "orders", "order": "orders",
                "basket": "orders", "checkout": "orders", "cms": "cms"}
    for label, package in expected.items():
        assert place_of(label).package == package, label
    ranks = [place_of(label).rank for label in ("teams", "producers", "hubs", "orders", "cms")]
    assert ranks == sorted(ranks) and len(set(ranks)) == 5
    ours = {c.label for c in apps.get_app_configs() if is_first_party(c.name.split(".")[0],
                                                                       c.path)}
    assert ours - {"foodhub"} <= expected.keys(), ours - expected.keys()
