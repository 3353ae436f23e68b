"""Read, validate and store a questionnaire YAML file (format: docs/questionnaire-format.md)."""

from __future__ import annotations

import datetime
import hashlib
import itertools
import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import yaml
from django.db import transaction

from assessment.models import (
    Company,
    Dimension,
    LevelBand,
    Option,
    Question,
    QuestionGrid,
    Questionnaire,
    Recommendation,
)

KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
LANGUAGES = ("de", "en")
KINDS = ("single", "multiple", "scale")
MAX_POINTS = 100
MAX_TEXT = 5000
KPI_UNITS = (
    "%",
    "EUR",
    "EUR/month",
    "count",
    "hours",
    "hours/month",
    "hours/year",
    "days",
    "points",
)


LEGAL_KINDS = ("dated", "ongoing")
# Profile facts a condition may name, with the values it may compare against ("unknown" is
# what a company has not stated; conditions name only real values).
PROFILE_FACTS: dict[str, tuple[str, ...]] = {
    "industry": tuple(Company.Industry.values),
    "size": tuple(Company.SizeBand.values),
    "turnover": tuple(v for v in Company.TurnoverBand.values if v != "unknown"),
    "kleinunternehmer": ("yes", "no"),
    "customers": tuple(Company.Customer.values),
    "staff_personal_data": tuple(v for v in Company.StaffBand.values if v != "unknown"),
}


class MarkedDict(dict):
    """A YAML mapping that remembers its line and the line of each of its keys."""

    line: int | None = None
    key_lines: dict[Any, int]
    # Keys written twice in this mapping: (key, first line, repeated line).
    repeated: list[tuple[Any, int, int]]


class MarkedList(list):
    """A YAML sequence that remembers its line."""

    line: int | None = None


class MarkedLoader(yaml.SafeLoader):
    """The safe loader, building mappings and lists that know where they stand in the file."""


def construct_marked_mapping(loader: MarkedLoader, node: yaml.MappingNode) -> MarkedDict:
    loader.flatten_mapping(node)
    mapping = MarkedDict()
    mapping.line = node.start_mark.line + 1
    mapping.key_lines = {}
    mapping.repeated = []
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found an unhashable key",
                key_node.start_mark,
            ) from None
        line = key_node.start_mark.line + 1
        if key in mapping.key_lines:
            mapping.repeated.append((key, mapping.key_lines[key], line))
        else:
            mapping.key_lines[key] = line
        mapping[key] = loader.construct_object(value_node, deep=True)
    return mapping


def construct_marked_list(loader: MarkedLoader, node: yaml.SequenceNode) -> MarkedList:
    items = MarkedList(loader.construct_sequence(node, deep=True))
    items.line = node.start_mark.line + 1
    return items


MarkedLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, construct_marked_mapping
)
MarkedLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_SEQUENCE_TAG, construct_marked_list)


def load_marked_yaml(text: str) -> Any:
    """Parse YAML like `yaml.safe_load`, keeping line numbers (see MarkedDict)."""
    return yaml.load(text, Loader=MarkedLoader)  # noqa: S506 - MarkedLoader is a SafeLoader


def line_of(value: Any) -> int | None:
    return getattr(value, "line", None)


def repeated_fields(data: Any) -> list[tuple[Any, int, int]]:
    """Every key written twice in one mapping anywhere in the file, in file order."""
    found: list[tuple[Any, int, int]] = []
    if isinstance(data, MarkedDict):
        found.extend(data.repeated)
        for value in data.values():
            found.extend(repeated_fields(value))
    elif isinstance(data, list):
        for item in data:
            found.extend(repeated_fields(item))
    return sorted(found, key=lambda entry: entry[2])


BOOLEAN_HINT = (
    "YAML reads unquoted yes, no, on, off, true and false as true/false; "
    'put the key in quotes, e.g. "yes"'
)


class QuestionnaireFileError(Exception):
    def __init__(self, errors: list[str]) -> None:
        super().__init__("\n".join(errors))
        self.errors = errors


class QuestionnaireInUse(Exception):
    pass


@dataclass(frozen=True)
class LoadOutcome:
    questionnaire: Questionnaire
    action: Literal["created", "replaced", "unchanged"]


