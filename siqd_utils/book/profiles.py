"""Parameter profiles (``profiles.yml``) and command-line overrides, checked against the schema.

A chapter's values are layered, later steps overriding earlier ones: the defaults of
its ``parameters`` cell < ``common.all`` < ``common.<profile>`` < ``chapters.<name>.all``
< ``chapters.<name>.<profile>`` < the ``output_dir`` the runner gives < ``-p NAME VALUE``.
Only names the chapter declares (``chapters.yml``) reach it.  Every value of the
profiles file is validated when the file is loaded, so a bad one is reported with
the file, the section, the chapter, the parameter and the value before anything runs.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import Any

import yaml

from .errors import BookError, ParameterError
from .parameters import BookSchema, ChapterSchema
from .paths import PACKAGE_DIR, display_path

__all__ = ["PROFILES_FILE", "chapter_params", "check_overrides", "check_profile", "load_profiles",
           "parse_overrides", "parse_value", "paths_relative_to_root"]

#: The shipped profiles file.
PROFILES_FILE = PACKAGE_DIR / "book" / "profiles.yml"
_ALL = "all"


def load_profiles(path: Path = PROFILES_FILE, schema: BookSchema | None = None, root: Path | None = None) -> dict[str, Any]:
    """Read ``profiles.yml`` and check it: known profiles, declared names and (with ``schema``) valid values.

    Raises
    ------
    BookError
        Naming the file and the section (``chapters.05_classification.quick``) of the problem;
        for a bad value also the parameter and the value.
    """
    if not path.is_file():
        raise BookError(f"profiles file not found: {path}")
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    if not isinstance(data, dict) or not isinstance(data.get("profiles"), dict) or not data["profiles"]:
        raise BookError(f"{path}: needs a 'profiles' mapping of profile name -> description")
    known = set(data["profiles"]) | {_ALL}
    sections = [("common", None, data.get("common") or {})]
    sections += [(f"chapters.{n}", n, s or {}) for n, s in (data.get("chapters") or {}).items()]
    for where, chapter, section in sections:
        if not isinstance(section, dict):
            raise BookError(f"{path}: {where} must be a mapping of profile -> parameters")
        for prof, values in section.items():
            if prof not in known:
                raise BookError(f"{path}: {where}.{prof}: unknown profile {prof!r}; profiles: {sorted(data['profiles'])} (or '{_ALL}')")
            if values is not None and not isinstance(values, dict):
                raise BookError(f"{path}: {where}.{prof} must be a mapping of parameter -> value")
            if schema is not None:
                _check_section(path, f"{where}.{prof}", chapter, values or {}, schema, root)
    data["common"] = data.get("common") or {}
    data["chapters"] = data.get("chapters") or {}
    return data


def _check_section(path: Path, where: str, chapter: str | None, values: dict, schema: BookSchema, root: Path | None) -> None:
    if chapter is not None:
        if chapter not in schema.chapters:
            raise BookError(f"{path}: {where}: {chapter!r} is not a chapter of the book ({', '.join(schema.chapters)})")
        targets = {name: [schema.chapters[chapter]] for name in values}
        stray = sorted(n for n in values if n not in schema.chapters[chapter].params)
        if stray:
            declared = ", ".join(schema.chapters[chapter].params)
            raise BookError(f"{path}: {where}: chapters.{chapter} sets {stray}, which {schema.source.name} does not "
                            f"declare for {chapter} (declared: {declared})")
    else:
        targets = {name: schema.declaring(name) for name in values}
        stray = sorted(n for n, t in targets.items() if not t)
        if stray:
            raise BookError(f"{path}: {where} sets {stray}, which no chapter declares in {schema.source.name}")
    for name, value in values.items():
        for target in targets[name]:
            try:
                target.params[name].check(value, root)
            except ParameterError as exc:
                whose = "" if chapter is not None else f" (for chapter {target.name})"
                raise ParameterError(f"{path}: {where}{whose}: {exc}") from None


def check_profile(profiles: dict[str, Any], profile: str) -> None:
    if profile not in profiles["profiles"]:
        raise BookError(f"unknown profile {profile!r}; profiles: {', '.join(profiles['profiles'])}")


def _layered(section: dict[str, Any] | None, profile: str) -> dict[str, Any]:
    section = section or {}
    merged = dict(section.get(_ALL) or {})
    merged.update(section.get(profile) or {})
    return merged


def parse_value(text: str) -> Any:
    """Read a command-line value as a YAML scalar: ``1000`` -> 1000, ``null`` -> None."""
    try:
        value = yaml.safe_load(text)
    except yaml.YAMLError:
        return text
    if isinstance(value, dict):
        raise BookError(f"parameter value {text!r} is a mapping; give a scalar (number, text, true/false, null) or a list")
    if value is None and text.strip() == "":
        return ""
    return value


def parse_overrides(pairs: Sequence[Sequence[str]] | None) -> dict[str, Any]:
    """``[["n_trials", "1000"], ...]`` -> ``{"n_trials": 1000}`` (later pairs win)."""
    out: dict[str, Any] = {}
    for pair in pairs or []:
        name, value = pair
        if not name.isidentifier():
            raise BookError(f"parameter name {name!r} is not a valid Python name")
        out[name] = parse_value(value)
    return out


def paths_relative_to_root(overrides: dict[str, Any], schema: BookSchema, base: Path, root: Path) -> dict[str, Any]:
    """Rewrite file and folder overrides typed relative to ``base`` (the caller's folder) relative to ``root``.

    The convention of the book is that relative paths in parameters are relative to the
    repository; a path typed on the command line is relative to where it was typed.
    Paths outside the repository become absolute.
    """
    out = dict(overrides)
    for name, value in overrides.items():
        kinds = {c.params[name].type for c in schema.declaring(name)}
        if kinds & {"file", "folder"} and isinstance(value, str) and value.strip():
            path = Path(value).expanduser()
            out[name] = display_path(path if path.is_absolute() else base / path, root)
    return out


def check_overrides(overrides: dict[str, Any], selected: Sequence[ChapterSchema]) -> None:
    """Every ``-p`` name must be declared by at least one selected chapter."""
    unknown = sorted(n for n in overrides if not any(n in c.params for c in selected))
    if unknown:
        listing = "; ".join(f"{c.name}: {', '.join(c.params)}" for c in selected)
        raise BookError(f"unknown parameter(s) {unknown}: no selected chapter declares them (declared: {listing})")


def chapter_params(
    profiles: dict[str, Any],
    profile: str,
    chapter: ChapterSchema,
    overrides: dict[str, Any] | None = None,
    output_dir: str | None = None,
) -> dict[str, Any]:
    """The values to inject into one chapter (only names it declares; see the module docstring for the order)."""
    check_profile(profiles, profile)
    declared = chapter.params
    params = {k: v for k, v in _layered(profiles["common"], profile).items() if k in declared}
    own = _layered(profiles["chapters"].get(chapter.name), profile)
    stray = sorted(set(own) - set(declared))
    if stray:
        raise BookError(f"profiles: chapters.{chapter.name} sets {stray}, which the chapter does not declare "
                        f"(declared: {', '.join(declared)})")
    params.update(own)
    if output_dir is not None and "output_dir" in declared:
        params["output_dir"] = output_dir
    params.update({k: v for k, v in (overrides or {}).items() if k in declared})
    return params
