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

    def error(self, where: str, message: str) -> None:
        self.errors.append(f"{self.filename}: {where}: {message}")

    def mapping(self, value: Any, where: str) -> dict:
        if not isinstance(value, dict):
            self.error(where, "must be a mapping")
            return {}
        return value

    def unknown_fields(self, data: dict, allowed: set[str], where: str) -> None:
        for name in sorted(set(data) - allowed, key=str):
            self.error(where, f"unknown field {name!r}")

    def key(self, data: dict, where: str) -> str:
        value = data.get("key")
        if not isinstance(value, str) or not KEY_PATTERN.match(value):
            self.error(where, "needs a 'key' of lowercase letters, digits, '-' or '_'")
            return ""
        return value

    def text(self, data: dict, name: str, where: str, required: bool = True) -> dict[str, str]:
        value = data.get(name)
        if value is None:
            if required:
                self.error(where, f"missing {name!r} (German and English)")
            return {language: "" for language in LANGUAGES}
        if not isinstance(value, dict):
            self.error(where, f"{name!r} must have 'de' and 'en' entries")
            return {language: "" for language in LANGUAGES}
        result = {}
        for language in LANGUAGES:
            entry = value.get(language)
            if isinstance(entry, bool | int | float):
                self.error(
                    where,
                    f"{name}.{language} must be text, not {entry!r} "
                    "(quote it: YAML reads yes/no/on/off as true/false)",
                )
                entry = ""
            elif not isinstance(entry, str) or not entry.strip():
                self.error(where, f"missing translation {name}.{language}")
                entry = ""
            elif len(entry) > MAX_TEXT:
                self.error(where, f"{name}.{language} is longer than {MAX_TEXT} characters")
            result[language] = entry.strip()
        for extra in sorted(set(value) - set(LANGUAGES), key=str):
            self.error(where, f"{name!r} has an unknown language {extra!r}")
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
            self.error(where, f"{name!r} must be a number, not {value!r}")
            return 0.0
        too_low = value < low if low_inclusive else value <= low
        if too_low or (high is not None and value > high):
            bound = f"from {low:g}" if low_inclusive else f"above {low:g}"
            upper = f" to {high:g}" if high is not None else ""
            self.error(where, f"{name!r} is {value!r}, out of range ({bound}{upper})")
        return float(value)

    def flag(self, data: dict, name: str, where: str, default: bool) -> bool:
        value = data.get(name, default)
        if not isinstance(value, bool):
            self.error(where, f"{name!r} must be true or false")
            return default
        return value

    def strings(self, data: dict, name: str, where: str) -> list[str]:
        value = data.get(name, [])
        if not isinstance(value, list) or not all(isinstance(item, str) for item in value):
            self.error(where, f"{name!r} must be a list of texts")
            return []
        return value


def parse_file(path: Path) -> dict:
    """Validate a questionnaire file; return its normalised content or raise with every error."""
    filename = str(path)
    try:
        raw = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise QuestionnaireFileError([f"{filename}: cannot be read: {error}"]) from None
    try:
        data = yaml.safe_load(raw)
    except yaml.YAMLError as error:
        raise QuestionnaireFileError([f"{filename}: is not valid YAML: {error}"]) from None
    return parse_data(data, filename)


def parse_data(data: Any, filename: str) -> dict:
    check = Validator(filename)
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
        check.error("top level", "'version' must be a whole number from 1")
        version = 0
    questionnaire = {
        "key": key,
        "version": version,
        "title": check.text(data, "title", "top level"),
        "description": check.text(data, "description", "top level", required=False),
        "sources": check.strings(data, "sources", "top level"),
        "levels": parse_levels(check, data.get("levels")),
    }
    dimensions, questions = parse_dimensions(check, data.get("dimensions"))
    questionnaire["dimensions"] = dimensions
    questionnaire["recommendations"] = parse_recommendations(
        check, data.get("recommendations", []), dimensions, questions
    )
    if check.errors:
        raise QuestionnaireFileError(check.errors)
    return questionnaire


def parse_levels(check: Validator, levels: Any) -> list[dict]:
    if not isinstance(levels, list) or len(levels) < 2:
        check.error("levels", "need a list of at least two level bands")
        return []
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, level in enumerate(levels):
        level = check.mapping(level, f"levels[{index}]")
        key = check.key(level, f"levels[{index}]")
        where = f"level {key or index}"
        check.unknown_fields(level, {"key", "min", "max", "name", "description"}, where)
        if key in seen:
            check.error(where, "duplicate key")
        seen.add(key)
        result.append(
            {
                "key": key,
                "min": check.number(level, "min", where, high=100),
                "max": check.number(level, "max", where, high=100),
                "name": check.text(level, "name", where),
                "description": check.text(level, "description", where, required=False),
            }
        )
    if result:
        if result[0]["min"] != 0:
            check.error(
                f"level {result[0]['key']}", "bad level bands: the first band must start at 0"
            )
        if result[-1]["max"] != 100:
            check.error(
                f"level {result[-1]['key']}", "bad level bands: the last band must end at 100"
            )
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
    return result


