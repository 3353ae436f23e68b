"""Querysets compiled to SQL once per database connection, then run with new values.

Django builds and compiles a queryset's SQL every time it is evaluated. For the lookups that
every questionnaire page makes – the session, the assessment, its answers – compiling took
five times as long as running the query (bench/README.md). A `PreparedQuery` compiles its
queryset once per connection and afterwards only binds the new values and converts the rows
with Django's own converters, so the results are the same as the queryset's.

The queryset is built from sample values. Each sample must appear exactly once among the
compiled query's parameters, prepared by the field it is compared with; that is checked when
the query is compiled.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from typing import Any

from django.core.exceptions import ImproperlyConfigured
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Field, Model, QuerySet
from django.db.models.query import get_related_populators


class _Compiled:
    def __init__(self, compiler, sql: str, params: tuple, positions: list[int]) -> None:
        self.compiler = compiler
        self.sql = sql
        self.params = params
        self.positions = positions


class PreparedQuery:
    """`make(*values)` returns the queryset; `fields[i]` is the field `values[i]` is compared
    with, and `samples` are values to compile it with (distinct from each other and from the
    query's constant parameters)."""

    def __init__(
        self,
        make: Callable[..., QuerySet],
        *,
        fields: Sequence[Field],
        samples: Sequence[Any],
        using: str = DEFAULT_DB_ALIAS,
    ) -> None:
        if len(fields) != len(samples):
            raise ImproperlyConfigured("PreparedQuery needs one sample per field")
        self.make = make
        self.fields = tuple(fields)
        self.samples = tuple(samples)
        self.using = using

    def _compile(self, connection) -> _Compiled:
        # Kept on the connection object (one per thread), so it goes when the connection goes.
        cache = connection.__dict__.setdefault("prepared_queries", {})
        compiled = cache.get(self)
        if compiled is not None:
            return compiled
        queryset = self.make(*self.samples)
        if queryset._known_related_objects or queryset.query.annotations:
            raise ImproperlyConfigured("PreparedQuery takes plain querysets only")
        compiler = queryset.query.get_compiler(using=self.using)
        sql, params = compiler.as_sql()
        params = tuple(params)
        positions = []
        for field, sample in zip(self.fields, self.samples, strict=True):
            prepared = field.get_db_prep_value(sample, connection)
            found = [
                index
                for index, param in enumerate(params)
                if type(param) is type(prepared) and param == prepared
            ]
            if len(found) != 1:
                raise ImproperlyConfigured(
                    f"sample {sample!r} for {field} appears {len(found)} times among the "
                    f"parameters of {sql!r}; choose a sample that appears exactly once"
                )
            positions.append(found[0])
        compiled = _Compiled(compiler, sql, params, positions)
        cache[self] = compiled
        return compiled

    def _execute(self, values: Sequence[Any]) -> tuple[_Compiled, list]:
        connection = connections[self.using]
        compiled = self._compile(connection)
        params = list(compiled.params)
        for field, position, value in zip(self.fields, compiled.positions, values, strict=True):
            params[position] = field.get_db_prep_value(value, connection)
        with connection.cursor() as cursor:
            cursor.execute(compiled.sql, params)
            rows = cursor.fetchall()
        return compiled, rows

    def rows(self, *values: Any) -> list[tuple]:
        """The rows of a `values_list()` queryset, converted as Django converts them."""
        compiled, rows = self._execute(values)
        return list(compiled.compiler.results_iter([rows], tuple_expected=True))

    def objects(self, *values: Any) -> Iterator[Model]:
        """Model instances, with the relations of `select_related()` filled in."""
        compiled, rows = self._execute(values)
        compiler = compiled.compiler
        select, klass_info = compiler.select, compiler.klass_info
        model = klass_info["model"]
        first, last = klass_info["select_fields"][0], klass_info["select_fields"][-1] + 1
        names = [column[0].target.attname for column in select[first:last]]
        populators = get_related_populators(klass_info, select, self.using)
        for row in compiler.results_iter([rows]):
            instance = model.from_db(self.using, names, row[first:last])
            for populator in populators:
                populator.populate(row, instance)
            yield instance

    def first(self, *values: Any) -> Model | None:
        return next(self.objects(*values), None)