class Validator:
    """Collects every error in the file instead of stopping at the first."""

    def __init__(self, filename: str) -> None:
        self.filename = filename
        self.errors: list[str] = []
        # The mapping each place in the file names, for the line numbers of its errors.
        self.places: dict[str, dict] = {}
        # Where a named thing ("question shop") stands by position, for files without lines.
        self.positions: dict[str, str] = {}
        # Grid keys with their row keys: conditions and steps name a row, never a grid.
        self.grids: dict[str, list[str]] = {}

    def at(self, where: str, data: Any) -> None:
        """Remember which mapping `where` names, so its errors carry its line."""
        if isinstance(data, dict):
            self.places.setdefault(where, data)

    def line(self, where: str, field: Any = None) -> int | None:
        """The line of `field` in the mapping `where` names, else of the mapping itself."""
        place = self.places.get(where)
        if place is None:
            # "question x trigger" -> "question x": the nearest enclosing place known.
            candidates = [name for name in self.places if where.startswith(f"{name} ")]
            if not candidates:
                return None
            place = self.places[max(candidates, key=len)]
        key_lines = getattr(place, "key_lines", {})
        if field is not None and field in key_lines:
            return key_lines[field]
        return line_of(place)

    def error(self, where: str, message: str, field: Any = None, line: int | None = None) -> None:
        line = line if line is not None else self.line(where, field)
        prefix = self.filename if line is None else f"{self.filename}, line {line}"
        self.errors.append(f"{prefix}: {where}: {message}")

    def claim(self, kind: str, key: str | None, data: dict, position: str, earlier: dict) -> str:
        """The name errors use for a question or grid ("question shop"). A key already taken
        by an `earlier` question or a grid is an error naming the first one's line; the second
        is then named by its position."""
        where = f"{kind} {key}" if key else position
        self.positions.setdefault(where, position)
        if key and (key in earlier or key in self.grids):
            first = f"question {key}" if key in earlier else f"grid {key}"
            self.error(
                where,
                "duplicate key (question, grid and row keys must be unique in the whole file; "
                f"{self.first_at(first)})",
                field="key",
                line=self.line(position, "key"),
            )
            where = position
        self.at(where, data)
        return where

    def first_at(self, where: str) -> str:
        """How an error names the first of two things with one key: its line, else its place."""
        line = self.line(where)
        if line is not None:
            return f"first at line {line}"
        return f"first at {self.positions.get(where, where)}"

    def mapping(self, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            self.error(where, "must be a mapping")
            return {}
        self.at(where, value)
        return value

    def unknown_fields(self, data: dict, allowed: set[str], where: str) -> None:
        for name in sorted(set(data) - allowed, key=str):
            self.error(where, f"unknown field {name!r}", field=name)

    def key(self, data: dict, where: str) -> str:
        value = data.get("key")
        if isinstance(value, bool):
            self.error(where, f"'key' must be text, not {value!r}: {BOOLEAN_HINT}", field="key")
            return ""
        if not isinstance(value, str) or not KEY_PATTERN.match(value):
            self.error(where, "needs a 'key' of lowercase letters, digits, '-' or '_'", field="key")
            return ""
        return value

    def text(self, data: dict, name: str, where: str, required: bool = True) -> dict[str, str]:
        value = data.get(name)
        if value is None:
            if required:
                self.error(where, f"missing {name!r} (German and English)")
            return {language: "" for language in LANGUAGES}
        if not isinstance(value, dict):
            self.error(where, f"{name!r} must have 'de' and 'en' entries", field=name)
            return {language: "" for language in LANGUAGES}
        result = {}
        for language in LANGUAGES:
            entry = value.get(language)
            if isinstance(entry, bool | int | float):
                self.error(
                    where,
                    f"{name}.{language} must be text, not {entry!r} "
                    "(quote it: YAML reads yes/no/on/off as true/false)",
                    field=name,
                )
                entry = ""
            elif not isinstance(entry, str) or not entry.strip():
                self.error(where, f"missing translation {name}.{language}", field=name)
                entry = ""
            elif len(entry) > MAX_TEXT:
                self.error(
                    where, f"{name}.{language} is longer than {MAX_TEXT} characters", field=name
                )
            result[language] = entry.strip()
        for extra in sorted(set(value) - set(LANGUAGES), key=str):
            self.error(where, f"{name!r} has an unknown language {extra!r}", field=name)
        return result

    def number(
        self,
        data: dict,
        name: str,
        where: str,
        *,
        default: float | None = None,
        low: float = 0,
        high: float | None = None,
        low_inclusive: bool = True,
    ) -> float:
        value = data.get(name, default)
        if value is None:
            self.error(where, f"missing {name!r}")
            return 0.0
        if isinstance(value, bool) or not isinstance(value, int | float):
            self.error(where, f"{name!r} must be a number, not {value!r}", field=name)
            return 0.0
        too_low = value < low if low_inclusive else value <= low
        if too_low or (high is not None and value > high):
            bound = f"from {low:g}" if low_inclusive else f"above {low:g}"
            upper = f" to {high:g}" if high is not None else ""
            self.error(where, f"{name!r} is {value!r}, out of range ({bound}{upper})", field=name)
        return float(value)

    def flag(self, data: dict, name: str, where: str, default: bool) -> bool:
        value = data.get(name, default)
        if not isinstance(value, bool):
            self.error(where, f"{name!r} must be true or false", field=name)
            return default
        return value

    def strings(self, data: dict, name: str, where: str) -> list[str]:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.error(where, f"{name!r} must be a list of texts", field=name)
            return []
        return list(value)

    def keys(self, data: dict, name: str, where: str) -> list[str] | None:
        """A list of option keys; None (with an error) when it is not one."""
        value = data.get(name)
        if isinstance(value, list) and any(isinstance(item, bool) for item in value):
            self.error(
                where,
                f"{name!r} holds true/false instead of option keys: {BOOLEAN_HINT}",
                field=name,
            )
            return None
        if not isinstance(value, list) or not value or not all(isinstance(k, str) for k in value):
            return None
        return list(value)


def parse_file(path: Path) -> dict:
    """Validate a questionnaire file; return its normalised content or raise with every error."""
    filename = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QuestionnaireFileError([f"{filename}: cannot be read: {error}"]) from None
    return parse_text(raw, filename)


def parse_text(raw: str, filename: str) -> dict:
    """Validate a questionnaire given as YAML text; errors carry line numbers."""
    try:
        data = load_marked_yaml(raw)
    except yaml.MarkedYAMLError as error:
        mark = error.problem_mark or error.context_mark
        where = filename if mark is None else f"{filename}, line {mark.line + 1}"
        problem = " ".join(part for part in (error.context, error.problem) if part)
        raise QuestionnaireFileError([f"{where}: is not valid YAML: {problem}"]) from None
    except yaml.YAMLError as error:
        raise QuestionnaireFileError([f"{filename}: is not valid YAML: {error}"]) from None
    return parse_data(data, filename)


def parse_data(data: Any, filename: str) -> dict:
    check = Validator(filename)
    for field, first, repeated in repeated_fields(data):
        check.errors.append(
            f"{filename}, line {repeated}: field {field!r} is written twice in one place "
            f"(first at line {first}); YAML would keep only the last"
        )
    data = check.mapping(data, "top level")
    check.unknown_fields(
        data,
        {
            "key",
            "version",
            "title",
            "description",
            "levels",
            "dimensions",
            "recommendations",
            "sources",
        },
        "top level",
    )
    key = check.key(data, "top level")
    version = data.get("version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        check.error("top level", "'version' must be a whole number from 1", field="version")
        version = 0
    questionnaire = {
        "key": key,
        "version": version,
        "title": check.text(data, "title", "top level"),
        "description": check.text(data, "description", "top level", required=False),
        "sources": check.strings(data, "sources", "top level"),
    }
    questionnaire["levels"], whole_point_bands = parse_levels(check, data.get("levels"))
    questionnaire["whole_point_bands"] = whole_point_bands
    dimensions, questions = parse_dimensions(check, data.get("dimensions"))
    questionnaire["dimensions"] = dimensions
    questionnaire["recommendations"] = parse_recommendations(
        check, data.get("recommendations", []), dimensions, questions
    )
    if check.errors:
        raise QuestionnaireFileError(check.errors)
    return questionnaire


def parse_levels(check: Validator, levels: Any) -> tuple[list[dict], bool]:
    """The level bands, and whether they are written on whole points (`from`)."""
    if not isinstance(levels, list) or len(levels) < 2:
        check.error("levels", "need a list of at least two level bands", line=line_of(levels))
        return [], False
    raw_levels = [check.mapping(level, f"levels[{index}]") for index, level in enumerate(levels)]
    whole_points = any("from" in level for level in raw_levels)
    result: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for index, level in enumerate(raw_levels):
        key = check.key(level, f"levels[{index}]")
        where = f"level {key}" if key else f"levels[{index}]"
        if key in seen:
            check.error(
                f"levels[{index}]",
                f"duplicate key {key!r} ({check.first_at(seen[key])})",
                field="key",
            )
            where = f"levels[{index}]"
        elif key:
            seen[key] = where
            check.positions.setdefault(where, f"levels[{index}]")
        check.at(where, level)
        allowed = (
            {"key", "from", "name", "description"}
            if whole_points
            else {
                "key",
                "min",
                "max",
                "name",
                "description",
            }
        )
        if whole_points and ("min" in level or "max" in level):
            check.error(
                where,
                "bands are written either with 'from' (whole points) or with 'min' and 'max', "
                "not both",
                field="min" if "min" in level else "max",
            )
            allowed |= {"min", "max"}
        check.unknown_fields(level, allowed, where)
        if whole_points:
            start = level.get("from")
            if isinstance(start, bool) or not isinstance(start, int) or not 0 <= start <= 100:
                check.error(
                    where,
                    f"'from' must be a whole number from 0 to 100, not {start!r}",
                    field="from",
                )
                start = None
            bounds: dict[str, float | None] = {"min": start, "max": None}
        else:
            bounds = {
                "min": check.number(level, "min", where, high=100),
                "max": check.number(level, "max", where, high=100),
            }
        result.append(
            {
                "key": key,
                **bounds,
                "name": check.text(level, "name", where),
                "description": check.text(level, "description", where, required=False),
            }
        )
    if not result:
        return result, whole_points
    first, last = result[0], result[-1]
    if whole_points:
        starts = [band["min"] for band in result]
        if starts[0] is not None and starts[0] != 0:
            check.error(f"level {first['key']}", "bad level bands: the first band must start at 0")
        for lower, upper in itertools.pairwise(result):
            if lower["min"] is not None and upper["min"] is not None:
                if upper["min"] <= lower["min"]:
                    check.error(
                        f"level {upper['key']}",
                        f"bad level bands: 'from' {upper['min']} must be above the 'from' "
                        f"{lower['min']} of {lower['key']}",
                        field="from",
                    )
                # A band runs up to the point before the next one starts.
                lower["max"] = upper["min"] - 1
        last["max"] = 100
        for band in result:
            band["min"] = float(band["min"] or 0)
            band["max"] = float(band["max"] if band["max"] is not None else band["min"])
        return result, True
    if first["min"] != 0:
        check.error(f"level {first['key']}", "bad level bands: the first band must start at 0")
    if last["max"] != 100:
        check.error(f"level {last['key']}", "bad level bands: the last band must end at 100")
    for band in result:
        if band["min"] >= band["max"]:
            check.error(f"level {band['key']}", "bad level bands: 'min' must be below 'max'")
    for lower, upper in itertools.pairwise(result):
        if lower["max"] != upper["min"]:
            kind = "gap" if lower["max"] < upper["min"] else "overlap"
            check.error(
                f"level {upper['key']}",
                f"bad level bands: {kind} between {lower['key']} (max {lower['max']:g}) "
                f"and {upper['key']} (min {upper['min']:g})",
            )
    return result, False


def parse_dimensions(check: Validator, dimensions: Any) -> tuple[list[dict], dict[str, dict]]:
    if not isinstance(dimensions, list) or not dimensions:
        check.error("dimensions", "need a list of at least one dimension", line=line_of(dimensions))
        return [], {}
    result: list[dict[str, Any]] = []
    questions: dict[str, dict] = {}
    seen: dict[str, str] = {}
    for index, dimension in enumerate(dimensions):
        dimension = check.mapping(dimension, f"dimensions[{index}]")
        key = check.key(dimension, f"dimensions[{index}]")
        where = f"dimension {key}" if key else f"dimensions[{index}]"
        if key in seen:
            check.error(
                f"dimensions[{index}]",
                f"duplicate key {key!r} ({check.first_at(seen[key])})",
                field="key",
            )
            where = f"dimensions[{index}]"
        elif key:
            seen[key] = where
            check.positions.setdefault(where, f"dimensions[{index}]")
        check.at(where, dimension)
        check.unknown_fields(
            dimension, {"key", "title", "description", "weight", "questions", "groups"}, where
        )
        parsed: dict[str, Any] = {
            "key": key,
            "title": check.text(dimension, "title", where),
            "description": check.text(dimension, "description", where, required=False),
            "weight": check.number(
                dimension, "weight", where, default=1, low=0, low_inclusive=False
            ),
            "groups": [],
            "grids": [],
            "questions": [],
        }
        # (group key, the group's questions as written, where they are written)
        blocks: list[tuple[str, Any, str]] = []
        if "groups" in dimension:
            if "questions" in dimension:
                check.error(
                    where,
                    "has both 'questions' and 'groups'; with groups, every question "
                    "belongs to one group",
                    field="groups",
                )
            parsed["groups"] = parse_groups(check, dimension.get("groups"), where, blocks)
        else:
            blocks.append(("", dimension.get("questions"), where))
            if not isinstance(dimension.get("questions"), list) or not dimension["questions"]:
                check.error(where, "needs a list of at least one question", field="questions")
        for group_key, raw_questions, block_where in blocks:
            if not isinstance(raw_questions, list):
                continue
            for question_index, question in enumerate(raw_questions):
                position = f"{block_where} questions[{question_index}]"
                if isinstance(question, dict) and question.get("kind") == "grid":
                    grid, rows = parse_grid(check, question, position, questions)
                    grid.update(dimension=key, group=group_key)
                    parsed["grids"].append(grid)
                    for row in rows:
                        row.update(dimension=key, group=group_key)
                        parsed["questions"].append(row)
                        questions.setdefault(row["key"], row)
                    continue
                parsed_question = parse_question(check, question, position, questions)
                if parsed_question is not None:
                    parsed_question["dimension"] = key
                    parsed_question["group"] = group_key
                    parsed["questions"].append(parsed_question)
                    questions.setdefault(parsed_question["key"], parsed_question)
        result.append(parsed)
    return result, questions


def parse_groups(
    check: Validator, groups: Any, where: str, blocks: list[tuple[str, Any, str]]
) -> list[dict]:
    """A dimension's question groups with their weights; their questions go to `blocks`."""
    if not isinstance(groups, list) or len(groups) < 2:
        check.error(where, "'groups' needs a list of at least two groups", field="groups")
        return []
    result: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for index, group in enumerate(groups):
        group = check.mapping(group, f"{where} groups[{index}]")
        key = check.key(group, f"{where} groups[{index}]")
        position = f"{where} groups[{index}]"
        group_where = f"{where} group {key}" if key else position
        if key in seen:
            check.error(
                position, f"duplicate key {key!r} ({check.first_at(seen[key])})", field="key"
            )
            group_where = position
        elif key:
            seen[key] = group_where
            check.positions.setdefault(group_where, position)
        check.at(group_where, group)
        check.unknown_fields(group, {"key", "title", "weight", "questions"}, group_where)
        if not isinstance(group.get("questions"), list) or not group["questions"]:
            check.error(group_where, "needs a list of at least one question", field="questions")
        result.append(
            {
                "key": key,
                "title": check.text(group, "title", group_where, required=False),
                "weight": check.number(
                    group, "weight", group_where, default=1, low=0, low_inclusive=False
                ),
            }
        )
        blocks.append((key, group.get("questions"), group_where))
    return result


def parse_question(
    check: Validator, question: Any, position: str, earlier: dict[str, dict]
) -> dict | None:
    question = check.mapping(question, position)
    if not question:
        return None
    key = check.key(question, position)
    where = check.claim("question", key, question, position, earlier)
    check.unknown_fields(
        question,
        {
            "key",
            "kind",
            "text",
            "help",
            "weight",
            "allow_na",
            "scored",
            "condition",
            "max_points",
            "options",
            "sources",
            "empty",
        },
        where,
    )
    kind = question.get("kind")
    if kind not in KINDS:
        check.error(
            where, f"'kind' must be one of {', '.join(KINDS)}, grid, not {kind!r}", field="kind"
        )
    parsed: dict[str, Any] = {
        "key": key,
        "kind": kind,
        "text": check.text(question, "text", where),
        "help": check.text(question, "help", where, required=False),
        "weight": check.number(question, "weight", where, default=1, low=0, low_inclusive=False),
        "allow_na": check.flag(question, "allow_na", where, False),
        "scored": check.flag(question, "scored", where, True),
        "max_points": None,
        "condition": None,
        "sources": check.strings(question, "sources", where),
        "options": parse_options(check, question.get("options"), where, kind),
        "group": "",
        "grid": "",
    }
    empty = question.get("empty", "unanswered")
    if empty not in ("unanswered", "zero"):
        check.error(where, f"'empty' must be 'zero' or 'unanswered', not {empty!r}", field="empty")
    elif empty == "zero" and kind != "multiple":
        check.error(where, "'empty: zero' is only for kind 'multiple' (a tick list)", field="empty")
    parsed["empty_zero"] = empty == "zero"
    if "max_points" in question:
        if kind != "multiple":
            check.error(where, "'max_points' is only for kind 'multiple'")
        else:
            parsed["max_points"] = check.number(
                question, "max_points", where, low=0, low_inclusive=False
            )
    options = parsed["options"]
    if parsed["scored"] and options and kind in KINDS:
        regular = [option["points"] for option in options if not option["exclusive"]]
        if not any(points > 0 for points in regular):
            check.error(where, "a scored question needs at least one option with points above 0")
        if kind == "scale" and [option["points"] for option in options] != list(
            range(len(options))
        ):
            check.error(where, "scale options must have points 0, 1, 2, ... in order")
    if kind != "multiple" and any(option["exclusive"] for option in options):
        check.error(where, "'exclusive' options are only for kind 'multiple'")
    condition = question.get("condition")
    if condition is not None:
        parsed["condition"] = parse_condition(check, condition, where, earlier)
    return parsed


def parse_options(
    check: Validator, options: Any, where: str, kind: Any, field: str = "options"
) -> list[dict]:
    if not isinstance(options, list) or len(options) < 2:
        check.error(where, "needs a list of at least two options", field=field)
        return []
    result: list[dict[str, Any]] = []
    seen: dict[str, str] = {}
    for index, option in enumerate(options):
        position = f"{where} {field}[{index}]"
        option = check.mapping(option, position)
        key = check.key(option, position)
        option_where = f"{where} option {key}" if key else position
        if key in seen:
            check.error(
                position, f"duplicate option key {key!r} ({check.first_at(seen[key])})", field="key"
            )
            option_where = position
        elif key:
            seen[key] = option_where
            check.positions.setdefault(option_where, position)
        check.at(option_where, option)
        check.unknown_fields(option, {"key", "label", "points", "exclusive"}, option_where)
        result.append(
            {
                "key": key,
                "label": check.text(option, "label", option_where),
                "points": check.number(option, "points", option_where, high=MAX_POINTS),
                "exclusive": check.flag(option, "exclusive", option_where, False),
            }
        )
    return result


GRID_FIELDS = {
    "key",
    "kind",
    "text",
    "help",
    "weight",
    "allow_na",
    "condition",
    "sources",
    "scale",
    "rows",
}


def grid_row_kind(scale: list[dict]) -> str:
    """A grid's rows are scale questions when its steps count 0, 1, 2, ... (at least three
    steps, as scale questions are written), otherwise single-choice questions."""
    points = [option["points"] for option in scale]
    return "scale" if len(points) >= 3 and points == list(range(len(points))) else "single"


def parse_grid(
    check: Validator, grid: dict, position: str, earlier: dict[str, dict]
) -> tuple[dict, list[dict]]:
    """A grid question: its shared settings, and its rows as ordinary questions that carry
    the grid's weight, "does not apply", condition and scale (see "Grid questions")."""
    grid = check.mapping(grid, position)
    key = check.key(grid, position)
    where = check.claim("grid", key, grid, position, earlier)
    check.unknown_fields(grid, GRID_FIELDS | {"options"}, where)
    if "options" in grid:
        check.error(
            where,
            "a grid writes the answers its rows share under 'scale', not 'options'",
            field="options",
        )
    raw_scale = grid.get("scale")
    scale: list[dict] = []
    if not isinstance(raw_scale, list) or len(raw_scale) < 2:
        check.error(
            where,
            "'scale' needs a list of at least two options (the answers every row shares)",
            field="scale" if "scale" in grid else None,
        )
    else:
        scale = parse_options(check, raw_scale, where, "single", field="scale")
    if any(option["exclusive"] for option in scale):
        check.error(where, "'exclusive' options are only for kind 'multiple'")
    if scale and not any(option["points"] > 0 for option in scale):
        check.error(where, "a scored question needs at least one option with points above 0")
    parsed: dict[str, Any] = {
        "key": key,
        "text": check.text(grid, "text", where),
        "help": check.text(grid, "help", where, required=False),
        "weight": check.number(grid, "weight", where, default=1, low=0, low_inclusive=False),
        "allow_na": check.flag(grid, "allow_na", where, False),
        "sources": check.strings(grid, "sources", where),
        "condition": None,
        "scale": scale,
        "rows": [],
    }
    if "condition" in grid:
        parsed["condition"] = parse_condition(check, grid["condition"], where, earlier)
    raw_rows = grid.get("rows")
    if not isinstance(raw_rows, list) or not raw_rows:
        check.error(
            where,
            "needs 'rows', a list of at least one row (each with a 'key' and a 'label')",
            field="rows" if "rows" in grid else None,
        )
        raw_rows = []
    if key and where != position:
        check.grids[key] = parsed["rows"]
    kind = grid_row_kind(scale)
    rows: list[dict] = []
    seen: dict[str, str] = {}
    for index, row in enumerate(raw_rows):
        row_position = f"{where} rows[{index}]"
        row = check.mapping(row, row_position)
        if not row:
            continue
        row_key = check.key(row, row_position)
        row_where = f"{where} row {row_key}" if row_key else row_position
        taken = False
        if row_key in seen:
            check.error(
                row_position,
                f"duplicate row key {row_key!r} ({check.first_at(seen[row_key])})",
                field="key",
            )
            taken = True
        elif row_key and (row_key in earlier or row_key in check.grids):
            first = f"question {row_key}" if row_key in earlier else f"grid {row_key}"
            thing = "question" if row_key in earlier else "grid"
            check.error(
                row_position,
                f"row key {row_key!r} is already the key of a {thing} ({check.first_at(first)}); "
                "a row is a question, and question, grid and row keys must be unique in the "
                "whole file",
                field="key",
            )
            taken = True
        if taken:
            row_where = row_position
        elif row_key:
            seen[row_key] = row_where
            check.positions.setdefault(row_where, row_position)
            # Later questions and steps name the row as a question.
            check.at(f"question {row_key}", row)
            check.positions.setdefault(f"question {row_key}", row_position)
        check.at(row_where, row)
        check.unknown_fields(row, {"key", "label"}, row_where)
        label = check.text(row, "label", row_where)
        if taken or not row_key:
            continue
        parsed["rows"].append(row_key)
        rows.append(
            {
                "key": row_key,
                "kind": kind,
                "text": label,
                "help": {language: "" for language in LANGUAGES},
                "weight": parsed["weight"],
                "allow_na": parsed["allow_na"],
                "scored": True,
                "max_points": None,
                "condition": parsed["condition"],
                "sources": [],
                "options": [dict(option) for option in scale],
                "group": "",
                "empty_zero": False,
                "grid": key,
            }
        )
    return parsed, rows


def grid_condition_message(check: Validator, key: str) -> str:
    """What a condition naming a grid instead of one of its rows is told."""
    rows = ", ".join(check.grids[key]) or "none yet"
    return f"names the grid {key!r}; a condition names one of its rows ({rows})"


def parse_condition(check: Validator, condition: Any, where: str, earlier: dict[str, dict]) -> dict:
    condition = check.mapping(condition, f"{where} condition")
    check.unknown_fields(condition, {"question", "any_of"}, f"{where} condition")
    parent_key = condition.get("question")
    has_booleans = isinstance(condition.get("any_of"), list) and any(
        isinstance(item, bool) for item in condition["any_of"]
    )
    any_of = check.keys(condition, "any_of", f"{where} condition")
    if any_of is None:
        if not has_booleans:
            check.error(where, "condition needs 'any_of', a list of option keys", field="condition")
        any_of = []
    parent = earlier.get(parent_key) if isinstance(parent_key, str) else None
    if isinstance(parent_key, str) and parent_key in check.grids:
        check.error(where, grid_condition_message(check, parent_key))
    elif parent is None:
        check.error(
            where,
            f"condition on an unknown question {parent_key!r} "
            "(it must name a question earlier in the file)",
        )
    else:
        option_keys = {option["key"] for option in parent["options"]}
        for option_key in any_of:
            if option_key not in option_keys:
                check.error(
                    where,
                    f"condition names option {option_key!r}, which {parent_key} does not have",
                )
    return {"question": parent_key, "any_of": any_of}


def parse_recommendations(
    check: Validator, recommendations: Any, dimensions: list[dict], questions: dict[str, dict]
) -> list[dict]:
    if not isinstance(recommendations, list):
        check.error("recommendations", "must be a list")
        return []
    dimension_keys = {dimension["key"] for dimension in dimensions}
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, recommendation in enumerate(recommendations):
        recommendation = check.mapping(recommendation, f"recommendations[{index}]")
        key = check.key(recommendation, f"recommendations[{index}]")
        where = f"recommendation {key}" if key else f"recommendations[{index}]"
        if key in seen:
            check.error(
                f"recommendations[{index}]",
                f"duplicate key {key!r} ({check.first_at(where)})",
                field="key",
            )
            where = f"recommendations[{index}]"
        elif key:
            check.positions.setdefault(where, f"recommendations[{index}]")
        seen.add(key)
        check.at(where, recommendation)
        check.unknown_fields(
            recommendation,
            {
                "key",
                "dimension",
                "title",
                "description",
                "trigger",
                "effort_hours",
                "cost_once",
                "cost_monthly",
                "impact",
                "requires",
                "kpi",
                "legal",
                "when",
                "unless",
                "group",
                "existential",
            },
            where,
        )
        dimension = recommendation.get("dimension")
        if dimension not in dimension_keys:
            check.error(where, f"unknown dimension {dimension!r}")
        group = recommendation.get("group", "")
        if group != "" and (not isinstance(group, str) or not KEY_PATTERN.match(group)):
            check.error(
                where,
                f"'group' must be a key of lowercase letters, digits, '-' or '_', not {group!r}",
            )
            group = ""
        refs = References(dimension_keys, questions)
        impact = recommendation.get("impact")
        if isinstance(impact, bool) or not isinstance(impact, int) or not 1 <= impact <= 5:
            check.error(where, f"'impact' must be a whole number from 1 to 5, not {impact!r}")
            impact = 1
        result.append(
            {
                "key": key,
                "dimension": dimension,
                "title": check.text(recommendation, "title", where),
                "description": check.text(recommendation, "description", where),
                "trigger": parse_trigger(check, recommendation.get("trigger"), where, refs),
                "when": parse_conditions(check, recommendation, "when", where, refs),
                "unless": parse_conditions(check, recommendation, "unless", where, refs),
                "group": group,
                "existential": check.flag(recommendation, "existential", where, False),
                "effort_hours": check.number(recommendation, "effort_hours", where, high=2000),
                "cost_once": check.number(recommendation, "cost_once", where, high=1_000_000),
                "cost_monthly": check.number(recommendation, "cost_monthly", where, high=100_000),
                "impact": impact,
                "requires": check.strings(recommendation, "requires", where),
                "kpi": parse_kpi(check, recommendation.get("kpi"), where),
                "legal": parse_legal(check, recommendation.get("legal"), where, refs),
            }
        )
    for recommendation in result:
        for required in recommendation["requires"]:
            if required not in seen:
                check.error(
                    f"recommendation {recommendation['key']}", f"requires unknown step {required!r}"
                )
    groups: dict[str, list[dict]] = {}
    for recommendation in result:
        if recommendation["group"]:
            groups.setdefault(recommendation["group"], []).append(recommendation)
    for group, members in sorted(groups.items()):
        if len(members) < 2:
            check.error(
                f"recommendation {members[0]['key']}",
                f"group {group!r} has only this step; a group needs at least two variants",
            )
        dimensions_of_group = sorted({str(m["dimension"]) for m in members})
        if len(dimensions_of_group) > 1:
            check.error(
                f"recommendation {members[0]['key']}",
                f"group {group!r} mixes dimensions {', '.join(dimensions_of_group)}; "
                "variants of one group belong to one dimension",
            )
    cycle = find_cycle({r["key"]: r["requires"] for r in result})
    if cycle:
        check.error(f"recommendation {cycle[0]}", f"'requires' forms a cycle: {' -> '.join(cycle)}")
    return result


@dataclass(frozen=True)
class References:
    """What a condition may name: the file's dimensions and questions."""

    dimensions: set[str]
    questions: dict[str, dict]


def option_list(check: Validator, data: dict, name: str, where: str) -> list[str]:
    value = data.get(name)
    if value is None:
        return []
    keys = check.keys(data, name, where)
    if keys is None:
        if not (isinstance(value, list) and any(isinstance(item, bool) for item in value)):
            check.error(where, f"{name!r} must be a non-empty list of keys", field=name)
        return []
    return keys


def parse_condition_entry(
    check: Validator, condition: Any, where: str, refs: References, *, trigger: bool = False
) -> dict:
    """One condition on a question, a dimension or a profile fact, as a plain mapping."""
    condition = check.mapping(condition, where)
    if not condition:
        return {}
    check.unknown_fields(
        condition, {"question", "dimension", "profile", "any_of", "none_of", "below"}, where
    )
    subjects = [name for name in ("question", "dimension", "profile") if name in condition]
    allowed = ("question", "dimension") if trigger else ("question", "dimension", "profile")
    if len(subjects) != 1 or subjects[0] not in allowed:
        check.error(where, f"needs exactly one of {', '.join(repr(a) for a in allowed)}")
        return {}
    subject = subjects[0]
    key = condition[subject]
    any_of = option_list(check, condition, "any_of", where)
    none_of = option_list(check, condition, "none_of", where)
    result: dict[str, Any] = {subject: key}
    if any_of:
        result["any_of"] = any_of
    if none_of:
        result["none_of"] = none_of
    if "below" in condition:
        if subject == "profile":
            check.error(where, "'below' is for questions and dimensions, not profile facts")
        else:
            result["below"] = check.number(
                condition, "below", where, low=0, low_inclusive=False, high=100
            )
    elif trigger:
        result["below"] = 100.0
    if subject == "question":
        question = refs.questions.get(key) if isinstance(key, str) else None
        if isinstance(key, str) and key in check.grids:
            check.error(where, grid_condition_message(check, key))
            return result
        if question is None:
            check.error(where, f"unknown question {key!r}")
            return result
        option_keys = {option["key"] for option in question["options"]}
        for option_key in [*any_of, *none_of]:
            if option_key not in option_keys:
                check.error(where, f"question {key} has no option {option_key!r}")
        if "below" in result and not question["scored"]:
            check.error(where, f"'below' on question {key!r}, which is not scored")
        if not (any_of or none_of or "below" in result):
            check.error(where, f"condition on question {key} needs 'any_of', 'none_of' or 'below'")
    elif subject == "dimension":
        if key not in refs.dimensions:
            check.error(where, f"unknown dimension {key!r}")
        if any_of or none_of:
            check.error(where, "'any_of' and 'none_of' are for questions and profile facts")
        if "below" not in result:
            check.error(where, f"condition on dimension {key} needs 'below'")
    else:
        values = PROFILE_FACTS.get(key) if isinstance(key, str) else None
        if values is None:
            check.error(where, f"unknown profile fact {key!r} (one of {', '.join(PROFILE_FACTS)})")
            return result
        for value in [*any_of, *none_of]:
            if value not in values:
                check.error(
                    where,
                    f"profile fact {key} has no value {value!r} (one of {', '.join(values)})",
                )
        if not (any_of or none_of):
            check.error(where, f"condition on profile fact {key} needs 'any_of' or 'none_of'")
    return result


def parse_conditions(
    check: Validator, data: dict, name: str, where: str, refs: References
) -> list[dict]:
    value = data.get(name)
    if value is None:
        return []
    if not isinstance(value, list):
        check.error(where, f"{name!r} must be a list of conditions", field=name)
        return []
    return [
        parse_condition_entry(check, item, f"{where} {name}[{index}]", refs)
        for index, item in enumerate(value)
    ]


def parse_trigger(check: Validator, trigger: Any, where: str, refs: References) -> dict:
    """The question or dimension a step improves; `below` defaults to 100."""
    if trigger is None:
        check.error(where, "missing 'trigger'")
        return {"question": None, "dimension": None, "below": 100.0}
    parsed = parse_condition_entry(check, trigger, f"{where} trigger", refs, trigger=True)
    question = parsed.get("question")
    if isinstance(question, str) and question in refs.questions:
        if not refs.questions[question]["scored"]:
            check.error(where, f"trigger on question {question!r}, which is not scored")
    return {
        "question": question,
        "dimension": parsed.get("dimension"),
        "below": parsed.get("below", 100.0),
        "any_of": parsed.get("any_of", []),
        "none_of": parsed.get("none_of", []),
    }


def parse_kpi(check: Validator, kpi: Any, where: str) -> dict:
    kpi = check.mapping(kpi, f"{where} kpi")
    check.unknown_fields(kpi, {"metric", "unit", "direction"}, f"{where} kpi")
    unit = kpi.get("unit")
    if unit not in KPI_UNITS:
        check.error(where, f"kpi 'unit' must be one of {', '.join(KPI_UNITS)}, not {unit!r}")
        unit = ""
    direction = kpi.get("direction")
    if direction not in ("up", "down"):
        check.error(where, f"kpi 'direction' must be 'up' or 'down', not {direction!r}")
    return {
        "metric": check.text(kpi, "metric", f"{where} kpi"),
        "unit": unit,
        "direction": direction,
    }


def legal_date(check: Validator, value: Any, name: str, where: str) -> str | None:
    if not isinstance(value, datetime.date) or isinstance(value, datetime.datetime):
        check.error(where, f"legal {name!r} must be a date YYYY-MM-DD, not {value!r}")
        return None
    return value.isoformat()


def parse_legal(check: Validator, legal: Any, where: str, refs: References) -> dict | None:
    """A legal fact. Without `kind` (the first file format) it is a dated duty with one
    `deadline`, and `checked` is optional; with `kind`, `checked` is required."""
    if legal is None:
        return None
    legal = check.mapping(legal, f"{where} legal")
    check.unknown_fields(
        legal,
        {"kind", "deadline", "deadlines", "since", "applies_if", "source", "checked", "note"},
        f"{where} legal",
    )
    explicit = "kind" in legal
    kind = legal.get("kind", "dated")
    if kind not in LEGAL_KINDS:
        check.error(where, f"legal 'kind' must be one of {', '.join(LEGAL_KINDS)}, not {kind!r}")
        kind = "dated"
    parsed: dict[str, Any] = {
        "kind": kind,
        "deadline": None,
        "deadlines": [],
        "since": None,
        "applies_if": [],
        "checked": None,
    }
    if kind == "dated":
        if "since" in legal:
            check.error(where, "legal 'since' is for kind 'ongoing'; a dated duty has 'deadline'")
        has_one, has_many = "deadline" in legal, "deadlines" in legal
        if has_one == has_many:
            check.error(where, "a dated legal duty needs either 'deadline' or 'deadlines'")
        if has_one:
            parsed["deadline"] = legal_date(check, legal["deadline"], "deadline", where)
        if has_many:
            parsed["deadlines"] = parse_deadlines(check, legal["deadlines"], where, refs)
    else:
        if "deadline" in legal or "deadlines" in legal:
            check.error(where, "an ongoing legal duty has 'since', not 'deadline'")
        if "since" not in legal:
            check.error(where, "an ongoing legal duty needs 'since'")
        else:
            parsed["since"] = legal_date(check, legal["since"], "since", where)
    parsed["applies_if"] = parse_conditions(check, legal, "applies_if", f"{where} legal", refs)
    if "checked" in legal or explicit:
        if "checked" not in legal:
            check.error(where, "legal needs 'checked' (the date the fact was last checked)")
        else:
            parsed["checked"] = legal_date(check, legal["checked"], "checked", where)
    source = legal.get("source")
    if not isinstance(source, str) or not source.strip():
        check.error(where, "legal needs a 'source' (the law or letter the date comes from)")
        source = ""
    parsed["source"] = source
    parsed["note"] = check.text(legal, "note", f"{where} legal")
    return parsed


def parse_deadlines(check: Validator, value: Any, where: str, refs: References) -> list[dict]:
    if not isinstance(value, list) or not value:
        check.error(where, "legal 'deadlines' must be a list of {date, if}")
        return []
    rules = []
    for index, rule in enumerate(value):
        rule_where = f"{where} legal deadlines[{index}]"
        rule = check.mapping(rule, rule_where)
        check.unknown_fields(rule, {"date", "if"}, rule_where)
        date = legal_date(check, rule.get("date"), "date", rule_where)
        conditions = parse_conditions(check, rule, "if", rule_where, refs)
        if not conditions:
            check.error(rule_where, "needs 'if', a list of conditions")
        rules.append({"date": date, "if": conditions})
    return rules


def find_cycle(requires: dict[str, list[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(key: str) -> list[str] | None:
        state[key] = 1
        path.append(key)
        for required in requires.get(key, []):
            if state.get(required) == 1:
                return [*path[path.index(required) :], required]
            if state.get(required) is None and required in requires:
                found = visit(required)
                if found:
                    return found
        path.pop()
        state[key] = 2
        return None

    for key in sorted(requires):
        if key not in state:
            found = visit(key)
            if found:
                return found
    return None


# Fields added with legal kinds and conditions, and the values a file without them reads as.
# They are left out of the hash at these values, so a file written before them keeps its hash
# and loading it again changes nothing.
NEW_STEP_DEFAULTS: dict[str, Any] = {"when": [], "unless": [], "group": "", "existential": False}
NEW_TRIGGER_DEFAULTS: dict[str, Any] = {"any_of": [], "none_of": []}
NEW_LEGAL_DEFAULTS: dict[str, Any] = {
    "kind": "dated",
    "deadlines": [],
    "since": None,
    "applies_if": [],
    "checked": None,
}


# Fields added with question groups, empty tick lists and whole-point bands (format 3).
NEW_TOP_DEFAULTS: dict[str, Any] = {"whole_point_bands": False}
NEW_DIMENSION_DEFAULTS: dict[str, Any] = {"groups": [], "grids": []}
NEW_QUESTION_DEFAULTS: dict[str, Any] = {"group": "", "empty_zero": False, "grid": ""}


def hashed_form(content: dict) -> dict:
    def without(data: dict, defaults: dict[str, Any]) -> dict:
        return {k: v for k, v in data.items() if not (k in defaults and defaults[k] == v)}

    dimensions = [
        {
            **without(dimension, NEW_DIMENSION_DEFAULTS),
            "questions": [
                without(question, NEW_QUESTION_DEFAULTS) for question in dimension["questions"]
            ],
        }
        for dimension in content.get("dimensions", [])
    ]
    content = {**without(content, NEW_TOP_DEFAULTS), "dimensions": dimensions}

    steps = []
    for step in content.get("recommendations", []):
        step = without(step, NEW_STEP_DEFAULTS)
        step["trigger"] = without(step["trigger"], NEW_TRIGGER_DEFAULTS)
        if step.get("legal"):
            step["legal"] = without(step["legal"], NEW_LEGAL_DEFAULTS)
        steps.append(step)
    return {**content, "recommendations": steps}


def content_hash(content: dict) -> str:
    canonical = json.dumps(
        hashed_form(content), sort_keys=True, ensure_ascii=False, separators=(",", ":")
    )
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def load_questionnaire_file(*, path: Path) -> LoadOutcome:
    """Validate and store a file as one questionnaire version (see the module docstring)."""
    return load_content(content=parse_file(path), source_file=str(path))


def load_questionnaire_text(*, text: str, filename: str) -> LoadOutcome:
    """Validate and store an uploaded file's text, under the same versioning rules."""
    return load_content(content=parse_text(text, filename), source_file=filename)


def version_problem(content: dict, source: str) -> str | None:
    """Why this content cannot be stored under its key and version; None if it can."""
    existing = Questionnaire.objects.filter(key=content["key"], version=content["version"]).first()
    if existing is None or existing.content_hash == content_hash(content):
        return None
    if existing.is_in_use():
        return (
            f"{source}: {content['key']} version {content['version']} is already used by "
            f"assessments and cannot change; bump 'version' to "
            f"{next_version(content['key'])} to load the changed file"
        )
    return None


def load_content(*, content: dict, source_file: str) -> LoadOutcome:
    digest = content_hash(content)
    with transaction.atomic():
        existing = (
            Questionnaire.objects.select_for_update()
            .filter(key=content["key"], version=content["version"])
            .first()
        )
        if existing is not None:
            if existing.content_hash == digest:
                return LoadOutcome(existing, "unchanged")
            problem = version_problem(content, source_file)
            if problem:
                raise QuestionnaireInUse(problem)
            existing.delete()
        questionnaire = store(content, digest=digest, source_file=source_file)
    return LoadOutcome(questionnaire, "created" if existing is None else "replaced")


def next_version(key: str) -> int:
    latest = Questionnaire.objects.filter(key=key).order_by("-version").first()
    return 1 if latest is None else latest.version + 1


def store(content: dict, *, digest: str, source_file: str) -> Questionnaire:
    questionnaire = Questionnaire.objects.create(
        key=content["key"],
        version=content["version"],
        title_de=content["title"]["de"],
        title_en=content["title"]["en"],
        description_de=content["description"]["de"],
        description_en=content["description"]["en"],
        sources=content["sources"],
        content_hash=digest,
        source_file=source_file,
        whole_point_bands=content["whole_point_bands"],
    )
    LevelBand.objects.bulk_create(
        LevelBand(
            questionnaire=questionnaire,
            key=level["key"],
            order=order,
            lower=level["min"],
            upper=level["max"],
            name_de=level["name"]["de"],
            name_en=level["name"]["en"],
            description_de=level["description"]["de"],
            description_en=level["description"]["en"],
        )
        for order, level in enumerate(content["levels"])
    )
    dimensions: dict[str, Dimension] = {}
    questions: dict[str, Question] = {}
    for dimension_order, dimension_content in enumerate(content["dimensions"]):
        dimension = Dimension.objects.create(
            questionnaire=questionnaire,
            key=dimension_content["key"],
            order=dimension_order,
            title_de=dimension_content["title"]["de"],
            title_en=dimension_content["title"]["en"],
            description_de=dimension_content["description"]["de"],
            description_en=dimension_content["description"]["en"],
            weight=dimension_content["weight"],
            groups=[
                {
                    "key": group["key"],
                    "weight": group["weight"],
                    "title_de": group["title"]["de"],
                    "title_en": group["title"]["en"],
                }
                for group in dimension_content["groups"]
            ],
        )
        dimensions[dimension.key] = dimension
        grids = store_grids(questionnaire, dimension, dimension_content)
        for question_order, question_content in enumerate(dimension_content["questions"]):
            condition = question_content["condition"] or {}
            question = Question.objects.create(
                questionnaire=questionnaire,
                dimension=dimension,
                key=question_content["key"],
                order=question_order,
                kind=question_content["kind"],
                text_de=question_content["text"]["de"],
                text_en=question_content["text"]["en"],
                help_de=question_content["help"]["de"],
                help_en=question_content["help"]["en"],
                weight=question_content["weight"],
                allow_na=question_content["allow_na"],
                scored=question_content["scored"],
                max_points=question_content["max_points"],
                condition_question_key=condition.get("question") or "",
                condition_any_of=condition.get("any_of", []),
                sources=question_content["sources"],
                group=question_content["group"],
                empty_zero=question_content["empty_zero"],
                grid=grids.get(question_content["grid"]),
            )
            questions[question.key] = question
            Option.objects.bulk_create(
                Option(
                    question=question,
                    key=option["key"],
                    order=option_order,
                    label_de=option["label"]["de"],
                    label_en=option["label"]["en"],
                    points=option["points"],
                    exclusive=option["exclusive"],
                )
                for option_order, option in enumerate(question_content["options"])
            )
    Recommendation.objects.bulk_create(
        Recommendation(
            questionnaire=questionnaire,
            dimension=dimensions[item["dimension"]],
            key=item["key"],
            order=order,
            title_de=item["title"]["de"],
            title_en=item["title"]["en"],
            description_de=item["description"]["de"],
            description_en=item["description"]["en"],
            trigger_question=questions.get(item["trigger"]["question"] or ""),
            trigger_dimension=dimensions.get(item["trigger"]["dimension"] or ""),
            trigger_below=item["trigger"]["below"],
            trigger_any_of=item["trigger"]["any_of"],
            trigger_none_of=item["trigger"]["none_of"],
            when=item["when"],
            unless=item["unless"],
            group=item["group"],
            existential=item["existential"],
            effort_hours=item["effort_hours"],
            cost_once=item["cost_once"],
            cost_monthly=item["cost_monthly"],
            impact=item["impact"],
            requires=item["requires"],
            kpi_metric_de=item["kpi"]["metric"]["de"],
            kpi_metric_en=item["kpi"]["metric"]["en"],
            kpi_unit=item["kpi"]["unit"],
            kpi_direction=item["kpi"]["direction"],
            legal_kind=item["legal"]["kind"] if item["legal"] else "",
            legal_deadline=item["legal"]["deadline"] if item["legal"] else None,
            legal_deadlines=item["legal"]["deadlines"] if item["legal"] else [],
            legal_since=item["legal"]["since"] if item["legal"] else None,
            legal_applies_if=item["legal"]["applies_if"] if item["legal"] else [],
            legal_checked=item["legal"]["checked"] if item["legal"] else None,
            legal_source=item["legal"]["source"] if item["legal"] else "",
            legal_note_de=item["legal"]["note"]["de"] if item["legal"] else "",
            legal_note_en=item["legal"]["note"]["en"] if item["legal"] else "",
        )
        for order, item in enumerate(content["recommendations"])
    )
    return questionnaire


def store_grids(
    questionnaire: Questionnaire, dimension: Dimension, content: dict
) -> dict[str, QuestionGrid]:
    """The dimension's grid questions by key, each at the position of its first row."""
    first_row: dict[str, int] = {}
    for order, question in enumerate(content["questions"]):
        first_row.setdefault(question["grid"], order)
    return {
        grid["key"]: QuestionGrid.objects.create(
            questionnaire=questionnaire,
            dimension=dimension,
            key=grid["key"],
            order=first_row[grid["key"]],
            text_de=grid["text"]["de"],
            text_en=grid["text"]["en"],
            help_de=grid["help"]["de"],
            help_en=grid["help"]["en"],
            weight=grid["weight"],
            allow_na=grid["allow_na"],
            sources=grid["sources"],
            group=grid["group"],
        )
        for grid in content.get("grids", [])
    }