def parse_dimensions(check: Validator, dimensions: Any) -> tuple[list[dict], dict[str, dict]]:
    if not isinstance(dimensions, list) or not dimensions:
        check.error("dimensions", "need a list of at least one dimension")
        return [], {}
    result: list[dict[str, Any]] = []
    questions: dict[str, dict] = {}
    seen: set[str] = set()
    for index, dimension in enumerate(dimensions):
        dimension = check.mapping(dimension, f"dimensions[{index}]")
        key = check.key(dimension, f"dimensions[{index}]")
        where = f"dimension {key or index}"
        check.unknown_fields(
            dimension, {"key", "title", "description", "weight", "questions"}, where
        )
        if key in seen:
            check.error(where, "duplicate key")
        seen.add(key)
        parsed: dict[str, Any] = {
            "key": key,
            "title": check.text(dimension, "title", where),
            "description": check.text(dimension, "description", where, required=False),
            "weight": check.number(
                dimension, "weight", where, default=1, low=0, low_inclusive=False
            ),
            "questions": [],
        }
        raw_questions = dimension.get("questions")
        if not isinstance(raw_questions, list) or not raw_questions:
            check.error(where, "needs a list of at least one question")
            raw_questions = []
        for question_index, question in enumerate(raw_questions):
            parsed_question = parse_question(
                check, question, f"{where} question[{question_index}]", questions
            )
            if parsed_question is not None:
                parsed_question["dimension"] = key
                parsed["questions"].append(parsed_question)
                questions[parsed_question["key"]] = parsed_question
        result.append(parsed)
    return result, questions


def parse_question(
    check: Validator, question: Any, position: str, earlier: dict[str, dict]
) -> dict | None:
    question = check.mapping(question, position)
    if not question:
        return None
    key = check.key(question, position)
    where = f"question {key}" if key else position
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
        },
        where,
    )
    if key in earlier:
        check.error(where, "duplicate key (question keys must be unique in the whole file)")
    kind = question.get("kind")
    if kind not in KINDS:
        check.error(where, f"'kind' must be one of {', '.join(KINDS)}, not {kind!r}")
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
    }
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


def parse_options(check: Validator, options: Any, where: str, kind: Any) -> list[dict]:
    if not isinstance(options, list) or len(options) < 2:
        check.error(where, "needs a list of at least two options")
        return []
    result: list[dict[str, Any]] = []
    seen: set[str] = set()
    for index, option in enumerate(options):
        option = check.mapping(option, f"{where} option[{index}]")
        key = check.key(option, f"{where} option[{index}]")
        option_where = f"{where} option {key or index}"
        check.unknown_fields(option, {"key", "label", "points", "exclusive"}, option_where)
        if key in seen:
            check.error(option_where, "duplicate key")
        seen.add(key)
        result.append(
            {
                "key": key,
                "label": check.text(option, "label", option_where),
                "points": check.number(option, "points", option_where, high=MAX_POINTS),
                "exclusive": check.flag(option, "exclusive", option_where, False),
            }
        )
    return result


def parse_condition(check: Validator, condition: Any, where: str, earlier: dict[str, dict]) -> dict:
    condition = check.mapping(condition, f"{where} condition")
    check.unknown_fields(condition, {"question", "any_of"}, f"{where} condition")
    parent_key = condition.get("question")
    any_of = condition.get("any_of")
    if not isinstance(any_of, list) or not any_of or not all(isinstance(k, str) for k in any_of):
        check.error(where, "condition needs 'any_of', a list of option keys")
        any_of = []
    parent = earlier.get(parent_key) if isinstance(parent_key, str) else None
    if parent is None:
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
        where = f"recommendation {key or index}"
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
        if key in seen:
            check.error(where, "duplicate key")
        seen.add(key)
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
    if not isinstance(value, list) or not value or not all(isinstance(k, str) for k in value):
        check.error(where, f"{name!r} must be a non-empty list of keys")
        return []
    return value


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
        check.error(where, f"{name!r} must be a list of conditions")
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


def hashed_form(content: dict) -> dict:
    def without(data: dict, defaults: dict[str, Any]) -> dict:
        return {k: v for k, v in data.items() if not (k in defaults and defaults[k] == v)}

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
    content = parse_file(path)
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
            if existing.is_in_use():
                raise QuestionnaireInUse(
                    f"{path}: {content['key']} version {content['version']} is already used by "
                    f"assessments and cannot change; bump 'version' to "
                    f"{next_version(content['key'])} to load the changed file"
                )
            existing.delete()
        questionnaire = store(content, digest=digest, source_file=str(path))
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
        )
        dimensions[dimension.key] = dimension
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
